"""Every example of every catalogue entry runs through ``check_module`` (the analyser's API).

Bad examples: each ``# expect: CODE`` line is flagged with that code, and no other line is
flagged with the entry's code. Good examples: no finding of the entry's code. Entries for
codes the command line produces itself (file-level errors, suppressions) are checked by the
CLI's tests; here SC001 is still checked as the ``AnalysisError`` the CLI turns into it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from shapecheck.findings import Finding
from shapecheck.resources import rules_dir
from shapecheck.static.api import AnalysisError, KnowledgePacks, build_project, check_module, summarise_module

CATALOGUE = rules_dir() / "catalogue"
ENTRIES = sorted(CATALOGUE.glob("SC*.toml"))
EXPECT = re.compile(r"#\s*expect:\s*(SC\d{3}(?:\s*,\s*SC\d{3})*)\s*$")
ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"
# produced by the command line, not by check_module (the rule table marks them "(CLI)")
CLI_ONLY = {"SC002", "SC003", "SC901"}


def _examples() -> list[tuple[str, int, str, str]]:
    out = []
    for path in ENTRIES:
        entry = tomllib.loads(path.read_text(encoding="utf-8"))
        for i, example in enumerate(entry["examples"]):
            out.append((entry["id"], i, example["kind"], example["code"]))
    return out


EXAMPLES = _examples()


def _expected(code: str) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for lineno, line in enumerate(code.splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            found.update((lineno, c.strip()) for c in m.group(1).split(","))
    return found


def _run(rule: str, index: int, code: str, packs: KnowledgePacks, tmp_path: Path) -> list[Finding]:
    path = tmp_path / f"{rule.lower()}_example_{index}.py"
    path.write_text(code, encoding="utf-8")
    try:
        summary = summarise_module(path, code, packs)
        project = build_project([summary], packs)
        return check_module(path, code, project, packs)
    except AnalysisError as exc:
        return [Finding(str(path), exc.line, exc.col, "SC001", exc.message)]


def test_catalogue_is_not_empty() -> None:
    assert len(ENTRIES) >= 15
    assert any(rule.startswith("SC1") for rule, *_ in EXAMPLES)


@pytest.mark.parametrize(("rule", "index", "kind", "code"), EXAMPLES, ids=[f"{r}-{i}-{k}" for r, i, k, _ in EXAMPLES])
def test_example(rule: str, index: int, kind: str, code: str, packs: KnowledgePacks, tmp_path: Path) -> None:
    if rule in CLI_ONLY:
        pytest.skip(f"{rule} is produced by the command line (tests/cli), not by check_module")
    findings = _run(rule, index, code, packs, tmp_path)
    got = {(f.line, f.code) for f in findings}
    expected = _expected(code)
    if kind == "bad":
        assert expected, "a bad example must mark the lines it expects flagged"
        missing = expected - got
        assert not missing, f"{rule} example {index}: not flagged {sorted(missing)}; got {sorted(got)}"
        stray = {g for g in got if g[1] == rule and g not in expected}
        assert not stray, f"{rule} example {index}: unexpected {sorted(stray)}"
    else:
        assert not expected, "a good example marks nothing"
        own = [f for f in findings if f.code == rule]
        assert not own, f"{rule} good example {index} flagged: " + "; ".join(f"{f.line}: {f.message}" for f in own)


def _architecture_codes() -> dict[str, str]:
    """Rule code → meaning, from the rule table of docs/ARCHITECTURE.md."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in re.finditer(r"^\|\s*(SC\d{3})\s*\|\s*(.+?)\s*\|\s*$", text, re.M)}


def test_every_analyser_rule_in_the_architecture_has_an_entry() -> None:
    table = _architecture_codes()
    assert {"SC004", "SC101", "SC106", "SC201", "SC303"} <= set(table)
    analyser_codes = {code for code, meaning in table.items() if "(CLI)" not in meaning}
    have = {p.stem for p in ENTRIES}
    missing = sorted(analyser_codes - have)
    assert not missing, f"rule codes without a catalogue entry: {missing}"


@pytest.mark.parametrize("path", [p for p in ENTRIES if p.stem == "SC004" or p.stem.startswith("SC1")], ids=lambda p: p.stem)
def test_contract_entries_follow_the_format(path: Path) -> None:
    entry = tomllib.loads(path.read_text(encoding="utf-8"))
    assert entry["id"] == path.stem
    assert entry["family"] == ("meta" if path.stem == "SC004" else "contracts")
    assert entry["severity"] in ("error", "warning")
    assert entry["summary"].strip() and "\n" not in entry["summary"].strip()
    assert len(entry["why"].split()) > 40
    assert {e["kind"] for e in entry["examples"]} == {"bad", "good"}
