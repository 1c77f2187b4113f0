"""The finding record shared by the static analyser, the CLI and its reporters."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Finding:
    """One reported problem. ``line``/``col`` are 1-based; ``end_*`` may equal the start."""

    path: str
    line: int
    col: int
    code: str  # "SC101"; the first letters and digits name the family
    message: str  # one line: what is wrong, with the shapes involved
    severity: str = "error"  # "error" | "warning" | "info"
    end_line: int | None = None
    end_col: int | None = None
    notes: tuple[str, ...] = field(default=())  # the reasoning: where each shape came from

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "end_col": self.end_col if self.end_col is not None else self.col,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "notes": list(self.notes),
        }
