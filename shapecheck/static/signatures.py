"""Function signatures as contracts, and SC004 for contract strings that do not parse."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import libcst as cst

from shapecheck import rules
from shapecheck.findings import Finding
from shapecheck.static.annotation_contracts import ContractSyntax, QualName, contract_syntax, dotted, error_position
from shapecheck.static.blocks import child_blocks
from shapecheck.static.parsed import ParsedFile
from shapecheck.contract.spec import ShapeSpec
from shapecheck.static.shape_hints import HINT_SOURCE, docstring_contracts, params_described_as_arrays
from shapecheck.static.summary import FunctionInfo, ParamInfo, role_from_name


def _param_list(fn: cst.FunctionDef) -> Iterator[tuple[cst.Param, str]]:
    ps = fn.params
    for p in ps.posonly_params:
        yield p, "positional"
    for p in ps.params:
        yield p, "positional"
    if isinstance(ps.star_arg, cst.Param):
        yield ps.star_arg, "varargs"
    for p in ps.kwonly_params:
        yield p, "keyword"
    if ps.star_kwarg is not None:
        yield ps.star_kwarg, "varkw"


# Annotations that say a parameter holds a Python value (not a tensor), by their last name part.
PYTHON_VALUE_TYPES = frozenset({"int", "float", "bool", "str", "bytes", "tuple", "list", "dict", "Sequence",
                                "Tuple", "List", "Dict", "Literal", "Iterable", "Mapping"})


def python_type(annotation: cst.BaseExpression) -> str | None:
    """The Python value type an annotation names (``Sequence[int]`` -> "Sequence", ``int | None`` -> "int")."""
    node = annotation.left if isinstance(annotation, cst.BinaryOperation) else annotation
    head = dotted(node.value if isinstance(node, cst.Subscript) and node is annotation else node)
    last = head.rsplit(".", 1)[-1] if head is not None else None
    return last if last in PYTHON_VALUE_TYPES else None


_NUMBERS = frozenset({"int", "float", "bool", "complex"})
_NUMBER_SEQUENCES = frozenset({"tuple", "list", "Sequence", "typing.Sequence", "collections.abc.Sequence"})


def _numbers_annotation(node: cst.BaseExpression) -> tuple[str, int] | None:
    """A Python number (``int``, ``float``, ``bool``, ``complex``: rank 0) or a sequence of one
    number type (``tuple[int, ...]``, ``list[float]``, ``Sequence[int]``: rank 1), as (its text, its
    highest rank); None for anything else."""
    if isinstance(node, cst.Name) and node.value in _NUMBERS:
        return node.value, 0
    if isinstance(node, cst.Subscript) and dotted(node.value) in _NUMBER_SEQUENCES:
        items = [el.slice.value for el in node.slice if isinstance(el.slice, cst.Index)]
        numbers = [i for i in items if isinstance(i, cst.Name) and i.value in _NUMBERS]
        rest = [i for i in items if not (isinstance(i, cst.Name) and i.value in _NUMBERS)]
        if numbers and all(isinstance(i, cst.Ellipsis) for i in rest) and len({n.value for n in numbers}) == 1:  # type: ignore[attr-defined]
            return cst.Module([]).code_for_node(node), 1
    return None


def function_info(qualname: str, fn: cst.FunctionDef, is_method: bool, resolve: QualName,
                  shape_hints: bool = True) -> FunctionInfo:
    params: list[ParamInfo] = []
    roles: dict[str, str] = {}
    is_static = any(dotted(d.decorator) == "staticmethod" for d in fn.decorators)
    numbered = any(p.annotation is not None and _numbers_annotation(p.annotation.annotation) for p, _k in _param_list(fn))
    arrays = params_described_as_arrays(fn) if numbered else frozenset()
    for i, (p, kind) in enumerate(_param_list(fn)):
        syntax = contract_syntax(p.annotation.annotation, resolve) if p.annotation is not None else None
        spec = syntax.spec if syntax is not None else None
        name = p.name.value
        params.append(
            ParamInfo(
                name,
                kind,
                spec,
                optional=bool(syntax and syntax.optional),
                has_default=p.default is not None,
                python_type=python_type(p.annotation.annotation) if p.annotation is not None else None,
                numbers=_numbers_annotation(p.annotation.annotation) if p.annotation is not None and name not in arrays else None,
            )
        )
        role = role_from_name(name)
        if role and spec is not None:
            roles[name] = role
    returns = None
    returns_optional = False
    returns_tuple = None
    if fn.returns is not None:
        syntax = contract_syntax(fn.returns.annotation, resolve)
        if syntax is not None:
            returns, returns_optional = syntax.spec, syntax.optional
        else:
            returns_tuple = _tuple_contracts(fn.returns.annotation, resolve)
    method = is_method and not is_static and bool(params) and params[0].kind == "positional"
    info = FunctionInfo(qualname, tuple(params), returns, returns_optional, method, roles, returns_tuple=returns_tuple)
    return with_docstring_contracts(info, fn) if shape_hints else info


def with_docstring_contracts(info: FunctionInfo, fn: cst.FunctionDef) -> FunctionInfo:
    """``info`` (read from ``fn``'s annotations), or, for a function with no annotation at all, the
    contracts its docstring spells (soft: findings say so)."""
    if info.has_contract or fn.returns is not None or any(p.annotation is not None for p, _k in _param_list(fn)):
        return info
    return _docstring_contracts(info, fn) or info


def _docstring_contracts(info: FunctionInfo, fn: cst.FunctionDef) -> FunctionInfo | None:
    doc = docstring_contracts(fn)
    if doc is None:
        return None
    params = list(info.params)
    first = 1 if info.is_method else 0
    for i, p in enumerate(params):
        spec = doc.params.get(p.name)
        if spec is None and i == first and p.kind == "positional":
            spec = doc.first_param
        if spec is not None:
            params[i] = replace(p, spec=spec)
    roles = {**info.roles, **{p.name: r for p in params if p.spec is not None and (r := role_from_name(p.name))}}
    return replace(info, params=tuple(params), returns=doc.returns, roles=roles, hint=HINT_SOURCE)


def _tuple_contracts(annotation: cst.BaseExpression, resolve: QualName) -> tuple[ShapeSpec | None, ...] | None:
    """``tuple[Float32[T, "B N"], Float32[T, "B"]]`` → one spec per element (no ``...`` form)."""
    if not isinstance(annotation, cst.Subscript):
        return None
    head = dotted(annotation.value)
    if head not in ("tuple", "Tuple", "typing.Tuple", "typing.tuple"):
        return None
    items = [el.slice.value for el in annotation.slice if isinstance(el.slice, cst.Index)]
    if not items or any(isinstance(i, cst.Ellipsis) for i in items):
        return None
    specs: list[ShapeSpec | None] = []
    for item in items:
        syntax = contract_syntax(item, resolve)
        specs.append(syntax.spec if syntax is not None else None)
    return tuple(specs) if any(s is not None for s in specs) else None


def iter_annotations(module: cst.Module) -> Iterator[cst.BaseExpression]:
    """Every annotation expression: parameters, returns, annotated assignments, at any depth."""
    yield from _annotations_in(module.body)


def _annotations_in(body: tuple[cst.CSTNode, ...] | list[cst.CSTNode]) -> Iterator[cst.BaseExpression]:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign):
                    yield small.annotation.annotation
            continue
        if isinstance(stmt, cst.FunctionDef):
            for p, _kind in _param_list(stmt):
                if p.annotation is not None:
                    yield p.annotation.annotation
            if stmt.returns is not None:
                yield stmt.returns.annotation
        for block in child_blocks(stmt):
            yield from _annotations_in(block)


def _has_contract_text(source: str) -> bool:
    return "[" in source and ('"' in source or "'" in source)


def malformed_contracts(parsed: ParsedFile) -> list[Finding]:
    """SC004: each annotation whose contract string does not parse, at the offending column."""
    if not _has_contract_text(parsed.source):
        return []
    out: list[Finding] = []
    for ann in iter_annotations(parsed.module):
        syntax = _syntax_with_errors(ann, parsed.qualname)
        for s in syntax:
            line, col, _el, _ec = parsed.position(s.node)
            eline, ecol = error_position(s, line, col)
            assert s.error is not None
            message = f"malformed shape contract {s.text!r}: {s.error.problem} (column {s.error.column} of the contract)"
            caret = " " * (s.error.column - 1) + "^"
            out.append(
                rules.get("SC004").finding(
                    parsed.path, eline, ecol, message,
                    notes=(f"contract: {s.text}", f"          {caret}", "the contract is ignored until it parses"),
                )
            )
    return out


def _syntax_with_errors(ann: cst.BaseExpression, resolve: QualName) -> list[ContractSyntax]:
    found: list[ContractSyntax] = []
    syntax = contract_syntax(ann, resolve)
    if syntax is not None and syntax.error is not None:
        found.append(syntax)
    elif syntax is None and isinstance(ann, cst.Subscript):
        # contracts nested in containers: tuple[Float32[...], Float32[...]], list[...]
        for el in ann.slice:
            if isinstance(el.slice, cst.Index):
                found.extend(_syntax_with_errors(el.slice.value, resolve))
    elif syntax is None and isinstance(ann, cst.BinaryOperation):
        found.extend(_syntax_with_errors(ann.left, resolve))
        found.extend(_syntax_with_errors(ann.right, resolve))
    return found


def collect_functions(parsed: ParsedFile, shape_hints: bool = True) -> dict[str, FunctionInfo]:
    """Every function's contracts (with ``shape_hints``, an unannotated one's docstring shapes too),
    from the file's model (a fresh dict each call: the summary replaces entries in its copy)."""
    return dict(parsed.model.contracts(shape_hints))
