"""``--output-format gitlab``: a GitLab Code Quality report (``artifacts: reports: codequality``).

Paths are relative to the project root (GitLab resolves them against the repository); each
issue's fingerprint is the baseline fingerprint of the finding with its path and occurrence,
so it stays put when unrelated lines move.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from shapecheck.cli.baseline import fingerprint
from shapecheck.cli.reporters.base import Report

_SEVERITY = {"error": "major", "warning": "minor"}


def _relative(report: Report, display: str) -> str:
    path = Path(os.path.normpath(report.cwd / display))
    root = Path(os.path.realpath(report.root))
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def render_gitlab(report: Report) -> str:
    issues = []
    seen: dict[str, int] = {}
    for f in report.findings:
        path = _relative(report, f.path)
        base = f"{path}\0{fingerprint(f.code, report.source_line(f.path, f.line), f.message)}"
        seen[base] = seen.get(base, 0) + 1
        unique = hashlib.sha256(f"{base}\0{seen[base]}".encode("utf-8", "surrogatepass")).hexdigest()
        issues.append({
            "description": f"{f.code} {f.message}",
            "check_name": f.code,
            "fingerprint": unique,
            "severity": _SEVERITY.get(f.severity, "info"),
            "location": {"path": path, "lines": {"begin": f.line, "end": max(f.end_line or f.line, f.line)}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
