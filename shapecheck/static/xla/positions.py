"""Line/column of the few nodes ``collect`` must place, without libcst's PositionProvider or a
second parser.

PositionProvider regenerates the whole module's code (measured at ~0.7x the parse time per
file). The facts need positions for only a handful of nodes (definitions, compile roots and
their ``jit_compile=`` values), so they are read from the source text with the guard's token
scan (``guard.TokenScan``: logical lines, strings and comments) and paired with the libcst
nodes in source order: definitions by name sequence, calls by (dotted callee as written,
occurrence). Any disagreement (a callee spelled across a comment, a call inside an f-string)
fails ``matches`` and the caller falls back to PositionProvider.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import lru_cache

from shapecheck.static.guard import TokenScan

_HEAD = re.compile(r"[ \t\f]*(?:(@)|(?:async[ \t]+)?(?:def|class)[ \t]+(\w+))")
_BRACKET = re.compile(r"[()\[\]{}]")


@lru_cache(maxsize=256)
def _call_pattern(dotted: str) -> re.Pattern[str]:
    parts = r"\s*\.\s*".join(re.escape(p) for p in dotted.split("."))
    return re.compile(r"(?<![\w.])" + parts + r"\s*\(")


class TextPositions:
    """Positions for definitions and calls, read from the text the tree was parsed from."""

    def __init__(self, text: str, scan: TokenScan) -> None:
        self.text = text
        self.literal_starts = [s for s, _e in scan.literals]
        self.literal_ends = [e for _s, e in scan.literals]
        self.defs: list[tuple[str, int, list[int]]] = []  # (name, offset of the name's line, offsets of its decorators)
        decorators: list[int] = []
        for offset in scan.logical_lines:
            head = _HEAD.match(text, offset)
            if head is None:
                decorators = []
            elif head.group(1):
                decorators.append(offset + head.start(1) - head.start())
            else:
                self.defs.append((head.group(2), offset, decorators))
                decorators = []
        self._calls: dict[str, list[re.Match[str]]] = {}

    def _in_literal(self, offset: int) -> bool:
        i = bisect.bisect_right(self.literal_starts, offset) - 1
        return i >= 0 and offset < self.literal_ends[i]

    def _where(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def calls(self, dotted: str) -> list[re.Match[str]]:
        found = self._calls.get(dotted)
        if found is None:
            found = [m for m in _call_pattern(dotted).finditer(self.text) if not self._in_literal(m.start())]
            self._calls[dotted] = found
        return found

    def matches(self, def_names: Sequence[str], call_counts: dict[str, int]) -> bool:
        if [name for name, _o, _d in self.defs] != list(def_names):
            return False
        return all(len(self.calls(k)) == n for k, n in call_counts.items())

    def def_line(self, index: int) -> int:
        return self._where(self.defs[index][1])[0]

    def decorator(self, def_index: int, dec_index: int) -> tuple[int, int]:
        """Position of the ``@`` of a decorator."""
        return self._where(self.defs[def_index][2][dec_index])

    def call(self, dotted: str, occurrence: int) -> tuple[int, int]:
        return self._where(self.calls(dotted)[occurrence].start())

    def keyword_value(self, dotted: str, occurrence: int, keyword: str) -> tuple[int, int] | None:
        """Where the value of ``keyword=`` starts among the call's own arguments."""
        match = self.calls(dotted)[occurrence]
        depth = 0
        pattern = re.compile(r"(?<![\w.])" + re.escape(keyword) + r"\s*=(?!=)\s*")
        pos = match.end()  # just after the call's "("
        while pos < len(self.text):
            bracket = _BRACKET.search(self.text, pos)
            end = bracket.start() if bracket is not None else len(self.text)
            if depth == 0:
                for kw in pattern.finditer(self.text, pos, end):
                    if not self._in_literal(kw.start()):
                        return self._where(kw.end())
            if bracket is None:
                return None
            pos = bracket.end()
            if self._in_literal(bracket.start()):
                continue
            if bracket.group() in "([{":
                depth += 1
            elif depth == 0:
                return None  # the call's own ")"
            else:
                depth -= 1
        return None
