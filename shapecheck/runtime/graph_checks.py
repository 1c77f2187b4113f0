"""Strict mode: graph-time checks for dims that were unknown (``None``) at trace time.

Only imported when a strict-mode call saw a symbolic tensor, so TensorFlow is already loaded.
``tf.debugging.assert_*`` would be silently dropped under ``jit_compile=True``; these checks
use ops XLA keeps, and the checked tensor is passed on in place of the original so the
checks cannot be pruned:

* ``tf.ensure_shape`` for dims whose expected size is a trace-time constant;
* for dims whose expected size is only known at run time (a dim bound by another argument,
  or an expression of such dims), a ``tf.slice`` from the origin with size = the tensor's
  own shape, except that a mismatching dim's size is ``-2``: the slice fails exactly when
  the dim is wrong and is the identity otherwise (TensorFlow forwards the input buffer).

  Not a ``tf.reshape``: Grappler's arithmetic optimizer assumes every reshape is valid and
  deletes one that provably keeps the rank and all but one dim (measured: a rank-1 check
  vanished; disabling ``arithmetic_optimization`` brought it back).

Every op lives in a name scope ``shapecheck_contract/<function>/<argument>/`` and is named
after the dim it checks (``dim0_must_be_B``), and TensorFlow quotes the node name in the
``InvalidArgumentError`` a failing check raises (graph mode and XLA alike), so the error
says which contract broke.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from shapecheck.contract.expr import Expr
from shapecheck.runtime.arrays import Dims, is_graph_tensor, shape_of
from shapecheck.runtime.containers import replace_at
from shapecheck.runtime.plan import EXPR, FIXED, NAMED, Slot
from shapecheck.runtime.verify import CallState

SCOPE = "shapecheck_contract"
_SUBSTITUTIONS = (("//", "_floordiv_"), ("*", "_x_"), ("+", "_plus_"), ("-", "_minus_"), ("%", "_mod_"), ("#", "bcast_"))
_BAD_CHARS = re.compile(r"[^A-Za-z0-9_.]+")


def op_safe(text: str) -> str:
    """A fragment usable in TensorFlow op and scope names (``B*C`` → ``B_x_C``)."""
    for old, new in _SUBSTITUTIONS:
        text = text.replace(old, new)
    text = _BAD_CHARS.sub("_", text).strip("_")
    if not text or not (text[0].isalnum() or text[0] == "."):
        text = "v" + text
    return text[:120]


def _evaluate(expr: Expr, env: dict[str, Any]) -> Any:
    """Evaluate with ints and scalar tensors mixed; ``None`` if an operand is unavailable."""
    total: Any = 0
    for mono, coeff in expr.terms:
        value: Any = coeff
        for atom, power in mono:
            if isinstance(atom, str):
                base = env.get(atom)
            else:
                num = _evaluate(atom.num, env)
                den = _evaluate(atom.den, env)
                if num is None or den is None:
                    return None
                if isinstance(den, int):
                    if den == 0:
                        return None
                base = num // den if atom.op == "//" else num % den
            if base is None:
                return None
            for _ in range(power):
                value = value * base
        total = total + value
    return total


def _unknown_at_trace(value: Any, axis: int) -> bool:
    dims = shape_of(value)
    return dims is None or axis >= len(dims) or dims[axis] is None


class _Env:
    """Expected dim sizes: trace-time ints, or scalar tensors read from the binding argument."""

    def __init__(self, tf: Any, state: CallState) -> None:
        self.tf = tf
        self.state = state
        self.cache: dict[tuple[int, int], Any] = {}
        self.relaxed: list[Any] = []  # size-1 tests of broadcast sources used by the expectation in hand

    def dynamic(self, value: Any, axis: int) -> Any:
        key = (id(value), axis)
        if key not in self.cache:
            self.cache[key] = self.tf.shape(value, out_type=self.tf.int32)[axis]
        return self.cache[key]

    def name(self, name: str, here: tuple[Any, int]) -> Any:
        bound = self.state.values.get(name)
        if isinstance(bound, int):
            return bound
        src = (self.state.dynamic_sources or {}).get(name)
        if src is None:
            src = (self.state.broadcast_sources or {}).get(name)
            if src is None or (src[0] is here[0] and src[1] == here[1]):
                return None
            size = self.dynamic(*src)
            self.relaxed.append(self.tf.equal(size, 1))  # size 1 binds nothing: the check must pass
            return size
        if src[0] is here[0] and src[1] == here[1]:
            return None
        return self.dynamic(*src)

    def unknown_source(self, name: str, here: tuple[Any, int]) -> Any:
        """The run-time size of the dim that bound ``name`` while unknown at trace (``None``
        if there is none, or it is ``here``). A broadcastable dim unknown at trace counts too
        when nothing else did: it must have this size or 1 (the test of 1 is added to
        :attr:`relaxed`)."""
        src = (self.state.dynamic_sources or {}).get(name)
        relaxed = src is None
        if relaxed:
            src = (self.state.broadcast_sources or {}).get(name)
        if src is None or (src[0] is here[0] and src[1] == here[1]) or not _unknown_at_trace(*src):
            return None
        size = self.dynamic(*src)
        if relaxed:
            self.relaxed.append(self.tf.equal(size, 1))
        return size

    def mapping(self, expr: Expr, here: tuple[Any, int]) -> dict[str, Any]:
        return {n: self.name(n, here) for n in expr.names()}


Predicate = tuple[Any, str]  # (scalar bool tensor, op name)


def guard_with_predicates(
    state: CallState, slot: Slot, value: Any, dims: Dims | None, env: _Env | None = None
) -> tuple[Any, list[Predicate], str]:
    """The checked tensor, the run-time predicates it enforces, and its name scope."""
    tf = sys.modules["tensorflow"]
    if not is_graph_tensor(value):
        return value, [], ""
    env = env or _Env(tf, state)
    short = slot.function.rsplit("<locals>.", 1)[-1]  # "outer.<locals>.Layer.call" -> "Layer.call"
    scope = f"{SCOPE}/{op_safe(short)}/{op_safe(slot.label.replace('argument', 'arg'))}/"
    if dims is None:
        if slot.rank is None:
            return value, [], scope
        with tf.name_scope(scope):
            return tf.ensure_shape(value, [None] * slot.rank, name=f"rank_must_be_{slot.rank}"), [], scope
    static: list[int | None] = list(dims)
    # (axis, expected scalar, size 1 allowed, dim text, conditions under which it holds anyway)
    dynamic: list[tuple[int, Any, bool, str, list[Any]]] = []
    n = len(dims)

    def expect(axis: int, expected: Any, broadcast: bool, text: str) -> None:
        relaxed, env.relaxed = env.relaxed, []  # gathered while ``expected`` was evaluated
        if expected is None:
            return
        if isinstance(expected, int) and dims[axis] is not None:
            return  # both sides known at trace time: already checked there
        if isinstance(expected, int) and not broadcast:
            static[axis] = expected
        else:
            dynamic.append((axis, expected, broadcast, text, relaxed))

    for step in slot.steps:
        axis = step.pos if step.pos >= 0 else n + step.pos
        here = (value, axis)
        if dims[axis] is not None and step.kind != EXPR:
            # A known dim against a constant, or a name known at trace, was settled then; a
            # name first seen unknown elsewhere is checked against that dim at run time.
            if step.kind == NAMED:
                assert step.name is not None
                expect(axis, env.unknown_source(step.name, here), step.broadcast, step.text)
            continue
        if step.kind == FIXED:
            expect(axis, step.size, step.broadcast, step.text)
        elif step.kind == NAMED:
            assert step.name is not None
            expect(axis, env.name(step.name, here), step.broadcast, step.text)
        elif step.kind == EXPR:
            assert step.expr is not None
            expect(axis, _evaluate(step.expr, env.mapping(step.expr, here)), step.broadcast, step.text)
    if slot.var_name is not None and slot.var_start is not None:
        bound = state.variadics.get(slot.var_name, ())
        src = (state.dynamic_sources or {}).get("*" + slot.var_name)
        for j, b in enumerate(bound):
            axis = slot.var_start + j
            if axis >= n - slot.var_suffix:
                continue
            text = f"{slot.var_name}[{j}]"
            if dims[axis] is not None:
                if src is not None and _unknown_at_trace(src[0], src[1] + j) and not (src[0] is value and src[1] == slot.var_start):
                    expect(axis, env.dynamic(src[0], src[1] + j), slot.var_broadcast, text)
            elif b is not None:
                expect(axis, b, slot.var_broadcast, text)
            elif src is not None and not (src[0] is value and src[1] == slot.var_start):
                expect(axis, env.dynamic(src[0], src[1] + j), slot.var_broadcast, text)
    if not dynamic and static == list(dims):
        return value, [], scope
    checked = value
    predicates: list[Predicate] = []
    with tf.name_scope(scope):
        if static != list(dims):
            wanted = "x".join("N" if d is None else str(d) for d in static)
            # Also as predicates, used only if the function never reads this argument (see
            # depend_on); otherwise they are dead ops and pruned.
            shape = tf.shape(value, out_type=tf.int32)
            for axis, (want, had) in enumerate(zip(static, dims)):
                if want is not None and had is None:
                    predicates.append((tf.equal(shape[axis], want), f"dim{axis}_must_be_{want}"))
            checked = tf.ensure_shape(checked, static, name=f"shape_must_be_{wanted}")
        for axis, expected, broadcast, text, relaxed in dynamic:
            sizes = tf.unstack(tf.shape(checked, out_type=tf.int32), num=n)
            actual = sizes[axis]
            ok = tf.equal(actual, expected)
            if broadcast:
                ok = tf.logical_or(ok, tf.equal(actual, 1))
            for holds_anyway in relaxed:
                ok = tf.logical_or(ok, holds_anyway)
            sizes[axis] = tf.where(ok, actual, tf.constant(-2, tf.int32))
            name = f"dim{axis}_must_be_{op_safe(text)}"
            checked = tf.slice(checked, tf.zeros([n], tf.int32), tf.stack(sizes), name=name)
            predicates.append((ok, name))
    checked.set_shape(tf.TensorShape(static))
    return checked, predicates, scope


def rewrite_arguments(
    state: CallState, compiled: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any], list[Any]]:
    """Arguments with every symbolic contracted tensor replaced by its checked version.

    Also returns the checked tensors, so the caller can make the function's outputs depend
    on them: an argument the function never reads (or one inside a container that cannot be
    rebuilt) would otherwise have its check pruned.
    """
    new_args = list(args)
    new_kwargs = dict(kwargs)
    guards: list[Guard] = []
    env = _Env(sys.modules["tensorflow"], state)
    for slot, value, dims, element in state.symbolic or ():
        checked, predicates, scope = guard_with_predicates(state, slot, value, dims, env)
        if checked is value or slot.param is None:
            continue
        guards.append((checked, predicates, scope))
        _assert_runs(predicates, scope)
        position = compiled.positions.get(slot.param)
        if slot.label.startswith("argument '**"):
            continue  # **kwargs values: checked at trace time only
        if element is not None and position is not None:
            if position + element < len(new_args):
                new_args[position + element] = checked
            continue
        if position is not None and position < len(new_args):
            holder, key = new_args, position
        elif slot.param in new_kwargs:
            holder, key = new_kwargs, slot.param  # type: ignore[assignment]
        else:
            continue
        try:
            holder[key] = replace_at(holder[key], slot.path, checked)  # type: ignore[index]
        except (TypeError, KeyError, IndexError):
            pass  # left as it is: depend_on ties the checks to the outputs
    return tuple(new_args), new_kwargs, guards


Guard = tuple[Any, list[Predicate], str]  # (checked tensor, its predicates, its name scope)


def _assert_runs(predicates: list[Predicate], scope: str) -> None:
    """The argument's predicates once more as one stateful ``Assert``.

    The checked tensor only fails when something consumes it: an argument the function
    never reads, reads only in dead code, or whose function returns ``None`` or a Python
    value would have its checks pruned in a graph run without XLA. ``tf.function`` runs
    every stateful op it traced (automatic control dependencies), so this one always runs
    there; under XLA, which ignores ``Assert``, the identity-or-fail ops do the work.
    """
    if not predicates:
        return
    tf = sys.modules["tensorflow"]
    with tf.name_scope(scope):
        oks = [ok for ok, _name in predicates]
        ok = oks[0] if len(oks) == 1 else tf.reduce_all(tf.stack(oks))
        names = " ".join(f"{scope}{name}" for _ok, name in predicates)
        tf.debugging.Assert(ok, [f"shape contract broken: {names}"], name="contract_holds")


def depend_on(result: Any, guards: list[Guard]) -> Any:
    """``result`` re-checked against the predicates of argument checks the function never read.

    A checked argument the function does not consume would be pruned (Grappler drops
    stateless ops reachable only through control edges), so its predicates are applied
    again, as identity-or-fail reshapes of every output tensor, under the argument's scope.
    """
    tf = sys.modules["tensorflow"]
    orphans = [(p, scope) for checked, preds, scope in guards if not _consumed(checked) for p in preds]
    if not orphans:
        return result

    def tie(leaf: Any) -> Any:
        if not is_graph_tensor(leaf):
            return leaf
        # An identity-or-fail slice per predicate. Scalars and tensors of unknown rank are
        # flattened to carry it and reshaped back; others are sliced in place: reshaping
        # back to ``tf.shape(leaf)`` let Grappler substitute the shape a later
        # ``ensure_shape`` promised, so a plain reshape failed before any named check.
        rank = leaf.shape.rank
        flat = rank is None or rank == 0
        out = tf.reshape(leaf, [-1]) if flat else leaf
        size = tf.shape(out, out_type=tf.int32)
        for (ok, name), scope in orphans:
            with tf.name_scope(scope):
                target = tf.where(ok, size, -2 * tf.ones_like(size))
                out = tf.slice(out, tf.zeros_like(size), target, name=name)
        if flat:
            out = tf.reshape(out, tf.shape(leaf, out_type=tf.int32) if rank is None else [])
        out.set_shape(leaf.shape)
        return out

    try:
        return tf.nest.map_structure(tie, result)
    except (TypeError, ValueError):  # a structure tf.nest cannot rebuild: leave it as it is
        return result


def _consumed(tensor: Any) -> bool:
    consumers = getattr(tensor, "consumers", None)
    try:
        return bool(consumers()) if consumers is not None else True
    except Exception:  # noqa: BLE001 - no graph information: assume it is used
        return True


def rewrite_result(state: CallState, compiled: Any, result: Any) -> Any:
    """The return value with its symbolic contracted tensors replaced by checked versions.

    A tensor inside a container that cannot be rebuilt keeps its checks tied to the rest of
    the result (see :func:`depend_on`)."""
    env = _Env(sys.modules["tensorflow"], state)
    orphans: list[Guard] = []
    for slot, value, dims, _element in state.symbolic or ():
        checked, predicates, scope = guard_with_predicates(state, slot, value, dims, env)
        if checked is value:
            continue
        try:
            result = replace_at(result, slot.path, checked)
        except (TypeError, KeyError, IndexError):
            orphans.append((checked, predicates, scope))
    return depend_on(result, orphans) if orphans else result
