"""What every reporter receives: the findings and enough context to render them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shapecheck.findings import Finding


@dataclass
class Report:
    findings: list[Finding]  # sorted, after selection, suppressions and baseline
    root: Path  # project root (SARIF's %SRCROOT%)
    cwd: Path
    tool_version: str
    source_line: Callable[[str, int], str]  # (display path, 1-based line) -> text without newline
    files_checked: int = 0
    color: bool = False
    statistics: bool = False
    fixed_by_baseline: int = 0
    notes: list[str] = field(default_factory=list)
