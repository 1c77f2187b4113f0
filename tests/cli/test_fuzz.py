"""Fuzzing the in-process entry point with generated and mutated Python files.

Invariants, for every generated tree: ``run`` returns (never raises), prints no traceback,
exits 0 or 1 (2 only with a per-file analyser failure named on stderr), and every file
that CPython cannot compile or decode is reported with SC001/SC002/SC003.
"""

from __future__ import annotations

import ast
import io
import json
import os
import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shapecheck.cli.main import run

from .helpers import BAD_CONTRACT, HARDWIRED_JIT, REPO

TOKENS = [
    "def", "class", "return", "if", "else", "elif", "for", "while", "in", "lambda", "yield", "with", "as",
    "import", "from", "tf", "x", "self", "@tf.function(jit_compile=True)", "Shape('B N')", "Annotated",
    "(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "+", "*", "//", "%", "->", "**", "0", "1", "2.5",
    "'s'", '"""', "#", "# shapecheck: ignore[SC1]", "# shapecheck: ignore-file[SC2]", "\\", "\n", "\n    ", "\t",
    " ", "async", "await", "match", "case", "_", "None", "tf.reshape(x, (B, -1))", "é", "\x00", "\r",
]


def _real_sources() -> list[str]:
    paths = sorted((REPO / "examples").rglob("*.py"))[:6] + sorted((REPO / "shapecheck" / "contract").glob("*.py"))[:3]
    out = [p.read_text(encoding="utf-8") for p in paths if p.stat().st_size < 40_000]
    return out + [BAD_CONTRACT, HARDWIRED_JIT]


REAL = _real_sources()

token_soup = st.lists(st.sampled_from(TOKENS), max_size=80).map(lambda ts: " ".join(ts).encode("utf-8"))
random_bytes = st.binary(max_size=400)


@st.composite
def truncated_or_mutated(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(REAL)).encode("utf-8")
    cut = draw(st.integers(0, len(text)))
    data = bytearray(text[:cut] if draw(st.booleans()) else text)
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "delete", "insert", "dup"]))
        if action == "flip":
            data[i] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[i]
        elif action == "insert":
            data[i:i] = draw(st.sampled_from(TOKENS)).encode("utf-8")
        else:
            data[i:i] = data[max(0, i - 20) : i]
    return bytes(data)


files_strategy = st.lists(st.one_of(token_soup, random_bytes, truncated_or_mutated()), min_size=1, max_size=3)


def _compilable(data: bytes) -> bool:
    """Whether CPython accepts the file as it reads files: from bytes (a UTF-8 BOM is allowed)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return b"\x00" not in data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=files_strategy)
@example(files=[b"\xef\xbb\xbf"])  # a BOM alone is an empty module for CPython (found by random exploration)
def test_fuzzed_files_are_analysed_or_reported(files: list[bytes]) -> None:
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("[tool.shapecheck]\n")
        names = []
        for i, data in enumerate(files):
            name = f"f{i}.py"
            (root / name).write_bytes(data)
            names.append(name)
        out, err = io.StringIO(), io.StringIO()
        os.chdir(root)
        try:
            code = run(["check", "--no-cache", "--jobs", "1", "--output-format", "json", "-v"], out, err)
        finally:
            os.chdir(cwd)
    stderr = err.getvalue()
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    findings = json.loads(out.getvalue())
    assert f"files {len(files)}," in stderr
    failed = {line.split(":")[0].removeprefix("error: ") for line in stderr.splitlines() if "the analyser failed" in line}
    assert code in (0, 1) or (code == 2 and failed), stderr
    reported = {(f["path"], f["code"]) for f in findings}
    for name, data in zip(names, files):
        if not _compilable(data):
            assert any(p == name and c in ("SC001", "SC002", "SC003") for p, c in reported), (name, data[:200], findings)
    for f in findings:
        assert f["path"] in names and f["line"] >= 1 and f["col"] >= 1
