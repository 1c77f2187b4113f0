"""One libcst parse per file per run: the summary's tree is reused by the check, nothing parses twice."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from shapecheck.static import api

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
PLAIN = "def add(a, b):\n    return a + b\n"


def test_summary_and_check_share_one_parse(tmp_path: Path) -> None:
    sources = {"lib.py": LIB, "app.py": APP, "plain.py": PLAIN}
    packs = api.load_packs()
    before = api.parse_counts().get("libcst", 0)
    summaries = []
    for name, text in sources.items():
        (tmp_path / name).write_text(text)
        summaries.append(api.summarise_module(tmp_path / name, text, packs))
    project = api.build_project(summaries, packs)
    findings = [f for name, text in sources.items() for f in api.check_module(tmp_path / name, text, project, packs)]
    assert {f.code for f in findings} >= {"SC104", "SC202", "SC303"}  # both halves ran on app.py
    assert api.parse_counts()["libcst"] - before == len(sources)


def test_a_cold_cli_run_parses_each_file_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shapecheck.cli.main import run

    for name, text in {"lib.py": LIB, "app.py": APP, "plain.py": PLAIN}.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text("[tool.shapecheck]\n")
    monkeypatch.chdir(tmp_path)
    before = api.parse_counts().get("libcst", 0)
    out, err = io.StringIO(), io.StringIO()
    assert run(["check", "--no-cache", "--jobs", "1", "--output-format", "json", "."], out, err) == 1, err.getvalue()
    assert api.parse_counts()["libcst"] - before == 3


def _project(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    files = {"lib.py": LIB, "app.py": APP, "plain.py": PLAIN}
    files.update({f"m{i}.py": (APP if i % 2 else PLAIN) for i in range(6)})
    files.update(extra or {})
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text)
    (root / "pyproject.toml").write_text("[tool.shapecheck]\n")
    return files


def _check(root: Path, jobs: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    from shapecheck.cli.main import run

    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", "--no-cache", "--jobs", jobs, "--concise", "-v", "."], out, err)
    return code, out.getvalue(), err.getvalue()


def _parses(err: str) -> int:
    match = re.search(r"parses_libcst (\d+)", err)
    assert match is not None, err
    return int(match.group(1))


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_every_file_is_parsed_once_in_process_and_in_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    """With --jobs > 1 each file is checked by the worker that parsed it (cli/pool.py)."""
    files = _project(tmp_path / "p")
    code, out, err = _check(tmp_path / "p", jobs, monkeypatch)
    assert code == 1, err
    assert f"jobs {jobs};" in err
    assert _parses(err) == len(files)
    assert out.count(": SC104") == 4  # app.py and three copies: the check that needs lib's contract ran
    assert out.count(": SC303") == 4


def test_parallel_findings_equal_in_process_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path / "p")
    serial = _check(tmp_path / "p", "1", monkeypatch)
    parallel = _check(tmp_path / "p", "2", monkeypatch)
    assert serial[:2] == parallel[:2]


@pytest.mark.parametrize("stage", ["summarise_module", "check_module"])
def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    _project(tmp_path / "p", {"crash.py": PLAIN})
    real = getattr(api, stage)

    def dies(path, source, *rest):  # type: ignore[no-untyped-def]
        if str(path).endswith("crash.py"):
            os._exit(70)  # a native crash: the worker process is gone
        return real(path, source, *rest)

    monkeypatch.setattr(api, stage, dies)
    code, out, err = _check(tmp_path / "p", "2", monkeypatch)
    assert code == 1, err
    assert "crash.py:1:1: SC003 the parser crashed on this file" in out
    assert out.count(": SC104") == 4 and out.count(": SC303") == 4


def test_workers_started_without_fork_get_the_project_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start methods that do not inherit the parent's state (spawn: macOS, Windows)."""
    import multiprocessing

    from shapecheck.cli import engine

    files = _project(tmp_path / "p")
    monkeypatch.setattr(engine, "_fork_context", lambda: multiprocessing.get_context("spawn"))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    code, out, err = _check(tmp_path / "p", "2", monkeypatch)
    assert code == 1, err
    assert out.count(": SC104") == 4 and out.count(": SC303") == 4
    assert _parses(err) == len(files)
