"""``--version``, ``rule``, ``rules``, ``explain``, ``xla-map``, ``env``, and the meta rules' catalogue examples."""

from __future__ import annotations

import io
import json
import re
import tomllib
from pathlib import Path

import pytest

from shapecheck.cli.main import run
from shapecheck.resources import rules_dir

from .helpers import CLEAN, HARDWIRED_JIT, assert_no_traceback, make_project, run_cli

CONTRACTED = '''\
from typing import Annotated

import tensorflow as tf

from shapecheck import Shape


def double(x: Annotated[tf.Tensor, Shape("B N")]) -> Annotated[tf.Tensor, Shape("B N")]:
    y = x * 2.0
    return y


def first(x: Annotated[tf.Tensor, Shape("B N")]):
    z = x[0]
    return z
'''


def test_version_is_light(tmp_path: Path) -> None:
    r = run_cli(["--version"], tmp_path)
    assert r.returncode == 0 and re.fullmatch(r"shapecheck \d+\.\d+\.\d+\n", r.stdout)
    probe = run_cli(["-c"], tmp_path)  # argparse error path: still no traceback
    assert probe.returncode == 2
    import subprocess
    import sys

    from .helpers import REPO

    code = ("import sys, io; from shapecheck.cli.main import run; run(['--version'], io.StringIO(), io.StringIO()); "
            "heavy = sorted(m for m in ('libcst', 'tensorflow', 'numpy', 'jaxtyping', 'beartype') if m in sys.modules); "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "[]"


def test_help_and_unknown_command(tmp_path: Path) -> None:
    r = run_cli([], tmp_path)
    assert r.returncode == 0 and "check" in r.stdout and "xla-map" in r.stdout
    r = run_cli(["lint"], tmp_path)
    assert r.returncode == 2 and "invalid choice: 'lint'" in r.stderr


def test_rules_and_rule(tmp_path: Path) -> None:
    r = run_cli(["rules"], tmp_path)
    assert r.returncode == 0
    ids = [line.split()[0] for line in r.stdout.splitlines()]
    assert {"SC001", "SC002", "SC003", "SC901"} <= set(ids) and ids == sorted(ids)
    r = run_cli(["rule", "sc901"], tmp_path)
    assert r.returncode == 0
    assert r.stdout.startswith("SC901 unused-suppression (meta, warning)")
    assert "Why" in r.stdout and "Flagged (bad)" in r.stdout and "Clean (good)" in r.stdout
    assert "    def double(x):" in r.stdout
    data = json.loads(run_cli(["rule", "SC001", "--output-format", "json"], tmp_path).stdout)
    assert data["id"] == "SC001" and data["severity"] == "error" and {e["kind"] for e in data["examples"]} == {"bad", "good"}
    listed = json.loads(run_cli(["rules", "--output-format", "json"], tmp_path).stdout)
    assert [d["id"] for d in listed] == sorted(ids)
    r = run_cli(["rule", "SC999"], tmp_path)
    assert r.returncode == 2 and "unknown rule 'SC999'" in r.stderr
    assert_no_traceback(r)


def test_explain_file_and_function(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"m.py": CONTRACTED, "other.py": CLEAN})
    whole = run_cli(["explain", "m.py"], root)
    assert whole.returncode == 0, whole.output
    assert "def double" in whole.stdout and "def first" in whole.stdout
    one = run_cli(["explain", "m.py:first"], root)
    assert one.returncode == 0, one.output
    assert "def first" in one.stdout and "def double" not in one.stdout
    missing = run_cli(["explain", "m.py:nope"], root)
    assert missing.returncode == 2 and "nope" in missing.stderr
    assert_no_traceback(missing)
    r = run_cli(["explain", "absent.py"], root)
    assert r.returncode == 2 and "absent.py: no such file" in r.stderr
    (root / "broken.py").write_text("def f(:\n")
    r = run_cli(["explain", "broken.py"], root)
    assert r.returncode == 1 and "broken.py:1:" in r.stderr and "SC001" in r.stderr


def test_xla_map_text_and_json(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"jit.py": HARDWIRED_JIT, "clean.py": CLEAN})
    text = run_cli(["xla-map", "."], root)
    assert text.returncode == 0, text.output
    assert "jit.py:4:1:" in text.stdout and "compiled by XLA" in text.stdout
    assert "1 region (1 compiled by XLA) in 2 files." in text.stdout
    data = json.loads(run_cli(["xla-map", ".", "--output-format", "json"], root).stdout)
    assert len(data) == 1 and data[0]["compiled"] is True and data[0]["root"]["path"].endswith("jit.py")
    empty = run_cli(["xla-map", "clean.py"], root)
    assert "No compiled or traced regions in 1 file." in empty.stdout
    r = run_cli(["xla-map", "nowhere"], root)
    assert r.returncode == 2 and "nowhere: no such file or directory" in r.stderr


def test_env_exports_runtime_mode(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"m.py": CLEAN}, 'runtime-mode = "strict"\n')
    r = run_cli(["env"], root)
    assert r.returncode == 0 and r.stdout == "export SHAPECHECK_MODE=strict\n"
    r = run_cli(["env"], root, env={"SHAPECHECK_MODE": "off"})  # an explicit mode wins (issue 11, 6)
    assert r.stdout == "export SHAPECHECK_MODE=off\n" and "SHAPECHECK_MODE=off is set" in r.stderr
    bare = make_project(tmp_path / "q", {"m.py": CLEAN})
    r = run_cli(["env"], bare)
    assert r.returncode == 0 and r.stdout == "" and "no runtime-mode" in r.stderr


META_RULES = ["SC001", "SC002", "SC003", "SC901"]
EXPECT = re.compile(r"#\s*expect:\s*(SC\d{3})")


def _examples() -> list[tuple[str, int, str, str]]:
    out = []
    for code in META_RULES:
        entry = tomllib.loads((rules_dir() / "catalogue" / f"{code}.toml").read_text(encoding="utf-8"))
        assert entry["id"] == code and entry["family"] == "meta" and entry["severity"] in ("error", "warning")
        for i, ex in enumerate(entry["examples"]):
            out.append((code, i, ex["kind"], ex["code"]))
    return out


@pytest.mark.parametrize(("rule", "index", "kind", "code"), _examples(), ids=[f"{r}-{i}-{k}" for r, i, k, _ in _examples()])
def test_meta_rule_catalogue_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule: str, index: int, kind: str, code: str) -> None:
    root = make_project(tmp_path / "p", {"example.py": code})
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    exit_code = run(["check", "--no-cache", "--output-format", "json", "example.py"], out, err)
    got = {(d["line"], d["code"]) for d in json.loads(out.getvalue())}
    expected = {(n, m.group(1)) for n, line in enumerate(code.splitlines(), 1) if (m := EXPECT.search(line))}
    assert got == expected, err.getvalue()
    assert exit_code == (1 if kind == "bad" else 0)
    if kind == "bad":
        assert (expected and all(c == rule for _, c in expected))


def test_explain_uses_contracts_from_imported_files(tmp_path: Path) -> None:
    from .test_cli_check import APP, LIB

    root = make_project(tmp_path / "p", {"lib.py": LIB, "app.py": APP})
    r = run_cli(["explain", "app.py:reassemble"], root)
    assert r.returncode == 0, r.output
    assert "flat = channel_to_flat(patches)" in r.stdout and "(B*C, H, W, 1)" in r.stdout
