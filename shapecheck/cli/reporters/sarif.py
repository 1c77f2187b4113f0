"""``--output-format sarif``: SARIF 2.1.0 for code-scanning services (GitHub, Azure DevOps...)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from shapecheck.cli.baseline import fingerprint
from shapecheck.cli.reporters.base import Report

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def _level(severity: str) -> str:
    return {"error": "error", "warning": "warning"}.get(severity, "note")


def _rule_descriptor(code: str) -> dict[str, object]:
    from shapecheck.cli.catalogue import RULE_DOCS_URL, rule
    from shapecheck.cli.rule_command import format_rule, rule_markdown

    entry = rule(code)
    if entry is None:
        return {"id": code, "shortDescription": {"text": code}}
    return {
        "id": entry.id,
        "name": entry.name,
        "shortDescription": {"text": entry.summary},
        "fullDescription": {"text": entry.why or entry.summary},
        "helpUri": RULE_DOCS_URL.format(code=entry.id),
        "help": {"text": format_rule(entry).strip(), "markdown": rule_markdown(entry).strip()},
        "defaultConfiguration": {"level": _level(entry.severity)},
        "properties": {"tags": [t for t in (entry.family, "shapes") if t]},
    }


def _uri(report: Report, display: str) -> tuple[str, bool]:
    """(uri, relative to %SRCROOT%)."""
    path = Path(os.path.normpath(report.cwd / display))  # never resolve(): a symlink loop must not crash
    root = Path(os.path.realpath(report.root))
    if path.is_relative_to(root):
        return quote(path.relative_to(root).as_posix(), errors="surrogateescape"), True
    return "file://" + quote(path.as_posix(), errors="surrogateescape"), False


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
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.path.realpath(report.root)).as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": not report.notes,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": n}} for n in report.notes],
        }],
        "results": results,
    }
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"
