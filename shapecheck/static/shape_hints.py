"""Shapes people already write in prose: docstrings and ``# (B, H, W, C)`` comments, as soft contracts.

A docstring gives a function contracts when it has no annotation contract of its own:

* ``(B, H, W, C) -> (B*C, H, W, 1)`` (or ``(B, 1, 2, C)`` ... to ... ``(B*C, 2)``) in the
  first paragraph: the first parameter's shape and the return shape;
* Google / NumPy parameter lines, ``imgs: (B, N, N, C) ...`` or ``imgs : array of shape (B, N)``;
* a ``Returns:`` section naming a shape, ``Returns: ... shape (B, P, P, 1)``;
* a parameter named in prose with its shape right after it, ``Average patches ``(K, N, N)``
  at offsets ``(K, 2)``'' or ````shift`` is ``(R,)````;
* a docstring that opens with a shape, ````(G, C)`` groups: ...``, for the return.

A comment at the end of an assignment, ``flat = tf.reshape(...)  # (B*C, M, N, 1)``, is a hint
about the value assigned. A shape tuple is read only when each entry is a dim expression and
at least one names a dim in upper case or is a number (``(dx, dy)`` is not a shape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from shapecheck.contract.spec import ContractSyntaxError, ShapeSpec, parse_shape

HINT_SOURCE = "docstring"

_TUPLE = r"\(\s*[A-Za-z0-9_*+\-/ ]+(?:,\s*[A-Za-z0-9_*+\-/ ]+)*,?\s*\)"
_ARROW = re.compile(rf"`*({_TUPLE})`*\s*(?:->|→)\s*`*({_TUPLE})")
_TO = re.compile(rf"``({_TUPLE})``[^`\n]{{0,40}}\bto\b[^`\n]{{0,40}}``({_TUPLE})``")
_PARAM = re.compile(rf"^\s*\*{{0,2}}(\w+)\s*(?:\([^)\n]*\))?\s*:\s*(?:[^\n(]{{0,60}}?\bshape\s*)?`{{0,2}}({_TUPLE})", re.M)
_RETURNS = re.compile(rf"^\s*Returns?\s*:?\s*\n?(?:[^\n]*\n){{0,3}}?[^\n]*?\bshape\s*`{{0,2}}({_TUPLE})", re.M)
# one entry of a shape in prose: a name or number, or an expression of them (``B*C``, ``N + 2``), no words
_DIM_ENTRY = re.compile(r"^\s*\w+(?:\s*[*+\-/]\s*\w+)*\s*$")
# a shape in backticks opening the docstring: ``(G, C)`` groups ... (what the function returns)
_LEADING = re.compile(rf"^``({_TUPLE})``")
_COMMENT = re.compile(rf"^#\s*(?:shape\s*:?\s*)?({_TUPLE})")
_UPPER_OR_NUMBER = re.compile(r"(?:^|[^A-Za-z0-9_])(?:[A-Z]|\d)")


def shape_of_tuple(text: str) -> ShapeSpec | None:
    """``"(B*C, H, W, 1)"`` as a contract, or None when it does not read as a shape."""
    inner = text.strip()[1:-1].strip().rstrip(",")
    entries = [e.strip() for e in inner.split(",")]
    if not entries or any(not e for e in entries) or not _UPPER_OR_NUMBER.search(inner):
        return None
    try:
        return parse_shape(" ".join(e.replace(" ", "") for e in entries))
    except ContractSyntaxError:
        return None


@dataclass(frozen=True)
class DocContracts:
    params: dict[str, ShapeSpec]
    first_param: ShapeSpec | None
    returns: ShapeSpec | None

    @property
    def empty(self) -> bool:
        return not self.params and self.first_param is None and self.returns is None


def docstring_contracts(fn: cst.FunctionDef) -> DocContracts | None:
    doc = fn.get_docstring(clean=True)
    if not doc or "(" not in doc:
        return None
    first_paragraph = doc.split("\n\n", 1)[0]
    first: ShapeSpec | None = None
    returns: ShapeSpec | None = None
    m = _ARROW.search(first_paragraph) or _TO.search(first_paragraph)
    if m is not None:
        first, returns = shape_of_tuple(m.group(1)), shape_of_tuple(m.group(2))
        if first is None or returns is None:
            first = returns = None
    params: dict[str, ShapeSpec] = {}
    for pm in _PARAM.finditer(doc):
        spec = shape_of_tuple(pm.group(2))
        if spec is not None and pm.group(1) not in ("Returns", "Return", "Yields", "Raises", "Example", "Examples", "Note"):
            params.setdefault(pm.group(1), spec)
    rm = _RETURNS.search(doc)
    if returns is None and rm is not None:
        returns = shape_of_tuple(rm.group(1))
    names = [p.name.value for p in (*fn.params.params, *fn.params.kwonly_params)]
    for name, spec in _prose_params(doc, names).items():
        params.setdefault(name, spec)
    lead = _LEADING.match(first_paragraph)
    if returns is None and first is None and lead is not None:
        returns = shape_of_tuple(lead.group(1))
    out = DocContracts(params, first, returns)
    return None if out.empty else out


_ARRAY_WORDS = re.compile(r"\b(?:tensors?|arrays?|ndarray|matrix|matrices|vectors?)\b", re.I)


def params_described_as_arrays(fn: cst.FunctionDef) -> frozenset[str]:
    """Parameters whose docstring entry (``name: ...`` / ``name (type): ...``, Google or NumPy
    style) calls them a tensor, array, matrix or vector: for those an ``int`` annotation is not
    the truth ("indices: An `int` tensor of any shape")."""
    doc = fn.get_docstring(clean=True)
    if not doc:
        return frozenset()
    out: set[str] = set()
    for p in (*fn.params.params, *fn.params.kwonly_params):
        name = p.name.value
        m = re.search(rf"^\s*\*{{0,2}}{re.escape(name)}\s*(?:\([^)\n]*\))?\s*:(.*(?:\n[ \t]+\S.*)?)", doc, re.M)
        if m is not None and _ARRAY_WORDS.search(m.group(1)):
            out.add(name)
    return frozenset(out)


def _prose_params(doc: str, names: list[str]) -> dict[str, ShapeSpec]:
    """A parameter named in prose with its shape right after it, the first mention of each:
    ``patches ``(K, N, N)`` at offsets ``(K, 2)``'', ````images (R, H, W, K)````, ````shift`` is ``(R,)````."""
    out: dict[str, ShapeSpec] = {}
    for name in names:
        if name in ("self", "cls"):
            continue
        pattern = rf"(?<![\w.])`{{0,2}}{re.escape(name)}`{{0,2}}\s+(?:is\s+|of\s+shape\s+)?`{{0,2}}({_TUPLE})"
        m = re.search(pattern, doc)
        if m is not None and all(_DIM_ENTRY.match(e) for e in m.group(1).strip()[1:-1].rstrip(", ").split(",")):
            spec = shape_of_tuple(m.group(1))
            if spec is not None:
                out[name] = spec
    return out


def comment_shape(comment: cst.Comment | None) -> ShapeSpec | None:
    """``# (B*C, M, N, 1)`` (optionally followed by prose) as a contract."""
    if comment is None:
        return None
    m = _COMMENT.match(comment.value)
    return shape_of_tuple(m.group(1)) if m is not None else None
