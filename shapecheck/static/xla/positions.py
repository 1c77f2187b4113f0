"""Line/column of the few nodes ``collect`` must place, without libcst's PositionProvider.

PositionProvider regenerates the whole module's code (measured at ~0.7x the parse time per
file). The facts need positions for only a handful of nodes (definitions, compile roots and
their ``jit_compile=`` values), so this parses the same text with the C ``ast`` parser and
pairs nodes up in source order: definitions by name sequence, calls by (dotted callee,
occurrence). Any disagreement (the text is not what libcst parsed) returns None and the caller
falls back to PositionProvider.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class AstPositions:
    """Positions for definitions and calls, matched to the libcst nodes by order."""

    def __init__(self, tree: ast.Module, text: str) -> None:
        self.tree = tree
        self.lines = text.splitlines()
        self.defs = sorted(
            (n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))),
            key=lambda n: (n.lineno, n.col_offset),
        )
        calls: dict[str, list[ast.Call]] = {}
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Call):
                dotted = _dotted(n.func)
                if dotted is not None:
                    calls.setdefault(dotted, []).append(n)
        self.calls = {k: sorted(v, key=lambda c: (c.lineno, c.col_offset)) for k, v in calls.items()}

    def column(self, lineno: int, col_offset: int) -> int:
        """ast columns are UTF-8 byte offsets; libcst's are characters (1-based here)."""
        line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        return len(line.encode("utf-8")[:col_offset].decode("utf-8", errors="ignore")) + 1

    def matches(self, def_names: Sequence[str], call_counts: dict[str, int]) -> bool:
        if [getattr(d, "name", "") for d in self.defs] != list(def_names):
            return False
        return all(len(self.calls.get(k, ())) == n for k, n in call_counts.items())

    def def_line(self, index: int) -> int:
        return self.defs[index].lineno

    def decorator(self, def_index: int, dec_index: int) -> tuple[int, int]:
        """Position of the ``@`` of a decorator."""
        expr = self.defs[def_index].decorator_list[dec_index]
        return expr.lineno, max(1, self.column(expr.lineno, expr.col_offset) - 1)

    def call(self, dotted: str, occurrence: int) -> tuple[int, int]:
        node = self.calls[dotted][occurrence]
        return node.lineno, self.column(node.lineno, node.col_offset)

    def keyword_value(self, dotted: str, occurrence: int, keyword: str) -> tuple[int, int] | None:
        node = self.calls[dotted][occurrence]
        for kw in node.keywords:
            if kw.arg == keyword:
                return kw.value.lineno, self.column(kw.value.lineno, kw.value.col_offset)
        return None
