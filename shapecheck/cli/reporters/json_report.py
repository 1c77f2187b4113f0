"""``--output-format json``: a list of findings, one object each (stable keys, sorted)."""

from __future__ import annotations

import json

from shapecheck.cli.reporters.base import Report


def render_json(report: Report) -> str:
    from shapecheck.cli.catalogue import rule

    items = []
    for f in report.findings:
        d = f.to_dict()
        entry = rule(f.code)
        d["name"] = entry.name if entry else None
        d["source"] = report.source_line(f.path, f.line)
        items.append(d)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
