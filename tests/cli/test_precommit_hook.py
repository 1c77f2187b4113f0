"""The pre-commit hook for real: a throw-away repository using this checkout's HEAD as the hook repo.

Slow (pre-commit builds the hook's virtualenv and installs shapecheck with its one
dependency, libcst). Nothing is committed to this checkout: the hook is taken from the
current HEAD commit, so the test is skipped when HEAD has no ``.pre-commit-hooks.yaml``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import REPO, TRANSLATE_LIB

pytestmark = pytest.mark.slow

BUGGY = '"""Seed bug 002 in miniature: flat images (B*C, ...) meet per-group offsets (B, 2)."""\n' + TRANSLATE_LIB + '''

def flatten_offsets(offsets: Annotated[tf.Tensor, Shape("B 1 2 C")]) -> Annotated[tf.Tensor, Shape("B*C 2")]:
    b, _, _, c = tf.unstack(tf.shape(offsets))
    return tf.reshape(tf.transpose(offsets, (0, 3, 1, 2)), (b * c, 2))


def reassemble(patches: Annotated[tf.Tensor, Shape("B H W C")], offsets: Annotated[tf.Tensor, Shape("B 1 2 C")]):
    flat = channel_to_flat(patches)
    return translate(flat, offsets[:, 0, :, 0])
'''
FIXED = BUGGY.replace("return translate(flat, offsets[:, 0, :, 0])", "return translate(flat, flatten_offsets(offsets))")


def _git(args: list[str], cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _user_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A throw-away repository whose .pre-commit-config.yaml uses this checkout's HEAD as the hook."""
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed")
    hook_repo = Path(os.environ.get("SHAPECHECK_TEST_HOOK_REPO", REPO))  # another checkout, if given
    head = _git(["rev-parse", "HEAD"], hook_repo)
    if subprocess.run(["git", "cat-file", "-e", f"{head}:.pre-commit-hooks.yaml"], cwd=hook_repo).returncode != 0:
        pytest.skip(f"HEAD {head[:10]} has no .pre-commit-hooks.yaml; commit it to test the hook")
    if subprocess.run(["git", "cat-file", "-e", f"{head}:README.md"], cwd=hook_repo).returncode != 0:
        pytest.skip(f"HEAD {head[:10]} has no README.md, which pyproject.toml names as the readme: "
                    "the distribution cannot be built from HEAD, so no hook can be installed from it")

    repo = tmp_path / "user_repo"
    repo.mkdir()
    _git(["init", "-q"], repo)
    _git(["config", "user.email", "test@example.com"], repo)
    _git(["config", "user.name", "test"], repo)
    (repo / "pyproject.toml").write_text("[tool.shapecheck]\n", encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {head}\n    hooks:\n      - id: shapecheck\n", encoding="utf-8"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    env.pop("PYTHONPATH", None)  # the hook must run from its own environment, not this checkout
    return repo, env


def test_pre_commit_hook_fails_on_seed_bug_and_passes_when_fixed(tmp_path: Path) -> None:
    repo, env = _user_repo(tmp_path)
    (repo / "model.py").write_text(BUGGY, encoding="utf-8")
    (repo / "notes.txt").write_text("not python\n", encoding="utf-8")
    _git(["add", "."], repo)

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["pre-commit", "run", "--all-files"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=900)

    failing = pre_commit()
    output = failing.stdout + failing.stderr
    assert failing.returncode == 1, output
    assert "shapecheck" in output and "Failed" in output
    assert "model.py:27:28: SC103" in output, output
    assert "notes.txt" not in output  # types: [python]

    (repo / "model.py").write_text(FIXED, encoding="utf-8")
    _git(["add", "."], repo)
    passing = pre_commit()
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout

    # The hook's environment has only what linting needs.
    envs = list((tmp_path / "pre-commit-home").glob("repo*/py_env-*"))
    assert envs, list((tmp_path / "pre-commit-home").rglob("py_env-*"))
    python = next(envs[0].glob("bin/python"))
    probe = subprocess.run([str(python), "-c", "import libcst, shapecheck.cli.main, importlib.util as u; "
                            "print([m for m in ('tensorflow', 'numpy', 'jaxtyping') if u.find_spec(m)])"],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "[]"


OPS = '''from typing import Annotated

import tensorflow as tf

from shapecheck import Shape


def translate(images: Annotated[tf.Tensor, Shape("N H W 1")], offsets: Annotated[tf.Tensor, Shape("M 1")]) -> tf.Tensor:
    return images
'''
USE = '''import tensorflow as tf

from ops import translate


def shift(images, offsets):
    images = tf.ensure_shape(images, (8, 32, 32, 1))
    offsets = tf.ensure_shape(offsets, (4, 2))
    return translate(images, offsets[:, :1])
'''


def test_pre_commit_reports_what_a_changed_contract_breaks_in_an_unchanged_importer(tmp_path: Path) -> None:
    """Issue 11, defect 4: only ops.py changes (its contract), and use.py, unchanged, now breaks it."""
    repo, env = _user_repo(tmp_path)
    (repo / "ops.py").write_text(OPS, encoding="utf-8")
    (repo / "use.py").write_text(USE, encoding="utf-8")
    _git(["add", "."], repo)
    _git(["commit", "-q", "--no-verify", "-m", "clean"], repo)
    (repo / "ops.py").write_text(OPS.replace('Shape("M 1")', 'Shape("N 2")'), encoding="utf-8")
    _git(["add", "ops.py"], repo)
    hook = subprocess.run(["pre-commit", "run"], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    output = hook.stdout + hook.stderr
    assert hook.returncode == 1 and "use.py:9:30: SC101" in output, output
    assert "caused by the change to ops.py" in output
