"""Shape arithmetic shared by the op handlers: broadcasting, axes, shape arguments."""

from __future__ import annotations

from dataclasses import dataclass

from shapecheck.contract.expr import Expr
from shapecheck.static.values import (
    Dim,
    Dims,
    IntValue,
    OpaqueSize,
    Sequence_,
    ShapeVector,
    Tensor,
    Value,
    provably_different,
)


def int_of(value: Value | None) -> Expr | None:
    """A value used as a size: a known int, or an opaque size's symbol (``config.N``)."""
    return value.expr if isinstance(value, (IntValue, OpaqueSize)) else None


def const_of(value: Value | None) -> int | None:
    e = int_of(value)
    return e.const_value if e is not None else None


def shape_arg(value: Value | None) -> list[Dim] | None:
    """Dims named by a shape argument: ``(B, 2)``, ``[-1, n]``, ``tf.shape(x)``, ``x.shape[1:]``."""
    if isinstance(value, ShapeVector):
        return list(value.dims) if value.dims is not None else None
    if isinstance(value, Sequence_):
        out: list[Dim] = []
        for item in value.items:
            if isinstance(item, (IntValue, OpaqueSize)):
                out.append(int_of(item))
            elif isinstance(item, ShapeVector) and item.dims is not None and len(item.dims) == 1:
                out.append(item.dims[0])
            elif isinstance(item, Tensor) and item.dims == ():
                out.append(None)
            else:
                out.append(None)
        return out
    if isinstance(value, IntValue):  # a scalar shape: tf.zeros(5)
        return [value.expr]
    return None


def axis_list(value: Value | None) -> list[int] | None:
    """Constant axes: ``1``, ``(1, 2)``, ``[-1]``. None when not all constant."""
    if isinstance(value, IntValue):
        c = value.expr.const_value if value.expr is not None else None
        return [c] if c is not None else None
    if isinstance(value, Sequence_):
        out = []
        for item in value.items:
            c = const_of(item)
            if c is None:
                return None
            out.append(c)
        return out
    return None


def norm_axis(axis: int, rank: int, extra: int = 0) -> int | None:
    """``axis`` in ``range(rank + extra)`` (negative counts from the end), or None if out of range."""
    n = rank + extra
    a = axis + n if axis < 0 else axis
    return a if 0 <= a < n else None


@dataclass
class BroadcastClash:
    axis: int  # counted from the right (-1 is the last dim)
    left: Expr
    right: Expr
    reason: str


def broadcast(a: Dims, b: Dims) -> tuple[Dims, BroadcastClash | None]:
    """NumPy broadcasting of two shapes; a clash is two known dims that are provably different and not 1."""
    if a is None or b is None:
        return None, None
    n = max(len(a), len(b))
    pa = (Expr.const(1),) * (n - len(a)) + a
    pb = (Expr.const(1),) * (n - len(b)) + b
    out: list[Dim] = []
    clash: BroadcastClash | None = None
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x is not None and x.const_value == 1:
            out.append(y)
        elif y is not None and y.const_value == 1:
            out.append(x)
        elif x is None or y is None:
            out.append(y if x is None else x)  # the known side, unless it is 1 (handled above)
        elif x == y:
            out.append(x)
        else:
            reason = provably_different(x, y)
            if reason and clash is None:
                clash = BroadcastClash(i - n, x, y, reason)
            out.append(None)
    return tuple(out), clash


def reshape_dims(total: Dim, target: list[Dim]) -> tuple[Dims, str | None, Dim]:
    """Resolve a reshape target (with at most one ``-1``).

    Returns (dims, error, target_total): ``error`` explains a provable element-count
    mismatch, ``target_total`` is the element count the target asks for (None if unknown).
    """
    minus = [i for i, d in enumerate(target) if d is not None and d.const_value == -1]
    if len(minus) > 1:
        return None, None, None
    known = [d for i, d in enumerate(target) if i not in minus]
    rest: Dim = Expr.const(1)
    for d in known:
        if d is None:
            rest = None
            break
        rest = rest * d
    if not minus:
        if total is not None and rest is not None:
            reason = provably_different(total, rest)
            if reason:
                return tuple(target), reason, rest
        return tuple(target), None, rest
    dims = list(target)
    if total is None or rest is None:
        dims[minus[0]] = None
        return tuple(dims), None, None
    ct, cr = total.const_value, rest.const_value
    if ct is not None and cr is not None:
        if cr == 0 or ct % cr:
            return tuple(dims[: minus[0]]) + (None,) + tuple(dims[minus[0] + 1 :]), f"{ct} elements do not divide into rows of {cr}", rest
        dims[minus[0]] = Expr.const(ct // cr)
        return tuple(dims), None, rest
    q = total // rest
    if q * rest == total and all(isinstance(a, str) for m, _ in q.terms for a, _p in m):
        dims[minus[0]] = q
    else:
        dims[minus[0]] = None
    return tuple(dims), None, rest


def slice_length(dim: Dim, lower: Expr | None, upper: Expr | None, step: int | None, has_lower: bool, has_upper: bool) -> Dim:
    """Length of ``x[lower:upper:step]`` along a dim of size ``dim`` (None when unknown).

    A step of 0 is an error when the code runs; the analyser only says it does not know the length.
    """
    if step is None or step == 0:
        return None
    if step != 1:
        if step < 0:
            if not has_lower and not has_upper:
                return dim
            return None
        base = slice_length(dim, lower, upper, 1, has_lower, has_upper)
        if base is None:
            return None
        cb = base.const_value
        if cb is not None:
            return Expr.const(-(-cb // step))
        return (base + (step - 1)) // step
    lo = lower if has_lower else Expr.const(0)
    hi = upper if has_upper else dim
    if lo is None or hi is None:
        return None
    lo_c, hi_c = lo.const_value, hi.const_value
    dim_c = dim.const_value if dim is not None else None
    if lo_c is not None and lo_c < 0:
        if dim is None:
            return Expr.const(-lo_c) if not has_upper else None
        lo = dim + lo_c
        lo_c = dim_c + lo_c if dim_c is not None else None
    if hi_c is not None and hi_c < 0:
        if dim is None:
            return None
        hi = dim + hi_c
        hi_c = dim_c + hi_c if dim_c is not None else None
    if dim_c is not None:
        if lo_c is not None:
            lo_c = max(0, min(lo_c, dim_c))
        if hi_c is not None:
            hi_c = max(0, min(hi_c, dim_c))
    if lo_c is not None and hi_c is not None:
        return Expr.const(max(0, hi_c - lo_c))
    return hi - lo
