"""``--output-format github``: workflow commands that GitHub Actions shows as annotations."""

from __future__ import annotations

from shapecheck.cli.reporters.base import Report


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    lines = []
    for f in report.findings:
        level = "error" if f.severity == "error" else "warning"
        props = [f"file={_prop(f.path)}", f"line={f.line}", f"col={f.col}"]
        if f.end_line is not None:
            props.append(f"endLine={f.end_line}")
        if f.end_col is not None and (f.end_line is None or f.end_line == f.line):
            props.append(f"endColumn={f.end_col}")
        props.append(f"title={_prop(f.code)}")
        lines.append(f"::{level} {','.join(props)}::{_data(f.code + ' ' + f.message)}")
    return "".join(line + "\n" for line in lines)
