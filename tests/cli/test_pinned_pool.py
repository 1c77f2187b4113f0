"""With --jobs > 1 each file is checked by the worker that parsed it: one libcst parse per file,
the same findings as in-process, and a worker that dies costs only its file."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from shapecheck.cli.main import run

from .helpers import BAD_CONTRACT, CLEAN, HARDWIRED_JIT, make_project

LIB = '''\
import tensorflow as tf
from shapecheck import Float32


def flat(x: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B*C H W 1"]:
    return tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [-1, tf.shape(x)[1], tf.shape(x)[2], 1])
'''
APP = '''\
import tensorflow as tf
from lib import flat


@tf.function(jit_compile=True)
def step(x):
    y = flat(tf.zeros([2, 4, 4, 3]))
    return tf.reshape(y, [5]), tf.where(x > 0)
'''


def _files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"lib.py": LIB, "app.py": APP}
    for i in range(8):
        files[f"m{i}.py"] = (HARDWIRED_JIT, BAD_CONTRACT, CLEAN)[i % 3]
    return files


def _check(root: Path, jobs: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", "--no-cache", "--jobs", jobs, "--concise", "-v"], out, err)
    return code, out.getvalue(), err.getvalue()


def _parses(err: str) -> int:
    match = re.search(r"parses_libcst (\d+)", err)
    assert match is not None, err
    return int(match.group(1))


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_every_file_is_parsed_once_in_process_and_in_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    files = _files()
    root = make_project(tmp_path / "p", files)
    code, out, err = _check(root, jobs, monkeypatch)
    assert code == 1, err
    assert f"jobs {jobs};" in err
    assert _parses(err) == len(files)
    assert "app.py:8:12: SC104" in out  # the check that needs the project (lib's contract) ran
    assert out.count(": SC303") == 4  # app.py + three HARDWIRED_JIT copies


def test_parallel_findings_equal_in_process_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "p", _files())
    serial = _check(root, "1", monkeypatch)
    parallel = _check(root, "2", monkeypatch)
    assert serial[:2] == parallel[:2]


@pytest.mark.parametrize("stage", ["summarise_module", "check_module"])
def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    from shapecheck.static import api

    root = make_project(tmp_path / "p", {**_files(), "crash.py": CLEAN})
    real = getattr(api, stage)

    def dies(path, source, *rest):  # type: ignore[no-untyped-def]
        if str(path).endswith("crash.py"):
            os._exit(70)  # a native crash: the worker process is gone
        return real(path, source, *rest)

    monkeypatch.setattr(api, stage, dies)
    code, out, err = _check(root, "2", monkeypatch)
    assert code == 1, err
    assert "crash.py:1:1: SC003 the parser crashed on this file" in out
    assert "app.py:8:12: SC104" in out and out.count(": SC303") == 4
