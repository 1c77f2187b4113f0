"""Every example of the SC2xx/SC3xx catalogue entries runs through the XLA analysis directly."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from shapecheck.resources import rules_dir
from shapecheck.static.xla.standalone import analyse_sources

CATALOGUE = rules_dir() / "catalogue"
ENTRIES = sorted([*CATALOGUE.glob("SC2*.toml"), *CATALOGUE.glob("SC3*.toml")])
EXPECT = re.compile(r"#\s*expect:\s*(SC\d{3}(?:\s*,\s*SC\d{3})*)")
REQUIRED = {"id", "name", "family", "severity", "summary", "why", "examples"}


def _examples() -> list[tuple[str, int, str, str]]:
    out = []
    for path in ENTRIES:
        entry = tomllib.loads(path.read_text(encoding="utf-8"))
        for i, example in enumerate(entry["examples"]):
            out.append((entry["id"], i, example["kind"], example["code"]))
    return out


def _expected(code: str) -> set[tuple[int, str]]:
    found = set()
    for lineno, line in enumerate(code.splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            found.update((lineno, c.strip()) for c in m.group(1).split(","))
    return found


def test_every_xla_and_config_rule_has_an_entry() -> None:
    ids = {p.stem for p in ENTRIES}
    assert ids == {"SC201", "SC202", "SC203", "SC204", "SC205", "SC301", "SC302", "SC303"}


@pytest.mark.parametrize("path", ENTRIES, ids=lambda p: p.stem)
def test_entry_format(path: Path) -> None:
    entry = tomllib.loads(path.read_text(encoding="utf-8"))
    assert REQUIRED <= set(entry), f"{path.name} misses {REQUIRED - set(entry)}"
    assert entry["id"] == path.stem
    assert entry["family"] == ("xla" if path.stem.startswith("SC2") else "config")
    assert entry["severity"] in ("error", "warning")
    kinds = {e["kind"] for e in entry["examples"]}
    assert kinds == {"bad", "good"}
    for example in entry["examples"]:
        if example["kind"] == "bad":
            assert _expected(example["code"]), "a bad example must mark the line it expects flagged"
        else:
            assert not _expected(example["code"])


@pytest.mark.parametrize(("rule", "index", "kind", "code"), _examples(),
                         ids=[f"{r}-{i}-{k}" for r, i, k, _ in _examples()])
def test_example(rule: str, index: int, kind: str, code: str) -> None:
    analysis = analyse_sources({"example.py": code})
    assert not analysis.errors
    got = {(f.line, f.code) for f in analysis.findings}
    assert got == _expected(code), "\n".join(f"{f.line}:{f.col} {f.code} {f.message}" for f in analysis.findings)
    if kind == "bad":
        assert any(c == rule for _, c in got)
    assert all(f.severity in ("error", "warning") for f in analysis.findings)
