"""Issue 11, defect 3: each file gets the nearest configuration above it, and runs never walk
outside the paths and their projects (nor into /proc or /sys)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from .helpers import HARDWIRED_JIT, assert_no_traceback, make_project, run_cli


def _stdlib_file() -> Path:
    """A small file in another top-level directory than the test's temporary one."""
    spec = importlib.util.find_spec("this")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin)


def test_a_file_in_another_top_level_directory_keeps_each_files_config(tmp_path: Path) -> None:
    other = _stdlib_file()
    if Path(os.path.commonpath([other, tmp_path])) != Path("/"):
        pytest.skip("the standard library shares a top-level directory with the temporary directory")
    root = make_project(tmp_path / "proj", {"src/y.py": HARDWIRED_JIT}, 'ignore = ["SC303"]\n')
    r = run_cli(["check", "--concise", "src/y.py", str(other)], root, timeout=120)
    assert_no_traceback(r)
    assert r.returncode == 0, r.output  # SC303 ignored by proj's config; the stdlib file is clean
    assert "2 files checked" in r.stdout


def test_two_projects_in_one_run_each_get_their_own_config(tmp_path: Path) -> None:
    make_project(tmp_path / "p1", {"a.py": HARDWIRED_JIT}, 'ignore = ["SC303"]\n')
    make_project(tmp_path / "p2", {"b.py": HARDWIRED_JIT}, 'per-file-ignores = { "c.py" = ["SC303"] }\n')
    (tmp_path / "p2" / "c.py").write_text(HARDWIRED_JIT)
    r = run_cli(["check", "--concise", "p1", "p2"], tmp_path)
    assert r.returncode == 1, r.output
    assert [line.split(" ")[0] for line in r.stdout.splitlines() if " SC" in line] == ["p2/b.py:4:26:"]
    shown = run_cli(["check", "--show-settings", "p1", "p2"], tmp_path)
    assert shown.stdout.count("config file:") == 2
    assert str((tmp_path / "p1" / "pyproject.toml").resolve()) in shown.stdout
    assert str((tmp_path / "p2" / "pyproject.toml").resolve()) in shown.stdout


def test_nested_config_wins_for_the_files_below_it(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"a.py": HARDWIRED_JIT, "sub/b.py": HARDWIRED_JIT}, 'ignore = ["SC303"]\n')
    make_project(root / "sub", {}, 'select = ["SC3"]\n')
    r = run_cli(["check", "--concise"], root)
    assert [line.split(" ")[0] for line in r.stdout.splitlines() if " SC" in line] == ["sub/b.py:4:26:"], r.output
    from_sub = run_cli(["check", "--concise", "../a.py", "b.py"], root / "sub")
    assert [line.split(" ")[0] for line in from_sub.stdout.splitlines() if " SC" in line] == ["b.py:4:26:"], from_sub.output


def test_config_key_value_overrides(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"a.py": HARDWIRED_JIT}, 'ignore = ["SC303"]\n')
    assert run_cli(["check", "--concise"], root).returncode == 0
    r = run_cli(["check", "--concise", "--config", "ignore = []"], root)
    assert r.returncode == 1 and "a.py:4:26: SC303" in r.stdout, r.output
    bad = run_cli(["check", "--config", "ignor = []"], root)
    assert bad.returncode == 2 and "--config 'ignor = []': unknown key 'ignor'" in bad.stderr, bad.output


def test_absolute_stdin_filename_outside_any_project(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"a.py": "x = 1\n"})
    r = run_cli(["check", "--concise", "--stdin-filename", "/shapecheck-stdin-test.py"], root,
                stdin=HARDWIRED_JIT, timeout=120)
    assert_no_traceback(r)
    assert r.returncode == 1 and "/shapecheck-stdin-test.py:4:26: SC303" in r.stdout, r.output


def test_absolute_stdin_filename_inside_the_project_uses_its_config(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"a.py": "x = 1\n"}, 'ignore = ["SC303"]\n')
    r = run_cli(["check", "--concise", "--stdin-filename", str(root / "new.py")], tmp_path, stdin=HARDWIRED_JIT)
    assert r.returncode == 0, r.output


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_symlink_into_proc_is_not_walked(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"a.py": HARDWIRED_JIT})
    os.symlink("/proc/self", root / "kernel")
    os.symlink("/sys", root / "sysfs")
    r = run_cli(["check", "--concise"], root, timeout=120)
    assert_no_traceback(r)
    assert r.returncode == 1 and "1 file checked" in r.stdout, r.output
    named = run_cli(["check", "--concise", "/proc/self"], root, timeout=120)
    assert named.returncode == 1 and "/proc/self:1:1: SC002" in named.stdout and "not walked" in named.stdout, named.output
