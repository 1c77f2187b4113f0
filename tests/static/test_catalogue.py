"""The rule registry and every example of every catalogue entry, with exact expectations.

One runner for all rules: each example goes through the analyser's API (summary, project,
check) and the findings must be exactly the ``# expect:`` markers, every code, not only the
entry's own. A marker is ``CODE@COLUMN`` (1-based), optionally followed by a quoted text the
message must contain: ``# expect: SC104@12 "156"``. Rules reported by the command line
(``reported_by = "cli"``) are run by tests/cli/test_cli_commands.py.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from shapecheck import rules
from shapecheck.findings import Finding
from shapecheck.static.api import AnalysisError, KnowledgePacks, build_project, check_module, summarise_module

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"
MARKER = re.compile(r"#\s*expect:\s*(.+?)\s*$")
ITEM = re.compile(r'^(SC\d{3})@(\d+)(?:\s+"([^"]*)")?$')

RULES = rules.load_catalogue()[0]
EXAMPLES = [
    (r.id, i, ex.kind, ex.code)
    for r in RULES.values() if r.reported_by == "analyser"
    for i, ex in enumerate(r.examples)
]


def expected(code: str) -> set[tuple[int, int, str, str]]:
    """(line, column, code, message text) for every marker; a malformed marker fails the test."""
    out: set[tuple[int, int, str, str]] = set()
    for lineno, line in enumerate(code.splitlines(), 1):
        m = MARKER.search(line)
        if not m:
            continue
        for item in m.group(1).split(","):
            parsed = ITEM.match(item.strip())
            assert parsed, f"line {lineno}: malformed marker {item.strip()!r} (want CODE@COLUMN [\"text\"])"
            out.add((lineno, int(parsed.group(2)), parsed.group(1), parsed.group(3) or ""))
    return out


def run_example(rule: str, index: int, code: str, packs: KnowledgePacks, tmp_path: Path) -> list[Finding]:
    path = tmp_path / f"{rule.lower()}_example_{index}.py"
    path.write_text(code, encoding="utf-8")
    try:
        summary = summarise_module(path, code, packs)
        return check_module(path, code, build_project([summary], packs), packs)
    except AnalysisError as exc:  # what the command line reports as SC001/SC003
        return [Finding(str(path), exc.line, exc.col, exc.code, exc.message)]


def test_the_catalogue_loads_without_problems() -> None:
    registry, problems = rules.load_catalogue()
    assert not problems
    assert {"SC001", "SC004", "SC005", "SC101", "SC106", "SC201", "SC303", "SC901"} <= set(registry)


@pytest.mark.parametrize("code", sorted(RULES))
def test_entry_format(code: str) -> None:
    r = RULES[code]
    entry = tomllib.loads(Path(r.source).read_text(encoding="utf-8"))
    assert {"id", "name", "family", "severity", "summary", "why", "examples"} <= set(entry)
    assert r.summary and "\n" not in r.summary
    assert len(r.why.split()) > 40
    kinds = [e.kind for e in r.examples]
    assert set(kinds) <= {"bad", "good"} and "good" in kinds
    assert "bad" in kinds or r.id == "SC005", "every rule that code can trigger shows it"
    family = {"0": "meta", "9": "meta", "1": "contracts", "2": "xla", "3": "config"}[r.id[2]]
    assert r.family == (family if r.id != "SC004" else "meta")
    for e in r.examples:
        marked = bool(expected(e.code)) if r.reported_by == "analyser" else "# expect:" in e.code  # CLI: line only
        assert marked == (e.kind == "bad"), "bad examples mark what is flagged; good ones nothing"


@pytest.mark.parametrize(("rule", "index", "kind", "code"), EXAMPLES, ids=[f"{r}-{i}-{k}" for r, i, k, _ in EXAMPLES])
def test_example(rule: str, index: int, kind: str, code: str, packs: KnowledgePacks, tmp_path: Path) -> None:
    findings = run_example(rule, index, code, packs, tmp_path)
    want = expected(code)
    got = {(f.line, f.col, f.code) for f in findings}
    listing = "\n".join(f"{f.line}:{f.col} {f.code} {f.message}" for f in findings)
    assert got == {(line, col, c) for line, col, c, _text in want}, listing
    for line, col, c, text in want:
        message = next(f.message for f in findings if (f.line, f.col, f.code) == (line, col, c))
        assert text in message, f"{c} at {line}:{col}: {message!r} does not say {text!r}"
    if kind == "bad":
        assert any(c == rule for _l, _c, c, _t in want)
    for f in findings:
        assert f.severity == RULES[f.code].severity, f"{f.code} reported as {f.severity}, the catalogue says {RULES[f.code].severity}"


def test_the_architecture_rule_table_is_the_registry() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert rules.markdown_table() in text, "regenerate the table with: python -m shapecheck.rules"
