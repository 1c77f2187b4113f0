"""Bad input through the command line: each file reported on its own, the run goes on."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from shapecheck.cli.main import run

from .helpers import BAD_CONTRACT, CLEAN, HARDWIRED_JIT, assert_no_traceback, make_project, run_cli

BAD_FILES: dict[str, str | bytes] = {
    "good/jit.py": HARDWIRED_JIT,
    "good/clean.py": CLEAN,
    "bad/syntax.py": "def f(x:\n    return x\n",
    "bad/latin1.py": b"name = 'caf\xe9'\n",
    "bad/binary.py": b"\x00\x01\x02ELF\x00",
    "bad/huge_expr.py": "x = " + "+".join(["1"] * 500_000) + "\n",  # a 1 MB expression
    "bad/huge_list.py": "DATA = [" + ",".join(["0.5"] * 200_000) + "]\n",
    "bad/deep_parens.py": "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
    "bad/deep_blocks.py": "".join(" " * i + "if x:\n" for i in range(150)) + " " * 150 + "pass\n",
    "bad/deep_chain.py": "y = 1\nz = " + " + ".join(["y"] * 2000) + "\n",
    "bad/tabs.py": "if x:\n\tif y:\n        pass\n\tpass\n",
}

EXPECTED = {  # path -> (code, line, text in the message)
    "bad/syntax.py": ("SC001", 1, "syntax error"),
    "bad/latin1.py": ("SC002", 1, "not valid UTF-8"),
    "bad/binary.py": ("SC002", 1, "NUL byte"),
    "bad/huge_expr.py": ("SC003", 1, ""),
    "bad/huge_list.py": ("SC003", 1, "too large"),
    "bad/deep_parens.py": ("SC001", 1, "too many nested parentheses"),
    "bad/deep_blocks.py": ("SC001", 101, "too many levels of indentation"),
    "bad/deep_chain.py": ("SC003", 2, "nests more than 300 levels"),
    "bad/tabs.py": ("SC001", 3, "indent"),
    "bad/dangling.py": ("SC002", 1, "broken symlink"),
    "bad/loop": ("SC002", 1, "symlink loop"),
    "bad/mem.py": ("SC002", 1, "cannot read"),
    "missing.py": ("SC002", 1, "no such file or directory"),
}


@pytest.fixture(scope="module")
def bad_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("bad") / "p", BAD_FILES)
    os.symlink("nowhere.py", root / "bad" / "dangling.py")
    os.symlink("..", root / "bad" / "loop")
    os.symlink("/proc/self/mem", root / "bad" / "mem.py")  # opens, but every read fails (EIO)
    return root


def test_every_bad_file_reported_and_the_rest_checked(bad_tree: Path) -> None:
    r = run_cli(["check", "--concise", "--no-cache", ".", "missing.py"], bad_tree, timeout=600)
    assert_no_traceback(r)
    assert "RecursionError" not in r.output and "Segmentation" not in r.output
    assert r.returncode == 1, r.output  # input errors are findings, not a tool failure
    lines = [l for l in r.stdout.splitlines() if ": SC" in l]
    by_path = {l.split(":")[0]: l for l in lines}
    for path, (code, line, text) in EXPECTED.items():
        assert path in by_path, f"{path} not reported:\n{r.stdout}"
        assert f"{path}:{line}:" in by_path[path] and f" {code} " in by_path[path], by_path[path]
        assert text in by_path[path], by_path[path]
    assert "good/jit.py:4:26: SC303" in r.stdout  # the good files were still analysed
    assert "good/clean.py" not in by_path


def test_text_output_for_input_errors_names_file_line_and_problem(bad_tree: Path) -> None:
    r = run_cli(["check", "--no-cache", "bad/syntax.py", "bad/latin1.py"], bad_tree)
    assert r.returncode == 1
    assert "bad/latin1.py:1:12: SC002 not valid UTF-8: byte(s) e9 at line 1, column 12" in r.stdout
    assert "bad/syntax.py:1:" in r.stdout and "SC001 syntax error" in r.stdout


def test_ignore_file_silences_an_input_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"gen.py": "# shapecheck: ignore-file[SC001]\ndef f(:\n"})
    assert run_cli(["check", "--no-cache"], root).returncode == 0


def test_fifo_is_not_read(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"m.py": CLEAN})
    os.mkfifo(root / "pipe.py")
    r = run_cli(["check", "--no-cache", "pipe.py", "m.py"], root, timeout=60)
    assert r.returncode == 1 and "pipe.py:1:1: SC002 not a regular file" in r.stdout


def test_analyser_crash_is_exit_2_and_other_files_still_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shapecheck.static import api

    root = make_project(tmp_path / "p", {"a.py": HARDWIRED_JIT, "boom.py": CLEAN, "c.py": BAD_CONTRACT})
    real = api.check_module

    def flaky(path, source, project, packs):  # type: ignore[no-untyped-def]
        if str(path).endswith("boom.py"):
            raise KeyError("simulated analyser bug")
        return real(path, source, project, packs)

    monkeypatch.setattr(api, "check_module", flaky)
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", "--no-cache", "--jobs", "1", "--concise"], out, err)
    assert code == 2
    assert "a.py:4:26: SC303" in out.getvalue() and "c.py:8:41: SC004" in out.getvalue()
    assert "boom.py: the analyser failed while checking: KeyError: 'simulated analyser bug'" in err.getvalue()
    assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize("jobs", ["1", "2"])  # in-process, and forked pool workers
def test_slow_file_times_out_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    import time

    from shapecheck.static import api

    others = {f"m{i}.py": CLEAN for i in range(5)}
    root = make_project(tmp_path / "p", {"a.py": HARDWIRED_JIT, "slow.py": CLEAN, **others})
    real = api.check_module

    def slow(path, source, project, packs):  # type: ignore[no-untyped-def]
        if str(path).endswith("slow.py"):
            while True:  # an analyser that never finishes on this file
                time.sleep(0.05)
        return real(path, source, project, packs)

    monkeypatch.setattr(api, "check_module", slow)
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", "--no-cache", "--jobs", jobs, "--concise", "--timeout", "1", "-v"], out, err)
    assert code == 1, err.getvalue()
    assert "a.py:4:26: SC303" in out.getvalue()
    assert "slow.py:1:1: SC003 checking took longer than 1 s (--timeout)" in out.getvalue()
    assert f"jobs {jobs};" in err.getvalue()
    err2 = io.StringIO()
    assert run(["check", "--timeout", "-1"], io.StringIO(), err2) == 2 and "--timeout must be" in err2.getvalue()
