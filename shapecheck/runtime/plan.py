"""Contracts compiled once per decorated function into flat per-dim plans.

A :class:`Slot` is one checked position (a parameter, ``*args``, the return value or one
element of a returned tuple). Its ``steps`` say, dim by dim, what to check and where the
dim sits in the actual shape (negative positions count from the end, so a variadic run in
the middle does not need index arithmetic per call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapecheck.contract.annotations import TensorContract
from shapecheck.contract.expr import Expr
from shapecheck.contract.spec import DimKind

FIXED, NAMED, EXPR = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Step:
    kind: int  # FIXED, NAMED or EXPR (anonymous dims compile to nothing)
    pos: int  # index into the actual dims; negative counts from the end
    text: str  # the dim as written, for messages
    name: str | None  # NAMED
    expr: Expr | None  # EXPR (and NAMED/FIXED for reference)
    size: int | None  # FIXED
    broadcast: bool
    per_leaf: bool = False  # "?B": the name is bound per container element (see containers.Leaf)


@dataclass(frozen=True, slots=True)
class Slot:
    function: str  # qualified name of the checked function
    label: str  # "argument 'x'", "return value", "return value [1]"
    param: str | None  # parameter name (None for the return value)
    path: tuple[Any, ...]  # keys from the parameter's (or return) value down to this one; () for itself
    contract: TensorContract
    contract_text: str  # shown in messages
    array_type: Any
    steps: tuple[Step, ...]
    rank: int | None  # exact rank when there is no variadic dim
    min_rank: int
    var_start: int | None  # index where the variadic run starts
    var_suffix: int  # dims after the variadic run
    var_name: str | None
    var_broadcast: bool
    var_per_leaf: bool
    dtype_names: frozenset[str] | None
    dtype_label: str | None
    optional: bool


def compile_slot(function: str, label: str, param: str | None, path: tuple[Any, ...], contract: TensorContract) -> Slot:
    spec = contract.shape
    steps: list[Step] = []
    rank: int | None = None
    min_rank = 0
    var_start: int | None = None
    var_suffix = 0
    var_name: str | None = None
    var_broadcast = False
    var_per_leaf = False
    if spec is not None:
        var_start = spec.variadic_index
        n = len(spec.dims)
        rank = spec.fixed_rank
        min_rank = spec.min_rank
        if var_start is not None:
            var_suffix = n - var_start - 1
            var_dim = spec.dims[var_start]
            var_name = var_dim.name
            var_broadcast = var_dim.broadcast
            var_per_leaf = var_dim.per_leaf
        for i, dim in enumerate(spec.dims):
            if dim.kind in (DimKind.ANON, DimKind.VARIADIC):
                continue
            pos = i if var_start is None or i < var_start else i - n  # after the run: from the end
            if dim.kind is DimKind.FIXED:
                steps.append(Step(FIXED, pos, dim.text, None, dim.expr, dim.size, dim.broadcast))
            elif dim.kind is DimKind.NAMED:
                steps.append(Step(NAMED, pos, dim.text, dim.name, dim.expr, None, dim.broadcast, dim.per_leaf))
            else:
                steps.append(Step(EXPR, pos, dim.text, None, dim.expr, None, dim.broadcast))
    dtype = contract.dtype
    names = dtype.names if dtype is not None else None
    return Slot(
        function=function,
        label=label,
        param=param,
        path=path,
        contract=contract,
        contract_text=contract.text,
        array_type=contract.array_type,
        steps=tuple(steps),
        rank=rank if spec is not None else None,
        min_rank=min_rank,
        var_start=var_start,
        var_suffix=var_suffix,
        var_name=var_name,
        var_broadcast=var_broadcast,
        var_per_leaf=var_per_leaf,
        dtype_names=names,
        dtype_label=dtype.label if dtype is not None else None,
        optional=contract.optional,
    )
