"""Ruff parity: --fix for unused suppressions (SC901), --add-noqa, `shapecheck clean`, --force-exclude."""

from __future__ import annotations

from pathlib import Path

from shapecheck.cli import suppressions

from .helpers import HARDWIRED_JIT, make_project, run_cli

SOURCE = '''\
import tensorflow as tf

x = 1  # shapecheck: ignore[SC101]
y = 2  # shapecheck: ignore[SC303]  # keep this note


@tf.function(jit_compile=True)  # shapecheck: ignore[SC303,SC101]
def step(x):
    return x * 2.0


# shapecheck: ignore[SC2]
z = 3


@tf.function(jit_compile=True)
def other(x):
    return """a
b"""
'''


def test_fix_removes_or_narrows_unused_suppressions(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": SOURCE})
    r = run_cli(["check", "--concise", "--fix"], root)
    assert r.returncode == 1 and "Fixed 4 unused suppressions" in r.stderr, r.output
    assert "SC901" not in r.stdout and "a.py:16:26: SC303" in r.stdout
    fixed = (root / "a.py").read_text()
    assert "x = 1\n" in fixed and "y = 2  # keep this note\n" in fixed
    assert "@tf.function(jit_compile=True)  # shapecheck: ignore[SC303]\ndef step" in fixed
    assert "# shapecheck: ignore[SC2]" not in fixed
    again = run_cli(["check", "--concise"], root)
    assert "SC901" not in again.stdout and again.stdout.count(" SC") == 1


def test_add_noqa_then_the_check_is_clean(tmp_path: Path) -> None:
    jit_in_string_statement = 'import tensorflow as tf\n\n\nf = tf.function(lambda x: x, jit_compile=True) if """\n""" else None\n'
    root = make_project(tmp_path / "p", {"a.py": HARDWIRED_JIT, "b.py": jit_in_string_statement})
    before = run_cli(["check", "--concise"], root)
    assert before.returncode == 1
    r = run_cli(["check", "--add-noqa"], root)
    assert r.returncode == 0 and "Added" in r.stderr, r.output
    assert "@tf.function(jit_compile=True)  # shapecheck: ignore[SC303]" in (root / "a.py").read_text()
    after = run_cli(["check", "--concise"], root)
    assert after.returncode == 0, after.output + (root / "b.py").read_text()


def test_with_suppressions_merges_into_an_existing_directive() -> None:
    text = "x = f(y)  # shapecheck: ignore[SC101]\n"
    new, n = suppressions.with_suppressions(text, {1: {"SC303"}})
    assert n == 1 and new == "x = f(y)  # shapecheck: ignore[SC101,SC303]\n"


def test_clean_removes_only_shapechecks_caches(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": HARDWIRED_JIT, "sub/pyproject.toml": "[tool.shapecheck]\n", "sub/b.py": "x = 1\n"})
    run_cli(["check"], root)
    run_cli(["check", "."], root / "sub")
    foreign = root / "other" / ".shapecheck_cache"
    foreign.mkdir(parents=True)
    (foreign / "keep.txt").write_text("not ours")
    assert (root / ".shapecheck_cache").is_dir() and (root / "sub" / ".shapecheck_cache").is_dir()
    r = run_cli(["clean"], root)
    assert r.returncode == 0, r.output
    assert not (root / ".shapecheck_cache").exists() and not (root / "sub" / ".shapecheck_cache").exists()
    assert (foreign / "keep.txt").exists()


def test_force_exclude_is_the_default_and_can_be_turned_off(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"gen/g.py": HARDWIRED_JIT}, 'extend-exclude = ["gen"]\n')
    assert run_cli(["check", "gen/g.py"], root).returncode == 0
    assert run_cli(["check", "--force-exclude", "gen/g.py"], root).returncode == 0
    r = run_cli(["check", "--no-force-exclude", "--concise", "gen/g.py"], root)
    assert r.returncode == 1 and "gen/g.py:4:26: SC303" in r.stdout
