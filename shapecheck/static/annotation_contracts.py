"""Reading shape contracts out of annotation *syntax* (the three spellings), without imports.

``Float32[tf.Tensor, "B C"]`` (shapecheck or jaxtyping), ``Annotated[tf.Tensor, Shape("B C")]``
and ``X | None`` / ``Optional[X]`` around either. Names are resolved through the caller's
``qualname`` function (libcst's ``QualifiedNameProvider``), so aliases work; a bare name
that resolves to nothing imported is accepted by its spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import libcst as cst

from shapecheck.contract.annotations import ANNOTATORS, JAXTYPING_ONLY_ANNOTATORS
from shapecheck.contract.spec import ContractSyntaxError, ShapeSpec, parse_shape
from shapecheck.static.imports import dotted_name
from shapecheck.static.literals import string_value

# Dtype annotators of shapecheck (the contract language's own list) and jaxtyping, by their public names.
DTYPE_ANNOTATORS: frozenset[str] = frozenset(ANNOTATORS) | JAXTYPING_ONLY_ANNOTATORS
_ANNOTATOR_MODULES = ("shapecheck", "jaxtyping")

QualName = Callable[[cst.CSTNode], str | None]


@dataclass(frozen=True)
class ContractSyntax:
    """A contract string found in an annotation: its text, node and what it parsed to."""

    text: str
    node: cst.BaseExpression  # the string literal
    dtype: str | None
    optional: bool
    spec: ShapeSpec | None  # None when malformed
    error: ContractSyntaxError | None


dotted = dotted_name  # ``a.b.c`` for a Name/Attribute chain (the one helper, in imports.py)


def _family(annotator: str) -> str | None:
    """The dtype family an annotator checks (None: any dtype, or a jaxtyping family shapecheck lacks)."""
    family = ANNOTATORS.get(annotator)
    return None if family == "any" else family


def _is_annotator(name: str | None) -> str | None:
    if not name:
        return None
    head, _, last = name.rpartition(".")
    if last not in DTYPE_ANNOTATORS:
        return None
    if not head or head.split(".")[0] in _ANNOTATOR_MODULES:
        return last
    return None


def _is_name(name: str | None, wanted: str, modules: tuple[str, ...]) -> bool:
    if not name:
        return False
    head, _, last = name.rpartition(".")
    return last == wanted and (not head or head.split(".")[0] in modules)


def _parse(text: str) -> tuple[ShapeSpec | None, ContractSyntaxError | None]:
    try:
        return parse_shape(text), None
    except ContractSyntaxError as exc:
        return None, exc


def _subscript_items(node: cst.Subscript) -> list[cst.BaseExpression]:
    out: list[cst.BaseExpression] = []
    for el in node.slice:
        if isinstance(el.slice, cst.Index):
            out.append(el.slice.value)
    return out


def contract_syntax(annotation: cst.BaseExpression, qualname: QualName, optional: bool = False) -> ContractSyntax | None:
    """The contract an annotation expression spells, or None if it spells none."""
    node = annotation
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left, right = node.left, node.right
        if isinstance(right, cst.Name) and right.value == "None":
            return contract_syntax(left, qualname, True)
        if isinstance(left, cst.Name) and left.value == "None":
            return contract_syntax(right, qualname, True)
        return None
    if not isinstance(node, cst.Subscript):
        return None
    items = _subscript_items(node)
    text_head = dotted(node.value)
    if any(isinstance(i, (cst.SimpleString, cst.ConcatenatedString, cst.Call)) for i in items):
        head = qualname(node.value) or text_head  # worth resolving imports: may be a contract
    elif text_head and text_head.rpartition(".")[2] in ("Optional", "Union", "Annotated"):
        head = text_head
    else:
        return None
    if _is_name(head, "Optional", ("typing", "typing_extensions")) and len(items) == 1:
        return contract_syntax(items[0], qualname, True)
    if _is_name(head, "Union", ("typing", "typing_extensions")):
        rest = [i for i in items if not (isinstance(i, cst.Name) and i.value == "None")]
        if len(rest) == 1 and len(items) == 2:
            return contract_syntax(rest[0], qualname, True)
        return None
    label = _is_annotator(head)
    if label is not None and len(items) == 2:
        text = string_value(items[1])
        if text is None:
            return None
        spec, err = _parse(text)
        return ContractSyntax(text, items[1], _family(label), optional, spec, err)
    if _is_name(head, "Annotated", ("typing", "typing_extensions")) and items:
        for meta in items[1:]:
            if isinstance(meta, cst.Call):
                callee = qualname(meta.func) or dotted(meta.func)
                if _is_name(callee, "Shape", ("shapecheck",)) and meta.args:
                    text = string_value(meta.args[0].value)
                    if text is None:
                        return None
                    dtype = None
                    for arg in meta.args[1:]:
                        if arg.keyword is not None and arg.keyword.value == "dtype":
                            dtype = string_value(arg.value)
                    spec, err = _parse(text)
                    return ContractSyntax(text, meta.args[0].value, dtype, optional, spec, err)
        return contract_syntax(items[0], qualname, optional)
    return None


def error_position(syntax: ContractSyntax, line: int, col: int) -> tuple[int, int]:
    """1-based (line, col) of a syntax error inside the string literal that starts at (line, col)."""
    assert syntax.error is not None
    node = syntax.node
    if not isinstance(node, cst.SimpleString):
        return line, col
    raw = node.value
    prefix_len = len(node.prefix)
    quote_len = len(node.quote)
    body = raw[prefix_len + quote_len : len(raw) - quote_len]
    offset = syntax.error.column - 1
    if "\\" in body or offset > len(body):  # escapes: do not guess inside the literal
        return line, col
    before = body[:offset]
    newlines = before.count("\n")
    if newlines:
        return line + newlines, len(before) - before.rfind("\n")
    return line, col + prefix_len + quote_len + offset
