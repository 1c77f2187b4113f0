"""Checking one value against one compiled slot, with the bindings of the current call.

A :class:`CallState` holds the dims bound by one call of one checked function. Dims seen as
``None`` (symbolic tensors while tracing) are *unknown*: they bind nothing definite, are
never a reason for an error, and later sightings with a known size refine them. Expression
dims whose operands are not yet bound are deferred and checked once every argument has been
seen (order-independent), still within the call.
"""

from __future__ import annotations

from typing import Any

from shapecheck.runtime.arrays import (
    FAST_READERS,
    Dims,
    NoShapeError,
    dtype_name,
    fast_tf_eager,
    fast_tf_graph,
    learn_fast_reader,
    ragged_axes,
    shape_of,
    uniform_ragged_dims,
)
from shapecheck.contract.expr import solve_linear
from shapecheck.runtime.errors import ShapeContractError, build_message, format_binding, format_dims
from shapecheck.runtime.hints import layout_hint, products_equal_to
from shapecheck.runtime.plan import FIXED, NAMED, Slot, Step

_MISSING: Any = object()


class CallState:
    """Bindings of one checked call (one per call and thread; nested calls get their own)."""

    # Rarely used fields default at class level, so a call that binds only a few dims
    # pays for three small dicts and nothing else.
    deferred: list[tuple[Slot, Step, Dims, int]] | None = None
    # (slot, value, dims, element index) of values with unknown dims (strict mode rewrites them)
    symbolic: list[tuple[Slot, Any, Dims | None, int | None]] | None = None
    # name -> (value, axis) where an unknown dim was first seen (strict mode reads tf.shape there)
    dynamic_sources: dict[str, tuple[Any, int]] | None = None
    # name -> (value, axis) of a broadcastable dim (#B) unknown at trace time: it binds the name
    # at run time only when its size is not 1, so strict checks that use it also pass on size 1
    broadcast_sources: dict[str, tuple[Any, int]] | None = None
    graph = False  # a symbolic tf.Tensor was seen: we are inside a graph being traced
    eager = False  # an EagerTensor was seen (and, unless ``graph``, TensorFlow runs eagerly)

    def __init__(self) -> None:
        self.values: dict[str, int | None] = {}
        self.sources: dict[str, tuple[str, int]] = {}
        self.variadics: dict[str, tuple[int | None, ...]] = {}

    # ----- trying one option of a union ----------------------------------------------
    def snapshot(self) -> tuple[Any, ...]:
        return (
            dict(self.values),
            dict(self.sources),
            dict(self.variadics),
            None if self.deferred is None else list(self.deferred),
            None if self.symbolic is None else list(self.symbolic),
            None if self.dynamic_sources is None else dict(self.dynamic_sources),
            None if self.broadcast_sources is None else dict(self.broadcast_sources),
        )

    def restore(self, saved: tuple[Any, ...]) -> None:
        self.values, self.sources, self.variadics = saved[0], saved[1], saved[2]
        self.deferred, self.symbolic, self.dynamic_sources, self.broadcast_sources = saved[3:]

    # ----- messages ------------------------------------------------------------------
    def binding_lines(self) -> list[str]:
        lines = [format_binding(n, v, self.sources.get(n)) for n, v in self.values.items()]
        lines += [format_binding(n, v, self.sources.get("*" + n), variadic=True) for n, v in self.variadics.items()]
        return lines

    def fail(
        self, slot: Slot, value: Any, dims: Dims | None, problem: str, hint: str | None = None, axis: int | None = None
    ) -> ShapeContractError:
        """The error for ``value``; ``axis`` is the failing dim when one is (hints look only there)."""
        if hint is None:
            hint = layout_hint(slot.contract.shape, dims, self.values, self.sources, axis)
        message = build_message(
            function=slot.function,
            label=slot.label,
            contract=slot.contract_text,
            dims=dims,
            dtype=dtype_name(value) if value is not None else None,
            problem=problem,
            bindings=self.binding_lines(),
            hint=hint,
        )
        return ShapeContractError(message)

    # ----- deferred expressions ----------------------------------------------------
    def resolve_deferred(self) -> None:
        """Check expression dims whose operands are now bound; keep the rest for later."""
        pending = self.deferred
        if not pending:
            return
        self.deferred = None
        _solve_pending(self, pending)
        still: list[tuple[Slot, Step, Dims, int]] = []
        for slot, step, dims, axis in pending:
            assert step.expr is not None
            expected = step.expr.evaluate(self.values)
            if expected is None:
                still.append((slot, step, dims, axis))
                continue
            actual = dims[axis]
            if actual is None or actual == expected or (step.broadcast and actual == 1):
                continue
            raise self.fail(
                slot,
                None,
                dims,
                f"dim {axis} is {actual} but {step.text} = {expected} (checked once all arguments were bound)",
            )
        if still:
            self.deferred = still


def _solve_pending(state: CallState, pending: list[tuple[Slot, Step, Dims, int]]) -> None:
    """Bind names that no dim binds directly from expressions in which each is the only
    unknown (``2*N`` against 16 binds N = 8), until nothing more can be solved."""
    progress = True
    while progress:
        progress = False
        for slot, step, dims, axis in pending:
            actual = dims[axis]
            if step.broadcast and actual == 1:
                continue  # a broadcast size 1 binds nothing, not even by solving
            if actual is None or step.expr is None or any(state.values.get(n, _MISSING) is None for n in step.expr.names()):
                continue  # unknown at trace: nothing to solve from, or from a name still unknown
            solved = solve_linear(step.expr, actual, state.values)
            if solved is not None:
                name, value = solved
                state.values[name] = value
                state.sources[name] = (f"{slot.label} dim {axis} (solving {step.text} = {actual})", None)
                progress = True


def _expr_hint(actual: int, state: CallState) -> str | None:
    combos = products_equal_to(actual, state.values)
    return f"{actual} equals the product {' = '.join(combos)} of bound dims" if combos else None


def check_value(value: Any, slot: Slot, state: CallState, element: int | None = None) -> None:
    """Raise :class:`ShapeContractError` if ``value`` breaks ``slot``; bind its named dims."""
    if value is None and slot.optional:
        return
    names = slot.dtype_names
    if names is not None:
        dt = dtype_name(value)
        if dt not in names:
            raise state.fail(
                slot, value, _safe_shape(value), f"dtype {dt} is not allowed (contract wants {slot.dtype_label})"
            )
    cls = type(value)
    reader = FAST_READERS.get(cls) or learn_fast_reader(cls)
    if reader is fast_tf_graph:
        state.graph = True
    elif reader is fast_tf_eager:
        state.eager = True
    try:
        dims = shape_of(value)
    except NoShapeError as exc:
        raise state.fail(slot, None, None, str(exc)) from None
    if dims is None:  # unknown rank: nothing is known, nothing is an error
        _note_symbolic(state, slot, value, dims, element)
        return
    ragged = ragged_axes(value, dims) if None in dims else None
    if ragged:
        dims = uniform_ragged_dims(dims, ragged)
        _check_ragged(state, slot, value, dims, ragged)
    n = len(dims)
    if slot.rank is not None:
        if n != slot.rank:
            raise state.fail(slot, value, dims, f"rank {n}, contract needs rank {slot.rank}")
    elif n < slot.min_rank:
        raise state.fail(slot, value, dims, f"rank {n}, contract needs rank >= {slot.min_rank}")
    values = state.values
    unknown = False
    for step in slot.steps:
        pos = step.pos
        axis = pos if pos >= 0 else n + pos
        actual = dims[axis]
        kind = step.kind
        if kind == NAMED:
            name = step.name
            bound = values.get(name, _MISSING)  # type: ignore[arg-type]
            if actual is None:
                unknown = True
                if step.broadcast:  # may be 1 at run time: only a relaxed binding source
                    if bound is _MISSING:
                        if state.broadcast_sources is None:
                            state.broadcast_sources = {}
                        state.broadcast_sources.setdefault(name, (value, axis))  # type: ignore[arg-type]
                    continue
                if bound is _MISSING:
                    values[name] = None  # type: ignore[index]
                    state.sources[name] = (slot.label, axis)  # type: ignore[index]
                    _note_dynamic(state, name, value, axis)  # type: ignore[arg-type]
            elif step.broadcast and actual == 1:
                continue
            elif bound is _MISSING or bound is None:
                if bound is None or (state.broadcast_sources is not None and name in state.broadcast_sources):
                    # Refines a dim unknown at trace (or a broadcastable one, which must be 1
                    # or this size): strict mode checks the value it was unknown in against
                    # this size at run time (see graph_checks.guard_with_predicates).
                    unknown = True
                values[name] = actual  # type: ignore[index]
                state.sources[name] = (slot.label, axis)  # type: ignore[index]
            elif bound != actual:
                src = state.sources.get(name)  # type: ignore[arg-type]
                where = (f" by {src[0]}" + (f" dim {src[1]}" if src[1] is not None else "")) if src else ""
                raise state.fail(slot, value, dims, f"dim {axis} is {actual} but {name}={bound} (bound{where})", axis=axis)
        elif kind == FIXED:
            if actual is None:
                unknown = True
            elif actual != step.size and not (step.broadcast and actual == 1):
                raise state.fail(slot, value, dims, f"dim {axis} is {actual}, contract needs {step.text}", axis=axis)
        else:  # EXPR
            expr = step.expr
            assert expr is not None
            expected = expr.evaluate(values)
            if actual is None:
                unknown = True
                if expected is None:
                    _defer(state, slot, step, dims, axis)
            elif expected is None:
                _defer(state, slot, step, dims, axis)
                unknown = True  # the expected size may be known only when the graph runs (strict checks it there)
            elif actual != expected and not (step.broadcast and actual == 1):
                raise state.fail(
                    slot, value, dims, f"dim {axis} is {actual} but {step.text} = {expected}", _expr_hint(actual, state)
                )
    if slot.var_start is not None:
        run = dims[slot.var_start : n - slot.var_suffix]
        if None in run:
            unknown = True
        if slot.var_name is not None and _check_variadic(state, slot, value, dims, run):
            unknown = True
    if unknown:
        _note_symbolic(state, slot, value, dims, element)


def _check_ragged(state: CallState, slot: Slot, value: Any, dims: Dims, ragged: dict[int, tuple[int, int]]) -> None:
    """An eager ragged axis with rows of different lengths meets only ``_`` or a variadic run."""
    n = len(dims)
    for step in slot.steps:
        axis = step.pos if step.pos >= 0 else n + step.pos
        if 0 <= axis < n and dims[axis] is None and axis in ragged:
            low, high = ragged[axis]
            raise state.fail(
                slot, value, dims, f"dim {axis} is ragged (rows of lengths {low} to {high}), contract needs {step.text}"
            )


def _check_variadic(state: CallState, slot: Slot, value: Any, dims: Dims, run: Dims) -> bool:
    """Bind or check ``*name``; ``True`` if a known size refined a dim unknown at trace."""
    name = slot.var_name
    assert name is not None and slot.var_start is not None
    bound = state.variadics.get(name)
    if bound is None:
        state.variadics[name] = run
        state.sources["*" + name] = (slot.label, slot.var_start)
        if None in run:
            _note_dynamic(state, "*" + name, value, slot.var_start)
        return False
    if len(bound) != len(run):
        raise state.fail(
            slot, value, dims, f"*{name} spans {len(run)} dims {format_dims(run)} but was bound to {format_dims(bound)}"
        )
    merged: list[int | None] = []
    refined = False
    for a, b in zip(run, bound):
        refined = refined or (b is None and a is not None)
        if a is not None and b is not None and a != b and not (slot.var_broadcast and (a == 1 or b == 1)):
            raise state.fail(slot, value, dims, f"*{name} is {format_dims(run)} but was bound to {format_dims(bound)}")
        merged.append(b if b is not None and not (slot.var_broadcast and b == 1) else a)
    state.variadics[name] = tuple(merged)
    return refined


def _defer(state: CallState, slot: Slot, step: Step, dims: Dims, axis: int) -> None:
    if state.deferred is None:
        state.deferred = []
    state.deferred.append((slot, step, dims, axis))


def _note_symbolic(state: CallState, slot: Slot, value: Any, dims: Dims | None, element: int | None) -> None:
    if state.symbolic is None:
        state.symbolic = []
    state.symbolic.append((slot, value, dims, element))


def _note_dynamic(state: CallState, name: str, value: Any, axis: int) -> None:
    if state.dynamic_sources is None:
        state.dynamic_sources = {}
    state.dynamic_sources.setdefault(name, (value, axis))


def _safe_shape(value: Any) -> Dims | None:
    try:
        return shape_of(value)
    except Exception:  # noqa: BLE001 - only used to enrich a message
        return None
