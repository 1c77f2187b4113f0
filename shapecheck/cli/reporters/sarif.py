"""``--output-format sarif``: SARIF 2.1.0 for code-scanning services (GitHub, Azure DevOps...)."""

from __future__ import annotations

import json
from urllib.parse import quote

from shapecheck.cli.baseline import fingerprint
from shapecheck.cli.reporters.base import Report

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def _level(severity: str) -> str:
    return {"error": "error", "warning": "warning"}.get(severity, "note")


def _rule_descriptor(code: str) -> dict[str, object]:
    from shapecheck.cli.catalogue import rule

    entry = rule(code)
    if entry is None:
        return {"id": code, "shortDescription": {"text": code}}
    help_lines = [entry.summary, "", entry.why]
    md = [f"**{entry.id} {entry.name}**: {entry.summary}", "", entry.why]
    for ex in entry.examples:
        md += ["", f"{ex.kind.capitalize()}:", "```python", ex.code.strip("\n"), "```"]
    return {
        "id": entry.id,
        "name": entry.name,
        "shortDescription": {"text": entry.summary},
        "fullDescription": {"text": entry.why or entry.summary},
        "help": {"text": "\n".join(help_lines).strip(), "markdown": "\n".join(md).strip()},
        "defaultConfiguration": {"level": _level(entry.severity)},
        "properties": {"tags": [t for t in (entry.family, "shapes") if t]},
    }


def _uri(report: Report, display: str) -> tuple[str, bool]:
    """(uri, relative to %SRCROOT%)."""
    path = (report.cwd / display).resolve()
    try:
        return quote(path.relative_to(report.root.resolve()).as_posix()), True
    except ValueError:
        return path.as_uri(), False


def render_sarif(report: Report) -> str:
    codes = sorted({f.code for f in report.findings})
    rules = [_rule_descriptor(c) for c in codes]
    index = {c: i for i, c in enumerate(codes)}
    results = []
    for f in report.findings:
        uri, relative = _uri(report, f.path)
        location: dict[str, object] = {"uri": uri}
        if relative:
            location["uriBaseId"] = "%SRCROOT%"
        region: dict[str, int] = {"startLine": f.line, "startColumn": f.col}
        end_line = f.end_line if f.end_line is not None else f.line
        region["endLine"] = max(end_line, f.line)
        end_col = f.end_col if f.end_col is not None else f.col + 1
        if region["endLine"] == f.line:
            end_col = max(end_col, f.col + 1)
        region["endColumn"] = max(end_col, 1)
        snippet = report.source_line(f.path, f.line)
        if snippet:
            region_snippet = {"text": snippet}
        message = f.message + ("".join(f"\n- {n}" for n in f.notes) if f.notes else "")
        result: dict[str, object] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _level(f.severity),
            "message": {"text": message},
            "locations": [{"physicalLocation": {
                "artifactLocation": location,
                "region": {**region, **({"snippet": region_snippet} if snippet else {})},
            }}],
            "partialFingerprints": {"shapecheck/v1": fingerprint(f.code, snippet, f.message)},
        }
        results.append(result)
    run: dict[str, object] = {
        "tool": {"driver": {
            "name": "shapecheck",
            "version": report.tool_version,
            "semanticVersion": report.tool_version,
            "rules": rules,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": report.root.resolve().as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": not report.notes,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": n}} for n in report.notes],
        }],
        "results": results,
    }
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"
