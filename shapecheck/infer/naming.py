"""Where dim names come from: shape tuples in docstrings, carrier parameters, the module's other
functions, and a fallback alphabet.

A docstring tuple such as ``(B, N, N, C)`` or ``(B*C, 2)`` names the dims of the first slot
of the same rank whose literal sizes agree with it (slots in parameter order, then results).
"""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
from dataclasses import dataclass

_TUPLE = re.compile(r"\(([^()]*,[^()]*)\)")
_OPTIONAL = re.compile(r"\[,[^\[\]()]*\]")  # "(M, H, W, K[, 2])": an optional trailing part, left out
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
FALLBACK = ("B", "C", "H", "W", "K", "L", "M", "R", "S", "T", "D", "E", "F", "G", "U", "V", "X", "Y", "Z", "A")
SQUARE_FALLBACK = ("N", "M", "P", "Q", "S")  # a dim repeated within one value: "B N N C"
LEADING_FALLBACK = ("B",)  # the first dim of a value: the batch, most often


@dataclass(frozen=True)
class DocEntry:
    text: str
    literal: int | None  # an integer entry
    name: str | None  # a single name

    @property
    def names(self) -> set[str]:
        """Every name in the entry (``{"B", "C"}`` for ``B*C``)."""
        return set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", self.text))


def docstring_tuples(doc: str) -> list[tuple[DocEntry, ...]]:
    """Every parenthesised, comma-separated tuple in ``doc``, in order: ``(B, 1, 2, C)``."""
    out: list[tuple[DocEntry, ...]] = []
    for match in _TUPLE.finditer(doc):
        parts = [p.strip() for p in _OPTIONAL.sub("", match.group(1)).split(",")]
        if parts and parts[-1] == "":
            parts.pop()
        if not parts or any(not p or len(p) > 24 for p in parts):
            continue
        entries = []
        for p in parts:
            if p.isdigit():
                entries.append(DocEntry(p, int(p), None))
            elif _NAME.match(p) and (p[0].isupper() or len(p) == 1):
                entries.append(DocEntry(p, None, p))
            elif re.fullmatch(r"[A-Za-z0-9_*+/ -]+", p) and not _NAME.match(p):
                entries.append(DocEntry(p, None, None))
            else:  # "(dx, dy)": a value, not a shape
                break
        else:
            # "(x, y)" is a point; a shape has an upper-case name, a number or an expression in it
            if any(e.literal is not None or e.name is None or e.text[0].isupper() for e in entries):
                out.append(tuple(entries))
    return out


def source_comments(source: str) -> str:
    """The comments of a function's source, one a line, without their ``#``."""
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(textwrap.dedent(source)).readline):
            if tok.type == tokenize.COMMENT:
                out.append(tok.string.lstrip("#").strip())
    except (tokenize.TokenError, SyntaxError):  # a source inspect cut badly: the comments read so far
        pass
    return "\n".join(out)


def is_dim_name(text: str) -> bool:
    return bool(_NAME.match(text))


def fallback_name(taken: set[str], square: bool = False, leading: bool = False) -> str:
    pools = [SQUARE_FALLBACK] if square else []
    if leading:
        pools.append(LEADING_FALLBACK)
    for pool in (*pools, FALLBACK):
        for name in pool:
            if name not in taken:
                return name
    i = 0
    while f"D{i}" in taken:
        i += 1
    return f"D{i}"
