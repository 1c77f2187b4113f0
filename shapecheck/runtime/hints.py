"""Hints for the shape mix-ups that keep recurring (flat vs channel layout, products of dims)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

from shapecheck.contract.spec import DimKind, ShapeSpec
from shapecheck.runtime.arrays import Dims

_MAX_PRODUCT_TERMS = 3


def _known(values: Mapping[str, object]) -> dict[str, int]:
    return {k: v for k, v in values.items() if isinstance(v, int) and not isinstance(v, bool) and v > 1}


def products_equal_to(value: int, values: Mapping[str, object]) -> list[str]:
    """Products of two or three bound dims (each > 1) that equal ``value``: ``["B*C"]``."""
    known = _known(values)
    found: list[str] = []
    names = sorted(known)
    for r in range(2, _MAX_PRODUCT_TERMS + 1):
        for combo in combinations(names, r):
            prod = 1
            for n in combo:
                prod *= known[n]
            if prod == value:
                found.append("*".join(combo))
    return found


def _matches_binding(spec: ShapeSpec, axis: int, actual: int, values: Mapping[str, object]) -> bool:
    """The contract's dim at ``axis`` is a name already bound to exactly ``actual``."""
    if spec.variadic_index is not None or axis >= len(spec.dims):
        return False
    dim = spec.dims[axis]
    return dim.kind is DimKind.NAMED and values.get(dim.name or "") == actual


def _named_positions(spec: ShapeSpec) -> dict[str, int]:
    return {d.name: i for i, d in enumerate(spec.dims) if d.kind is DimKind.NAMED and d.name}


def _earlier_flat_hint(
    spec: ShapeSpec, dims: Dims, values: Mapping[str, object], sources: Mapping[str, tuple[str, int]]
) -> str | None:
    """An earlier argument in flat layout bound ``B`` to ``B*C`` and ``C`` to 1."""
    if len(dims) != len(spec.dims):
        return None
    here = {
        d.name: a
        for d, a in zip(spec.dims, dims)
        if d.kind is DimKind.NAMED and d.name and isinstance(a, int)
    }
    for x, ax in here.items():
        bx = values.get(x)
        if not isinstance(bx, int) or bx == ax:
            continue
        for y, ay in here.items():
            if y != x and values.get(y) == 1 and ay > 1 and ax * ay == bx:
                src = sources.get(x)
                who = src[0] if src else "an earlier argument"
                return (
                    f"flat layout passed where channel layout is required: {who} bound {x}={bx} and {y}=1, "
                    f"but here {x}={ax}, {y}={ay} and {ax}*{ay} = {bx}: {who} looks like flat (B*C, ..., 1)"
                )
    return None


def _batch_ratio_hint(name: str, bound: int, actual: int, binder: str | None) -> str | None:
    """Leading dims that differ by a whole factor: one side flat ``(B*C, ...)``, the other per group ``(B, ...)``.

    This is the case where the factor itself was bound outside this call (e.g. by an enclosing
    layer), so no product of this call's bindings explains it.
    """
    small, large = sorted((bound, actual))
    if small < 1 or large % small or large == small:
        return None
    factor = large // small
    binder = binder or f"the argument that bound {name}"
    flat_side, group_side = (binder, "this one") if bound == large else ("this argument", binder)
    return (
        f"flat layout mixed with per-group layout: {name}={bound} but here {actual}, and {large} = {factor}*{small}: "
        f"{flat_side} looks flat (B*C, ...) while {group_side} is still per group (B, ...); "
        f"convert both to the same layout (e.g. flatten the offsets too) before this call"
    )


def layout_hint(
    spec: ShapeSpec | None,
    dims: Dims | None,
    values: Mapping[str, object],
    sources: Mapping[str, tuple[str, int]] | None = None,
    failing: int | None = None,
) -> str | None:
    """Flat ``(B*C, ...)`` vs channel ``(B, ..., C)`` layout, or a dim equal to a product of bound dims.

    ``failing`` is the axis that broke the contract, when one did: a product hint is only
    ever about that axis (never a dim that matched its own binding)."""
    if spec is None or dims is None or not dims or not spec.dims:
        return None
    earlier = _earlier_flat_hint(spec, dims, values, sources or {})
    if earlier:
        return earlier
    known = _known(values)
    lead_actual = dims[0]
    first = spec.dims[0]
    named = _named_positions(spec)
    if lead_actual is not None and first.kind is DimKind.NAMED and first.name in known:
        batch = known[first.name]
        others = [n for n in named if n != first.name and n in known]
        for other in others:
            if lead_actual == batch * known[other] and lead_actual != batch:
                return (
                    f"flat layout passed where channel layout is required: leading dim {lead_actual} = "
                    f"{first.name}*{other} ({batch}*{known[other]}); convert flat (B*C, ...) to "
                    f"channel layout (B, ..., C) before this call"
                )
        if lead_actual == batch and len(dims) < len(spec.dims) and others:
            missing = ", ".join(f"{o}={known[o]}" for o in others)
            return (
                f"flat layout passed where channel layout is required: rank {len(dims)} with leading dim "
                f"{first.name}={batch} but the contract also needs {missing}"
            )
    if lead_actual is not None and first.kind is DimKind.EXPR and first.expr is not None:
        operands = [n for n in sorted(first.expr.names()) if n in known]
        for n in operands:
            if lead_actual == known[n] and (first.expr.evaluate(known) or -1) != lead_actual:
                return (
                    f"channel layout passed where flat layout is required: leading dim {lead_actual} = {n}, "
                    f"the contract wants {first.text}"
                )
    for axis, actual in enumerate(dims):
        if actual is None or (failing is not None and axis != failing) or _matches_binding(spec, axis, actual, values):
            continue
        combos = products_equal_to(actual, values)
        if combos and axis < len(spec.dims) and spec.dims[axis].text not in combos:
            return f"dim {axis} = {actual} equals the product {' = '.join(combos)} of bound dims"
    if len(spec.dims) and spec.variadic_index is None and len(dims) != len(spec.dims):
        combos = products_equal_to(len(dims), values)
        if combos:
            return f"the rank {len(dims)} equals the product {' = '.join(combos)} of bound dims"
    if lead_actual is not None and first.kind is DimKind.NAMED and first.name in known and lead_actual != known[first.name]:
        source = (sources or {}).get(first.name)
        return _batch_ratio_hint(first.name, known[first.name], lead_actual, source[0] if source else None)
    return None
