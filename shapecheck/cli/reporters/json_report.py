"""``--output-format json``: a list of findings, one object each (stable keys, sorted);
``json-lines``: the same objects, one per line."""

from __future__ import annotations

import json

from shapecheck.cli.reporters.base import Report


def _items(report: Report) -> list[dict[str, object]]:
    from shapecheck.cli.catalogue import rule

    items = []
    for f in report.findings:
        d = f.to_dict()
        entry = rule(f.code)
        d["name"] = entry.name if entry else None
        d["source"] = report.source_line(f.path, f.line)
        items.append(d)
    return items


def render_json(report: Report) -> str:
    return json.dumps(_items(report), indent=2, ensure_ascii=False) + "\n"


def render_json_lines(report: Report) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in _items(report))
