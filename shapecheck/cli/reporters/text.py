"""Human output: Ruff-style ``path:line:col: CODE message`` with an excerpt and a caret."""

from __future__ import annotations

from collections import Counter

from shapecheck.cli.reporters.base import Report
from shapecheck.findings import Finding

_STYLES = {"bold": "1", "red": "31", "yellow": "33", "cyan": "36", "blue": "34", "dim": "2"}


def _style(text: str, style: str, on: bool) -> str:
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if on else text


def _head(f: Finding, color: bool) -> str:
    code_style = "red" if f.severity == "error" else "yellow"
    location = _style(f.path, "bold", color) + _style(f":{f.line}:{f.col}:", "cyan", color)
    return f"{location} {_style(f.code, code_style, color)} {f.message}"


def _expand(text: str, col: int) -> tuple[str, int]:
    """Line with tabs expanded, and the 0-based display column of 1-based ``col``."""
    prefix = text[: max(col - 1, 0)].expandtabs(4)
    return text.expandtabs(4), len(prefix)


def _excerpt(f: Finding, report: Report) -> list[str]:
    line_text = report.source_line(f.path, f.line)
    if not line_text and (f.line == 1 or not report.source_line(f.path, f.line - 1)):
        return [f"  = note: {note}" for note in f.notes]  # no source to show (missing, unreadable, empty)
    gutter = len(str(f.line + 1))
    pad = " " * gutter
    bar = _style("|", "blue", report.color)
    out = [f"{pad} {bar}"]
    previous = report.source_line(f.path, f.line - 1) if f.line > 1 else ""
    if previous.strip():
        out.append(f"{_style(str(f.line - 1).rjust(gutter), 'blue', report.color)} {bar} {previous.expandtabs(4)}")
    shown, start = _expand(line_text, f.col)
    out.append(f"{_style(str(f.line).rjust(gutter), 'blue', report.color)} {bar} {shown}")
    if f.end_line is not None and f.end_line == f.line and f.end_col is not None and f.end_col > f.col:
        _, end = _expand(line_text, f.end_col)
        width = max(end - start, 1)
    else:
        token = shown[start:].split(" ", 1)[0] if start < len(shown) else ""
        width = max(len(token), 1) if f.end_line is None else max(len(shown.rstrip()) - start, 1)
    caret = _style("^" * width + f" {f.code}", "red" if f.severity == "error" else "yellow", report.color)
    out.append(f"{pad} {bar} {' ' * start}{caret}")
    out.append(f"{pad} {bar}")
    for note in f.notes:
        out.append(f"{pad} = note: {note}")
    return out


def _summary(report: Report) -> list[str]:
    lines: list[str] = []
    if report.statistics and report.findings:
        counts = Counter(f.code for f in report.findings)
        width = max(len(str(n)) for n in counts.values())
        from shapecheck.cli.catalogue import rule

        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            entry = rule(code)
            lines.append(f"{str(n).rjust(width)}\t{code}\t{entry.name if entry else ''}".rstrip())
    n = len(report.findings)
    if n:
        errors = sum(1 for f in report.findings if f.severity == "error")
        infos = sum(1 for f in report.findings if f.severity == "info")
        warnings = n - errors - infos
        parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
        if infos:
            parts.append(f"{infos} info")
        kinds = f" ({', '.join(parts)})" if errors != n else ""
        lines.append(f"Found {n} finding{'s' if n != 1 else ''}{kinds} in {report.files_checked} file{'s' if report.files_checked != 1 else ''} checked.")
    elif report.notes:  # shapecheck itself failed on some file: never claim a clean run
        lines.append(f"No findings in {report.files_checked} file{'s' if report.files_checked != 1 else ''} checked, "
                     f"but the analysis failed on {len(report.notes)} (see the errors below).")
    else:
        lines.append(f"All checks passed! ({report.files_checked} file{'s' if report.files_checked != 1 else ''} checked)")
    if report.fixed_by_baseline:
        lines.append(f"{report.fixed_by_baseline} finding{'s' if report.fixed_by_baseline != 1 else ''} hidden by the baseline.")
    return lines


def render_text(report: Report) -> str:
    out: list[str] = []
    for f in [] if report.statistics else report.findings:  # --statistics: the table alone, as Ruff
        out.append(_head(f, report.color))
        out.extend(_excerpt(f, report))
        out.append("")
    out.extend(_summary(report))
    return "\n".join(out) + "\n"


def render_concise(report: Report) -> str:
    out = [] if report.statistics else [_head(f, report.color) for f in report.findings]
    out.extend(_summary(report))
    return "\n".join(out) + "\n"
