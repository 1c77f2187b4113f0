"""The rule registry: every rule code, built from ``rules/catalogue/SCnnn.toml``.

A rule's id, name, family and severity live in its catalogue entry and nowhere else. Code
that reports a finding does it through the rule (``rules.get("SC104").finding(...)``), so
the severity comes from the catalogue; the command line's known codes, the docs' rule table
and the tests' code sets are read from here too.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from shapecheck.findings import Finding
from shapecheck.resources import rules_dir

CODE_RE = re.compile(r"^SC\d{3}$")
FAMILIES = ("meta", "contracts", "xla", "config")
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Example:
    kind: str  # "bad" | "good"
    code: str


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    family: str  # meta | contracts | xla | config
    severity: str  # error | warning
    summary: str
    why: str
    examples: tuple[Example, ...] = field(default=())
    source: str = ""
    reported_by: str = "analyser"  # analyser | cli (decoding, suppressions: the command line reports it)

    def finding(
        self, path: str, line: int, col: int, message: str,
        end_line: int | None = None, end_col: int | None = None, notes: tuple[str, ...] = (),
    ) -> Finding:
        """A finding of this rule, with the rule's severity."""
        return Finding(path, line, col, self.id, message, self.severity, end_line, end_col, notes)


class CatalogueError(ValueError):
    pass


def catalogue_dir() -> Path:
    return rules_dir() / "catalogue"


def _load(path: Path) -> Rule:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path}: {exc}") from None
    try:
        examples = tuple(Example(str(e["kind"]), str(e["code"])) for e in data.get("examples", []))
        rule = Rule(
            id=str(data["id"]), name=str(data["name"]), family=str(data.get("family", "")),
            severity=str(data.get("severity", "error")), summary=str(data["summary"]).strip(),
            why=str(data.get("why", "")).strip(), examples=examples, source=str(path),
            reported_by=str(data.get("reported_by", "analyser")),
        )
    except (KeyError, TypeError) as exc:
        raise CatalogueError(f"{path}: missing or malformed field {exc}") from None
    if rule.id != path.stem or not CODE_RE.match(rule.id):
        raise CatalogueError(f"{path}: id {rule.id!r} does not match the file name")
    if rule.family not in FAMILIES:
        raise CatalogueError(f"{path}: family {rule.family!r} is not one of {', '.join(FAMILIES)}")
    if rule.reported_by not in ("analyser", "cli"):
        raise CatalogueError(f"{path}: reported_by {rule.reported_by!r} is not 'analyser' or 'cli'")
    if rule.severity not in SEVERITIES:
        raise CatalogueError(f"{path}: severity {rule.severity!r} is not one of {', '.join(SEVERITIES)}")
    return rule


@lru_cache(maxsize=1)
def load_catalogue() -> tuple[dict[str, Rule], tuple[str, ...]]:
    """(rules by id, problems): a broken entry is reported, never fatal for the others."""
    rules: dict[str, Rule] = {}
    problems: list[str] = []
    directory = catalogue_dir()
    if not directory.is_dir():
        return rules, (f"rule catalogue {directory} not found",)
    for path in sorted(directory.glob("SC*.toml")):
        try:
            rule = _load(path)
        except CatalogueError as exc:
            problems.append(str(exc))
            continue
        rules[rule.id] = rule
    return rules, tuple(problems)


def rule(code: str) -> Rule | None:
    """The rule with this code, or None."""
    return load_catalogue()[0].get(code.upper())


def get(code: str) -> Rule:
    """The rule with this code; a code the catalogue does not define is a programming error."""
    found = rule(code)
    if found is None:
        problems = "; ".join(load_catalogue()[1])
        raise KeyError(f"rule {code} has no entry in {catalogue_dir()}" + (f" ({problems})" if problems else ""))
    return found


def codes(*families: str) -> tuple[str, ...]:
    """Every rule code in the catalogue (of the given families), sorted."""
    return tuple(sorted(r.id for r in load_catalogue()[0].values() if not families or r.family in families))


def markdown_table() -> str:
    """The rule table of ``docs/ARCHITECTURE.md`` (a test keeps the two equal)."""
    rows = ["| code | name | family | severity | summary |", "|---|---|---|---|---|"]
    for code in codes():
        r = get(code)
        by = " (CLI)" if r.reported_by == "cli" else ""
        summary = r.summary.replace("|", "\\|")
        rows.append(f"| {r.id} | {r.name} | {r.family} | {r.severity} | {summary}{by} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m shapecheck.rules: print the docs' rule table
    print(markdown_table(), end="")
