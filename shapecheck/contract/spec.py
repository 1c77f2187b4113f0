"""Parsing shape contracts such as ``"B 1 2 C"``, ``"*batch N+2*p _"`` or ``"#B H W"``.

Grammar (dims are separated by whitespace; whitespace inside parentheses is allowed)::

    spec      := dim*
    dim       := prefix* ( NAME "=" )? ( NAME | "_" NAME? | "..." | expr )
    prefix    := "#" | "*" | "?"           (each at most once, in any order)
    expr      := term (("+" | "-") term)*
    term      := unary (("*" | "//" | "%") unary)*
    unary     := "-" unary | INT | NAME | "(" expr ")"

``#`` marks a broadcastable dim (size 1 also matches), ``*name`` a variadic run of dims
bound as a whole, ``...``/``*_`` an anonymous variadic run, ``_`` (or any name starting
with ``_``) an anonymous dim, ``?name`` a name bound separately per element of a container
(jaxtyping's per-PyTree-leaf modifier); ``name=3`` is ``3`` with a name for the reader.
These are jaxtyping's spellings (``*#batch`` and ``#*batch`` both work). Malformed text raises :class:`ContractSyntaxError` naming
the text and the 1-based column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from shapecheck.contract.expr import Expr


class ContractSyntaxError(ValueError):
    """A malformed contract; ``text`` and 1-based ``column`` point at the offending spot."""

    def __init__(self, text: str, column: int, problem: str) -> None:
        self.text = text
        self.column = column
        self.problem = problem
        caret = " " * (column - 1) + "^"
        super().__init__(f"malformed shape contract {text!r}: {problem} at column {column}\n    {text}\n    {caret}")


class DimKind(Enum):
    FIXED = "fixed"  # an integer
    NAMED = "named"  # a single named dim, bound on first sight
    EXPR = "expr"  # an expression of named dims, checked once its operands are bound
    ANON = "anon"  # "_": any size, never bound
    VARIADIC = "variadic"  # "*name" (bound as a tuple) or "..." / "*_" (anonymous)


@dataclass(frozen=True)
class Dim:
    kind: DimKind
    text: str
    column: int  # 1-based column in the contract text
    expr: Expr | None = None  # FIXED, NAMED, EXPR
    name: str | None = None  # NAMED, and VARIADIC when named
    broadcast: bool = False
    per_leaf: bool = False  # "?B": bound separately for each element of a container

    @property
    def size(self) -> int | None:
        return self.expr.const_value if self.kind is DimKind.FIXED and self.expr is not None else None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ShapeSpec:
    """A parsed contract: the dims in order, and the text they came from."""

    dims: tuple[Dim, ...]
    text: str
    variadic_index: int | None = field(default=None)

    @property
    def min_rank(self) -> int:
        return len(self.dims) - (1 if self.variadic_index is not None else 0)

    @property
    def fixed_rank(self) -> int | None:
        return None if self.variadic_index is not None else len(self.dims)

    def names(self) -> frozenset[str]:
        out: set[str] = set()
        for d in self.dims:
            if d.expr is not None:
                out |= d.expr.names()
            if d.kind is DimKind.VARIADIC and d.name:
                out.add(d.name)
        return frozenset(out)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class FunctionSignature:
    """A stub contract ``"B H W C, B 1 2 C -> B*C H W 1"``: one spec per parameter and per result;
    ``()`` is a scalar (the ``""`` of an annotation: ``"B N, () -> ()"``)."""

    params: tuple[ShapeSpec, ...]
    results: tuple[ShapeSpec, ...]
    text: str


_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(//|\.\.\.|[-+*%()#]))")


class _ExprParser:
    """Recursive descent over one dim's text; columns are reported against the whole contract."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.pos = start
        self.end = end
        self.tok: tuple[str, str, int] | None = None  # (kind, value, column)
        self._advance()

    def _advance(self) -> None:
        while self.pos < self.end and self.text[self.pos].isspace():
            self.pos += 1
        if self.pos >= self.end:
            self.tok = None
            return
        m = _TOKEN.match(self.text, self.pos, self.end)
        col = self.pos + 1
        if m is None or m.end() == self.pos:
            raise ContractSyntaxError(self.text, col, f"unexpected character {self.text[self.pos]!r}")
        self.pos = m.end()
        if m.group(1) is not None:
            self.tok = ("int", m.group(1), col)
        elif m.group(2) is not None:
            self.tok = ("name", m.group(2), col)
        else:
            self.tok = ("op", m.group(3), col)

    def _error(self, problem: str) -> ContractSyntaxError:
        col = self.tok[2] if self.tok else self.end + 1
        return ContractSyntaxError(self.text, col, problem)

    def parse(self) -> Expr:
        e = self.expr()
        if self.tok is not None:
            raise self._error(f"unexpected {self.tok[1]!r}")
        return e

    def expr(self) -> Expr:
        e = self.term()
        while self.tok and self.tok[0] == "op" and self.tok[1] in "+-":
            op = self.tok[1]
            self._advance()
            rhs = self.term()
            e = e + rhs if op == "+" else e - rhs
        return e

    def term(self) -> Expr:
        e = self.unary()
        while self.tok and self.tok[0] == "op" and self.tok[1] in ("*", "//", "%"):
            op, col = self.tok[1], self.tok[2]
            self._advance()
            rhs = self.unary()
            try:
                e = e * rhs if op == "*" else (e // rhs if op == "//" else e % rhs)
            except ZeroDivisionError:
                raise ContractSyntaxError(self.text, col, "division by zero") from None
        return e

    def unary(self) -> Expr:
        if self.tok is None:
            raise self._error("expression ends too early")
        kind, value, _col = self.tok
        if kind == "op" and value == "-":
            self._advance()
            return -self.unary()
        if kind == "int":
            self._advance()
            return Expr.const(int(value))
        if kind == "name":
            self._advance()
            return Expr.name(value)
        if kind == "op" and value == "(":
            self._advance()
            e = self.expr()
            if not (self.tok and self.tok[1] == ")"):
                raise self._error("missing ')'")
            self._advance()
            return e
        raise self._error(f"unexpected {value!r}")


def _split_dims(text: str) -> list[tuple[int, int]]:
    """(start, end) of each whitespace-separated dim, keeping parenthesised groups whole."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, None
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ContractSyntaxError(text, i + 1, "unbalanced ')'")
        if ch.isspace() and depth == 0:
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
    if depth > 0:
        raise ContractSyntaxError(text, len(text) + 1, "missing ')'")
    if start is not None:
        spans.append((start, len(text)))
    return spans


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


_PREFIXES = {"#": "broadcast", "*": "variadic", "?": "per_leaf"}


def _parse_dim(text: str, start: int, end: int) -> Dim:
    """One dim. Prefixes ``#`` (broadcastable), ``*`` (variadic) and ``?`` (bound per leaf
    of a container) come in any order, at most once each, as in jaxtyping (``*#batch``,
    ``#*batch``, ``?B``); ``name=size`` documents a size (``rows=3`` is ``3``)."""
    chunk = text[start:end]
    col = start + 1
    flags: dict[str, bool] = {}
    body_start = start
    while body_start < end and text[body_start] in _PREFIXES:
        flag = _PREFIXES[text[body_start]]
        if flag in flags:
            raise ContractSyntaxError(text, body_start + 1, f"{text[body_start]!r} used twice in one dim")
        flags[flag] = True
        body_start += 1
    broadcast = flags.get("broadcast", False)
    per_leaf = flags.get("per_leaf", False)
    body = text[body_start:end]
    if not body:
        raise ContractSyntaxError(text, col, "a prefix ('#', '*', '?') must be followed by a dim")
    if body.count("=") == 1 and _NAME.match(body.split("=")[0]):
        body_start += body.index("=") + 1  # "rows=3": the name only documents the size
        body = text[body_start:end]
    if flags.get("variadic"):
        if not _NAME.match(body):
            raise ContractSyntaxError(text, body_start + 1, "'*' must be followed by a name or '_'")
        anonymous = body.startswith("_")
        return Dim(DimKind.VARIADIC, chunk, col, name=None if anonymous else body, broadcast=broadcast, per_leaf=per_leaf)
    if body == "...":
        return Dim(DimKind.VARIADIC, chunk, col, broadcast=broadcast)
    if _NAME.match(body):
        if body.startswith("_"):
            return Dim(DimKind.ANON, chunk, col, broadcast=broadcast)
        return Dim(DimKind.NAMED, chunk, col, expr=Expr.name(body), name=body, broadcast=broadcast, per_leaf=per_leaf)
    if per_leaf:
        raise ContractSyntaxError(text, col, "'?' applies to a named dim, not to a size or an expression")
    expr = _ExprParser(text, body_start, end).parse()
    value = expr.const_value
    if value is not None:
        if value < 0:
            raise ContractSyntaxError(text, col, f"dim size {value} is negative")
        return Dim(DimKind.FIXED, chunk, col, expr=expr, broadcast=broadcast)
    name = expr.as_name
    if name is not None:  # e.g. "(B)" or "B+0"
        return Dim(DimKind.NAMED, chunk, col, expr=expr, name=name, broadcast=broadcast)
    return Dim(DimKind.EXPR, chunk, col, expr=expr, broadcast=broadcast)


@lru_cache(maxsize=4096)
def parse_shape(text: str) -> ShapeSpec:
    """Parse one shape contract. Cached: the same text always gives the same object."""
    if not isinstance(text, str):
        raise TypeError(f"a shape contract is a string, not {type(text).__name__}")
    dims = tuple(_parse_dim(text, s, e) for s, e in _split_dims(text))
    variadic = [i for i, d in enumerate(dims) if d.kind is DimKind.VARIADIC]
    if len(variadic) > 1:
        raise ContractSyntaxError(text, dims[variadic[1]].column, "only one variadic dim ('*name' or '...') is allowed")
    return ShapeSpec(dims, text, variadic[0] if variadic else None)


SCALAR = "()"  # a rank-0 value in a stub signature


def parse_signature(text: str) -> FunctionSignature:
    """Parse a stub signature ``"A B, B C -> A C"`` (parameters before ``->``, results after)."""
    if text.count("->") != 1:
        col = text.find("->", text.find("->") + 2) + 1 if text.count("->") > 1 else len(text) + 1
        raise ContractSyntaxError(text, col, "a signature needs exactly one '->'")
    arrow = text.index("->")

    def specs(start: int, end: int) -> tuple[ShapeSpec, ...]:
        out: list[ShapeSpec] = []
        part_start = start
        for i in range(start, end + 1):
            if i == end or text[i] == ",":
                piece = text[part_start:i]
                if piece.strip():
                    try:
                        out.append(parse_shape("" if piece.strip() == SCALAR else piece.strip()))
                    except ContractSyntaxError as exc:
                        offset = part_start + (len(piece) - len(piece.lstrip()))
                        raise ContractSyntaxError(text, exc.column + offset, exc.problem) from None
                elif i != end or out:
                    raise ContractSyntaxError(text, i + 1, "empty contract between commas")
                part_start = i + 1
        return tuple(out)

    return FunctionSignature(specs(0, arrow), specs(arrow + 2, len(text)), text)
