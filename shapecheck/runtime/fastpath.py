"""Generated per-slot validators, and the generated lines that read a value's shape and dtype.

The general path (beartype probes, the return check) validates each contracted value with a
small function written once per slot at decoration time: for a slot such as ``float32 "B C"``
it reads the shape and dtype, compares/binds each dim inline against the call's
``CallState`` (constants, names and source tuples baked in) and returns. Anything unusual
(an unknown dim, a mismatch, a broadcast dim, an expression that cannot be evaluated yet, a
variadic run) falls back to the general :func:`check_value` on the same call state, which
re-checks from the start and raises the full :class:`ShapeContractError` message. Falling
back after partial binding is safe: the fast path only ever binds a name to this value's own
dim, exactly as the general path does.

:func:`read_lines` (reading an ``EagerTensor``'s or ndarray's dims and dtype key, checking
dtype and rank) is shared with the whole-call wrapper of ``fastcall.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from shapecheck.contract.expr import Expr
from shapecheck.runtime.arrays import FAST_READERS, dtype_name, fast_tf_eager, fast_tf_graph, learn_fast_reader
from shapecheck.runtime.plan import EXPR, FIXED, NAMED, Slot
from shapecheck.runtime.verify import CallState, check_value

_MISSING = object()


def expr_source(expr: Expr, local_of: dict[str, str]) -> str | None:
    """Python source evaluating a polynomial over names already held in locals, or ``None``
    when the expression has opaque ``//``/``%`` atoms (those use ``Expr.evaluate``)."""
    terms: list[str] = []
    for mono, coeff in expr.terms:
        factors = [str(coeff)] if coeff != 1 or not mono else []
        for atom, power in mono:
            if not isinstance(atom, str):
                return None
            factors += [local_of[atom]] * power
        terms.append("*".join(factors))
    return "(" + " + ".join(terms) + ")" if terms else "0"


class _NeverSeen:
    """Stands in for an array type whose library is not loaded (no value is ever of it)."""


def _common_array_types() -> tuple[type, type]:
    """EagerTensor and numpy.ndarray if their libraries are already loaded (never imports)."""
    eager: type = _NeverSeen
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        try:
            eager = type(tf.constant(0))
        except Exception:  # noqa: BLE001 - e.g. eager execution disabled
            eager = _NeverSeen
    np = sys.modules.get("numpy")
    ndarray = getattr(np, "ndarray", _NeverSeen) if np is not None else _NeverSeen
    return eager, ndarray


def read_lines(
    tag: str,
    slot: Slot,
    env: dict[str, Any],
    *,
    value: str,
    fail: str,
    on_eager: str,
    other: list[str] | None,
    eager: bool = True,
    ndarray: bool = True,
) -> list[str]:
    """Generated lines reading ``value``'s dims into ``d{tag}`` and its dtype key into
    ``k{tag}``, then checking its dtype and (without a variadic run) its rank.

    ``EagerTensor`` and ``numpy.ndarray`` are read inline (each only if ``eager`` /
    ``ndarray``); ``other`` are the lines for any other class (``None``: the statement
    ``fail``, which leaves for the general check). ``on_eager`` is run for an
    ``EagerTensor``. Needs ``EAGER``, ``NDARRAY`` and ``dtype_name`` in ``env``; adds the
    slot's dtype constants.
    """
    d, k = f"d{tag}", f"k{tag}"
    lines = [f"    c = {value}.__class__"]
    if eager:
        lines += [
            "    if c is EAGER:",
            "        try:",
            f"            s = {value}._tensor_shape",  # the TensorShape EagerTensor caches
            f"            {d} = (s if s is not None else {value}.shape)._dims",
            f"            {k} = {value}._datatype_enum()",
            "        except Exception:",  # a TensorFlow without these private attributes
            f"            {fail}",
            f"        {on_eager}",
        ]
    if ndarray:
        lines += [f"    {'elif' if eager else 'if'} c is NDARRAY:", f"        {d} = {value}.shape", f"        {k} = {value}.dtype"]
    lines += ["    else:"] + (other if other is not None else [f"        {fail}"])
    if slot.dtype_names is not None:
        env[f"OK{tag}"] = set()  # dtype keys already seen to be allowed
        env[f"NAMES{tag}"] = slot.dtype_names
        lines += [
            f"    if {k} not in OK{tag}:",
            f"        if {k} is None or dtype_name({value}) not in NAMES{tag}:",
            f"            {fail}",
            "        try:",
            f"            OK{tag}.add({k})",
            "        except TypeError:",  # an unhashable dtype object: learnt anew each time
            "            pass",
        ]
    if slot.contract.shape is not None:
        too_few = f"len({d}) < {slot.min_rank}" if slot.var_start is not None else f"len({d}) != {slot.rank}"
        lines += [f"    if {d} is None or {too_few}:", f"        {fail}"]
    return lines


def array_classes() -> dict[str, Any]:
    """``EAGER``, ``NDARRAY`` and ``dtype_name`` for the environment of generated code."""
    eager, ndarray = _common_array_types()
    return {"EAGER": eager, "NDARRAY": ndarray, "dtype_name": dtype_name}


def build_fast_validator(slot: Slot, local: Any) -> Callable[[Any], bool]:
    """A validator for ``slot`` (returns ``True`` or raises ``ShapeContractError``).

    ``validate(value)`` (as beartype calls it) finds the current CallState in ``local``, the
    thread-local; ``validate.with_state(value, state)`` is given it.
    """

    def slow(value: Any, state: CallState | None) -> bool:
        check_value(value, slot, state if state is not None else CallState())
        return True

    if slot.contract.shape is None or slot.var_start is not None:
        def general(value: Any) -> bool:
            return slow(value, getattr(local, "state", None))

        general.with_state = slow  # type: ignore[attr-defined]
        return general

    env: dict[str, Any] = {
        "local": local,
        "slow": slow,
        "READ": FAST_READERS,
        "learn": learn_fast_reader,
        "GRAPH": fast_tf_graph,
        "EAGER_READ": fast_tf_eager,
        "MISSING": _MISSING,
        **array_classes(),
    }
    # Two entry points with one body: validate(value), as beartype calls it, finds the state
    # in the thread-local; with_state(value, state) is handed it by the checking wrapper.
    headers = {
        "validate": [
            "def validate(value):",
            "    try:",
            "        state = local.state",  # an attribute load: cheaper than getattr with a default
            "    except AttributeError:",
            "        state = None",
            "    if state is None:",
            "        return slow(value, None)",
        ],
        "with_state": ["def with_state(value, state):"],
    }
    lines: list[str] = []
    if slot.optional:
        lines += ["    if value is None:", "        return True"]
    fail = "return slow(value, state)"
    lines += read_lines(
        "",
        slot,
        env,
        value="value",
        fail=fail,
        on_eager="state.eager = True",
        other=[
            "        try:",
            "            read = READ.get(c)",
            "            if read is None:",
            "                read = learn(c)",
            "            if read is GRAPH:",
            "                state.graph = True",
            "            elif read is EAGER_READ:",
            "                state.eager = True",
            "            d, k = read(value)",
            "        except Exception:",
            f"            {fail}",
        ],
    )
    if any(step.kind in (NAMED, EXPR) for step in slot.steps):
        lines += ["    values = state.values", "    sources = state.sources"]
    for k, step in enumerate(slot.steps):
        axis = step.pos
        if step.broadcast:
            lines += [f"    {fail}"]
            break
        if step.kind == FIXED:
            lines += [f"    if d[{axis}] != {step.size}:", f"        {fail}"]
        elif step.kind == NAMED:
            env[f"SRC{k}"] = (slot.label, axis)
            lines += [
                f"    a = d[{axis}]",
                f"    b = values.get({step.name!r}, MISSING)",
                "    if b is MISSING:",
                # a broadcastable dim unknown at trace may have seen the name: strict mode
                # must then check it against this size (the general path notes that)
                "        if a is None or state.broadcast_sources is not None:",
                f"            {fail}",
                f"        values[{step.name!r}] = a",
                f"        sources[{step.name!r}] = SRC{k}",
                "    elif b != a or b is None:",
                f"        {fail}",
            ]
        elif step.kind == EXPR:
            assert step.expr is not None
            names = sorted(step.expr.names())
            local_of = {n: f"n{k}_{i}" for i, n in enumerate(names)}
            inline = expr_source(step.expr, local_of)
            if inline is None:
                env[f"EXPR{k}"] = step.expr
                lines += [f"    e = EXPR{k}.evaluate(values)", "    if e is None:", f"        {fail}"]
            else:
                for n in names:
                    lines += [f"    {local_of[n]} = values.get({n!r})", f"    if {local_of[n]} is None:", f"        {fail}"]
                lines += [f"    e = {inline}"]
            lines += [f"    if e != d[{axis}]:", f"        {fail}"]
    else:
        lines += ["    return True"]
    source = "".join("\n".join(header + lines) + "\n\n" for header in headers.values())
    exec(compile(source, f"<shapecheck validator {slot.function} {slot.label}>", "exec"), env)  # noqa: S102
    validate: Callable[[Any], bool] = env["validate"]
    validate.with_state = env["with_state"]  # type: ignore[attr-defined]
    return validate
