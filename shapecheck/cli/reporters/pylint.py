"""``--output-format pylint``: ``path:line: [CODE] message``, the format pylint-aware tools parse."""

from __future__ import annotations

from shapecheck.cli.reporters.base import Report


def render_pylint(report: Report) -> str:
    return "".join(f"{f.path}:{f.line}: [{f.code}] {f.message}\n" for f in report.findings)
