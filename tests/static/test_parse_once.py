"""One libcst parse per file per run: the summary's tree is reused by the check, nothing parses twice."""

from __future__ import annotations

import io
from pathlib import Path

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
