"""Where functions start and end, from the logical-line starts the guard's token scan records.

No parser: a logical line that starts with ``def``/``class`` opens a block that ends before the
next logical line indented no deeper; ``@`` lines belong to the definition below them. The
guard's scan skips strings, comments and bracketed continuations, so its logical lines are
CPython's. Callers check the result against the tree's own function order (``matches``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FunctionPath = tuple[str, ...]
# at a logical line's start: a decorator's "@" (group 1), or def/class (group 2) and its name (group 3)
DEF_HEAD = re.compile(r"[ \t\f]*(?:(@)|(?:async[ \t]+)?(def|class)[ \t]+(\w+))")


@dataclass(frozen=True)
class FunctionSpan:
    path: FunctionPath  # enclosing classes, then the function's name
    start: int  # 1-based line of its first decorator, or of ``def``
    end: int  # last line before the next statement outside it
    def_line: int = 0  # 1-based line of ``def`` itself


def _width(text: str, offset: int) -> int:
    line_start = text.rfind("\n", 0, offset) + 1
    lead = text[line_start:offset]
    if "\f" in lead:
        lead = lead[lead.rfind("\f") + 1:]
    return len(lead.expandtabs(8))


def outer_functions(text: str, logical_lines: list[int]) -> list[FunctionSpan]:
    """Module-level functions and methods (not functions nested in functions), in source order."""
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    line, counted_to = 1, 0
    out: list[FunctionSpan] = []
    # open definitions: (indent width, kind, name, start line, index in out or -1)
    stack: list[tuple[int, str, str, int, int]] = []
    decorated_at: int | None = None
    for offset in logical_lines:
        head = DEF_HEAD.match(text, offset)
        width = _width(text, offset)
        line += text.count("\n", counted_to, offset)
        counted_to = offset
        while stack and stack[-1][0] >= width:
            _w, _kind, _name, _start, index = stack.pop()
            if index >= 0:
                out[index] = FunctionSpan(out[index].path, out[index].start, line - 1, out[index].def_line)
        if head is None:
            decorated_at = None
            continue
        if head.group(1):
            decorated_at = line if decorated_at is None else decorated_at
            continue
        kind, name = head.group(2), head.group(3)
        start = line if decorated_at is None else decorated_at
        decorated_at = None
        index = -1
        if kind == "def" and all(k == "class" for _w, k, _n, _s, _i in stack):
            index = len(out)
            out.append(FunctionSpan((*(n for _w, _k, n, _s, _i in stack), name), start, last_line, line))
        stack.append((width, kind, name, start, index))
    return out
