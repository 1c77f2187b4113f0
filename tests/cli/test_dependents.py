"""Issue 11, defect 4 without pre-commit: naming only a changed file reports what its change
breaks in unchanged files that import it (against git's HEAD), and nothing they already had."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .helpers import make_project, run_cli
from .test_precommit_hook import OPS, USE


def _git(args: list[str], cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_changed_contract_breaks_an_unchanged_importer(tmp_path: Path) -> None:
    old_bug = "\n\ndef old(images, offsets):\n    return translate(tf.ensure_shape(images, (8, 4, 4, 1)), tf.ensure_shape(offsets, (3, 2)))\n"
    root = make_project(tmp_path / "repo", {"ops.py": OPS, "use.py": USE + old_bug})
    _git(["init", "-q"], root)
    _git(["add", "."], root)
    _git(["commit", "-q", "-m", "before"], root)
    assert run_cli(["check", "--concise", "ops.py"], root).returncode == 0  # unchanged: nothing to report
    (root / "ops.py").write_text(OPS.replace('Shape("M 1")', 'Shape("N 2")'), encoding="utf-8")
    whole = run_cli(["check", "--concise", "--no-cache"], root)
    named = run_cli(["check", "ops.py"], root)
    assert named.returncode == 1, named.output
    assert "use.py:9:30: SC101" in named.stdout and "caused by the change to ops.py" in named.stdout
    assert "use.py:9:30: SC101" in whole.stdout
    # use.py's finding in old() breaks the contract before and after the change: not caused by it.
    assert "use.py:13:" in whole.stdout and "use.py:13:" not in named.stdout, (whole.stdout, named.stdout)
