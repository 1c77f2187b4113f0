"""``shapecheck rule CODE`` and ``shapecheck rules``: the catalogue, for people and for tools."""

from __future__ import annotations

import json
from typing import TextIO

from shapecheck.cli.catalogue import Rule, load_catalogue
from shapecheck.cli.errors import UsageError


def _as_dict(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id, "name": rule.name, "family": rule.family, "severity": rule.severity,
        "summary": rule.summary, "why": rule.why,
        "examples": [{"kind": e.kind, "code": e.code} for e in rule.examples],
    }


def format_rule(rule: Rule) -> str:
    lines = [f"{rule.id} {rule.name} ({rule.family or 'general'}, {rule.severity})", "", rule.summary]
    if rule.why:
        lines += ["", "Why", "---", rule.why]
    for example in rule.examples:
        title = "Flagged" if example.kind == "bad" else "Clean" if example.kind == "good" else example.kind.capitalize()
        lines += ["", f"{title} ({example.kind})", "-" * (len(title) + len(example.kind) + 3)]
        lines += ["    " + line if line else "" for line in example.code.strip("\n").splitlines()]
    return "\n".join(lines) + "\n"


def rule_markdown(rule: Rule) -> str:
    """The rule's page: what ``shapecheck rule`` prints, as Markdown (docs/rules and SARIF help)."""
    lines = [f"# {rule.id} {rule.name}", "", f"*{rule.family or 'general'}, {rule.severity}*", "", rule.summary]
    if rule.why:
        lines += ["", "## Why", "", rule.why]
    for example in rule.examples:
        title = "Flagged" if example.kind == "bad" else "Clean" if example.kind == "good" else example.kind.capitalize()
        lines += ["", f"## {title}", "", "```python", example.code.strip("\n"), "```"]
    return "\n".join(lines) + "\n"


def run_rule(code: str, output_format: str, stdout: TextIO, stderr: TextIO) -> int:
    rules, problems = load_catalogue()
    for problem in problems:
        print(f"warning: broken catalogue entry: {problem}", file=stderr)
    key = code.strip().upper()
    entry = rules.get(key)
    if entry is None:
        near = sorted(c for c in rules if c.startswith(key[:4])) or sorted(rules)
        hint = f"; known rules: {', '.join(near[:20])}" if near else ""
        raise UsageError(f"unknown rule {code!r}{hint}")
    if output_format == "json":
        stdout.write(json.dumps(_as_dict(entry), indent=2) + "\n")
    else:
        stdout.write(format_rule(entry))
    return 0


def run_rules(output_format: str, stdout: TextIO, stderr: TextIO) -> int:
    rules, problems = load_catalogue()
    for problem in problems:
        print(f"warning: broken catalogue entry: {problem}", file=stderr)
    ordered = [rules[c] for c in sorted(rules)]
    if output_format == "json":
        stdout.write(json.dumps([_as_dict(r) for r in ordered], indent=2) + "\n")
        return 0
    if not ordered:
        print("no rules in the catalogue", file=stderr)
        return 0
    import shutil

    width = max(len(r.name) for r in ordered)
    room = max(shutil.get_terminal_size((120, 24)).columns - (5 + 2 + width + 2 + 7 + 2), 40)
    for r in ordered:
        summary = r.summary if len(r.summary) <= room else r.summary[: room - 1].rstrip() + "…"
        stdout.write(f"{r.id}  {r.name.ljust(width)}  {r.severity:<7}  {summary}\n")
    return 0
