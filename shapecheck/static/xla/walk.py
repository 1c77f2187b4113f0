"""A read-only walk over libcst trees, several times faster than ``CSTNode.visit``.

``CSTNode.visit`` rebuilds every node it passes (it supports transformers), which costs about
twice the parse itself; the XLA analysis looks at every file of a tree and only reads. This
walks the dataclass fields that hold child nodes (skipping whitespace and punctuation) and
calls ``visit_<Type>``/``leave_<Type>`` methods the same way libcst visitors do: a visit
method returning False skips the node's children.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import libcst as cst

_SKIP_FIELDS = frozenset({
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon", "colon", "equal",
    "dot", "star", "header", "footer", "leading_lines", "lines_after_decorators", "trailing_whitespace",
    "newline", "first_line", "empty_lines", "asynchronous", "whitespace_before_colon",
})
_FIELDS: dict[type, tuple[str, ...]] = {
    # source order: decorators come before the definition they decorate
    cst.FunctionDef: ("decorators", "name", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "bases", "keywords", "body"),
}


_LEAF_TYPES = (cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis, cst.Pass,
               cst.Break, cst.Continue, cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp,
               cst.BaseAugOp, cst.Newline, cst.Comment, cst.EmptyLine)


def _fields(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        if isinstance(node, _LEAF_TYPES):
            names = ()
        else:
            names = tuple(
                f.name for f in dataclasses.fields(node)  # type: ignore[arg-type]
                if f.name not in _SKIP_FIELDS and "whitespace" not in f.name
            )
        _FIELDS[kind] = names
    return names


_IS_NODE: dict[type, bool] = {}


def _is_node_type(kind: type) -> bool:
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)  # ABC check: once per type
    return known


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Child nodes in field order (for defs: name, params, body, then decorators)."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _fields(node)
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                if _is_node_type(type(item)):
                    yield item
        elif _is_node_type(kind):
            yield value


_Plan = tuple["Callable[..., Any] | None", "Callable[..., Any] | None", tuple[str, ...]]
_PLANS: dict[tuple[type, type], _Plan] = {}


def _plan(visitor_type: type, node: cst.CSTNode) -> _Plan:
    """(visit method, leave method, child fields) for one visitor class and one node type."""
    kind = type(node)
    name = kind.__name__
    names = _FIELDS.get(kind)
    if names is None:
        names = _fields(node)
    plan = (getattr(visitor_type, f"visit_{name}", None), getattr(visitor_type, f"leave_{name}", None), names)
    _PLANS[(visitor_type, kind)] = plan
    return plan


def walk(node: cst.CSTNode, visitor: object) -> None:
    """Call ``visitor.visit_<Type>(node)`` / ``leave_<Type>(node)`` over the subtree.

    One dictionary look-up per node (the plan for its type and the visitor's) and no generator:
    this walk is most of the compiled-region facts' cost."""
    _walk(node, visitor, type(visitor))


def _walk(node: cst.CSTNode, visitor: object, visitor_type: type) -> None:
    plan = _PLANS.get((visitor_type, type(node)))
    if plan is None:
        plan = _plan(visitor_type, node)
    visit, leave, names = plan
    if visit is not None and visit(visitor, node) is False:
        return
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                item_kind = type(item)
                known = _IS_NODE.get(item_kind)
                if known or (known is None and _is_node_type(item_kind)):
                    _walk(item, visitor, visitor_type)
        else:
            known = _IS_NODE.get(kind)
            if known or (known is None and _is_node_type(kind)):
                _walk(value, visitor, visitor_type)
    if leave is not None:
        leave(visitor, node)


def iter_nodes(node: cst.CSTNode, prune: tuple[type, ...] = ()) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (pre-order); nodes of the ``prune`` types are yielded, not entered."""
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        if prune and isinstance(cur, prune) and cur is not node:
            continue
        stack.extend(reversed(list(children(cur))))
