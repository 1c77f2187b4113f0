"""The cache gives the findings of ``--no-cache`` whichever directory runs fill and read it.

Issue 11, defects 1 and 2: summaries and findings cached by a run from one directory were
reused by a run from another under the first run's paths (wrong SC303s from a
subdirectory, old paths from the root, a baseline that no longer matched).
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shapecheck.cli.main import run

from .helpers import HARDWIRED_JIT, TRANSLATE_LIB, make_project, run_cli

USE = '''\
import tensorflow as tf

from lib.ops import translate


def shift(images, offsets):
    images = tf.ensure_shape(images, (8, 32, 32, 1))
    offsets = tf.ensure_shape(offsets, (4, 2))
    return translate(images, offsets)
'''
# Two scripts with the same module name (``buggy``) in sibling directories, as in
# examples/seed_bugs, plus a contract defined in one package and broken in another.
TREE = {
    "lib/__init__.py": "",
    "lib/ops.py": TRANSLATE_LIB,
    "app/use.py": USE,
    "seeds/a/buggy.py": HARDWIRED_JIT,
    "seeds/b/buggy.py": "import tensorflow as tf\n\n\ndef helper(x):\n    return x\n\n\n" + HARDWIRED_JIT,
    "seeds/b/deep/c.py": HARDWIRED_JIT.replace("step", "other"),
}
DIRS = ["", "lib", "app", "seeds", "seeds/a", "seeds/b", "seeds/b/deep"]


def _tree(root: Path) -> Path:
    return make_project(root, dict(TREE))


def _locations(stdout: str) -> list[str]:
    return [line.split(" ")[0] + " " + line.split(" ")[1] for line in stdout.splitlines() if ": SC" in line]


def test_subdirectory_run_after_root_run_gives_the_no_cache_findings(tmp_path: Path) -> None:
    root = _tree(tmp_path / "proj")
    assert run_cli(["check", "--concise"], root).returncode == 1
    cached = run_cli(["check", "--concise"], root / "seeds")
    fresh = run_cli(["check", "--concise", "--no-cache"], root / "seeds")
    assert _locations(fresh.stdout) == ["a/buggy.py:4:26: SC303", "b/buggy.py:11:26: SC303", "b/deep/c.py:4:26: SC303"]
    assert _locations(cached.stdout) == _locations(fresh.stdout), cached.stdout


def test_root_run_after_subdirectory_run_shows_paths_from_the_root(tmp_path: Path) -> None:
    root = _tree(tmp_path / "proj")
    first = run_cli(["check", "--concise", "seeds/b"], root)
    assert _locations(first.stdout) == ["seeds/b/buggy.py:11:26: SC303", "seeds/b/deep/c.py:4:26: SC303"]
    again = run_cli(["check", "--concise"], root / "seeds" / "b")
    assert _locations(again.stdout) == ["buggy.py:11:26: SC303", "deep/c.py:4:26: SC303"], again.stdout
    from_root = run_cli(["check", "--concise"], root)
    assert "seeds/b/buggy.py:11:26: SC303" in _locations(from_root.stdout), from_root.stdout


def test_baseline_written_at_the_root_matches_from_a_subdirectory(tmp_path: Path) -> None:
    root = _tree(tmp_path / "proj")
    wrote = run_cli(["check", "--write-baseline", "baseline.json"], root)
    assert wrote.returncode == 0, wrote.output
    for sub in ("app", "seeds", "seeds/b"):
        used = run_cli(["check", "--concise", "--baseline", "../" * sub.count("/") + "../baseline.json"], root / sub)
        assert used.returncode == 0 and not _locations(used.stdout), (sub, used.output)


# -- the property: any sequence of runs, from any directories, with and without the cache --------

_NO_CACHE: dict[tuple[str, str], list[dict[str, object]]] = {}


def _run_in(root: Path, directory: str, target: str, cache: bool) -> list[dict[str, object]]:
    """Findings (absolute paths) of ``check TARGET`` run from ``root/directory``."""
    here = root / directory
    args = ["check", "--output-format", "json", "--jobs", "1", "--cache-dir", str(root / ".cache"), target]
    if not cache:
        args.append("--no-cache")
    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(here)
    try:
        code = run(args, out, err)
    finally:
        os.chdir(previous)
    assert code in (0, 1), err.getvalue()
    findings = json.loads(out.getvalue())
    for f in findings:
        f["path"] = os.path.normpath(here / f["path"])
    return findings


def _targets(directory: str) -> list[str]:
    below = sorted(p for p in TREE if p.startswith(directory + "/") or not directory)
    return [".", *(os.path.relpath(p, directory or ".") for p in below[:2])]


run_step = st.sampled_from(DIRS).flatmap(
    lambda d: st.tuples(st.just(d), st.sampled_from(_targets(d)), st.booleans())
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tree(tmp_path_factory.mktemp("cache-cwd") / "proj")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=st.lists(run_step, min_size=2, max_size=6))
@example(steps=[("", ".", True), ("seeds", ".", True)])  # failed before the fix (defect 1)
@example(steps=[("seeds/b", ".", True), ("", ".", True)])  # old paths from the cache (defect 2)
def test_any_sequence_of_runs_gives_the_no_cache_findings(tree: Path, steps: list[tuple[str, str, bool]]) -> None:
    shutil.rmtree(tree / ".cache", ignore_errors=True)
    for directory, target, cache in steps:
        key = (directory, target)
        if key not in _NO_CACHE:
            _NO_CACHE[key] = _run_in(tree, directory, target, cache=False)
        assert _run_in(tree, directory, target, cache) == _NO_CACHE[key], (steps, directory, target)
