"""The generated checking wrapper of one function, with the common call checked inline.

The common eager call passes every argument positionally, each contracted one an
``EagerTensor`` or a ``numpy.ndarray`` (whose dims are always known). For it, the wrapper
that ``check`` returns is one function written at decoration time that reads each
contracted value's dims and dtype, binds named dims to local variables (constants,
positions and expressions baked in), calls the function and checks its return value the
same way. It touches no ``CallState``, thread-local, dict or beartype probe: all of those
serve to report a problem or to handle what this path does not.

Anything else leaves for ``general(args, kwargs)``, which checks the call from the start and
reports what is wrong: another type, a dim that does not match, a keyword argument, a
symbolic tensor under ``tf.function``. A return value the inline check does not accept goes
to ``finish(args, result)``, which rebuilds the call's bindings from the arguments (already
accepted) and checks the value generally. Leaving is always safe: the inline path has no
side effect but learning which dtype keys a slot allows.

Whether a function has an inline path is found by writing it: it has none when a parameter
is not positional, a contract is not a plain one on a parameter or the return value (in a
container, on ``*args``, an ``int`` binding a dim), a dim is broadcastable (``#B``), an
expression uses a name no plain dim before the call binds (the return value's may also use
the return value's own), or an optional value would bind a name of its own.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from shapecheck.runtime import modes
from shapecheck.runtime.autograph import call_converted, from_autograph
from shapecheck.runtime.fastpath import array_classes, expr_source, read_lines
from shapecheck.runtime.modes import Mode
from shapecheck.runtime.plan import EXPR, FIXED, NAMED, Slot, Step


class _NotInline(Exception):
    """This function's contracts need the general path for every call."""


def _takes(array_type: Any, cls: type) -> bool:
    try:
        return issubclass(cls, array_type)
    except TypeError:  # a typing construct, not a class
        return False


class _Writer:
    """Writes the inline checks, tracking which dim names are bound to which locals."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.bound: dict[str, str] = {}  # dim name -> local holding its size
        self.runs: dict[str, str] = {}  # variadic name -> local holding its dims
        self.pending: list[tuple[str, Step, str]] = []  # expressions waiting for names: (tag, step, fail)

    def slot(self, tag: str, slot: Slot, value: str, fail: str, on_eager: str) -> list[str]:
        eager = _takes(slot.array_type, self.env["EAGER"])
        ndarray = _takes(slot.array_type, self.env["NDARRAY"])
        if not (eager or ndarray) or slot.var_broadcast or slot.var_per_leaf:
            raise _NotInline
        lines = read_lines(
            tag, slot, self.env, value=value, fail=fail, on_eager=on_eager, other=None, eager=eager, ndarray=ndarray
        )
        d = f"d{tag}"
        for step in slot.steps:
            if step.broadcast or step.per_leaf:
                raise _NotInline
            if step.kind == FIXED:
                lines += [f"    if {d}[{step.pos}] != {step.size}:", f"        {fail}"]
            elif step.kind == NAMED:
                assert step.name is not None
                lines += self._name(step.name, f"{d}[{step.pos}]", fail, slot.optional)
            elif step.kind == EXPR:
                self.pending.append((tag, step, fail))
        if slot.var_start is not None and slot.var_name is not None:
            end = f"-{slot.var_suffix}" if slot.var_suffix else ""
            run = f"{d}[{slot.var_start}:{end}]"
            local = self.runs.get(slot.var_name)
            if local is not None:
                lines += [f"    if {run} != {local}:", f"        {fail}"]
            elif slot.optional:
                raise _NotInline
            else:
                local = self.runs[slot.var_name] = f"r{len(self.runs)}"
                lines += [f"    {local} = {run}"]
        lines += self.ready()
        if slot.optional:
            if any(t == tag for t, _, _ in self.pending):
                raise _NotInline
            lines = [f"    if {value} is not None:"] + ["    " + line for line in lines]
        return lines

    def _name(self, name: str, actual: str, fail: str, optional: bool) -> list[str]:
        local = self.bound.get(name)
        if local is not None:
            return [f"    if {actual} != {local}:", f"        {fail}"]
        if optional:
            raise _NotInline
        local = self.bound[name] = f"n{len(self.bound)}"
        return [f"    {local} = {actual}"]

    def ready(self) -> list[str]:
        """Checks of the pending expressions whose names are all bound now."""
        lines: list[str] = []
        waiting: list[tuple[str, Step, str]] = []
        for tag, step, fail in self.pending:
            assert step.expr is not None
            if not step.expr.names() <= self.bound.keys():
                waiting.append((tag, step, fail))
                continue
            inline = expr_source(step.expr, self.bound)
            if inline is None:  # floor division or modulo: evaluated (None for a zero divisor)
                key = f"EXPR{len(self.env)}"
                self.env[key] = step.expr
                args = ", ".join(f"{n!r}: {self.bound[n]}" for n in sorted(step.expr.names()))
                lines += [f"    e = {key}.evaluate({{{args}}})", f"    if e is None or e != d{tag}[{step.pos}]:", f"        {fail}"]
            else:
                lines += [f"    if {inline} != d{tag}[{step.pos}]:", f"        {fail}"]
        self.pending = waiting
        return lines


def inline_lines(
    arguments: list[tuple[int, Slot]], result: Slot | None, env: dict[str, Any]
) -> tuple[list[str], list[str]] | None:
    """The inline checks of the arguments (``args``) and of the return value (``r``), or
    ``None`` when the contracts need the general path."""
    writer = _Writer(env)
    to_general = "return general(args, kwargs)"
    try:
        before: list[str] = []
        for index, slot in arguments:
            before += [f"    v{index} = args[{index}]"] + writer.slot(str(index), slot, f"v{index}", to_general, "eager = True")
        if writer.pending:
            raise _NotInline
        after: list[str] = []
        if result is not None:
            after = writer.slot("r", result, "r", "return finish(args, r)", "pass")
            if writer.pending:
                raise _NotInline
    except _NotInline:
        return None
    return before, after


def build_wrapper(
    func: Callable[..., Any],
    *,
    pinned: Mode | None,
    general: Callable[[tuple[Any, ...], dict[str, Any]], Any],
    finish: Callable[[tuple[Any, ...], Any], Any],
    arguments: list[tuple[int, Slot]] | None,
    result: Slot | None,
    least: int,
    most: int,
) -> Callable[..., Any]:
    """The checking wrapper of ``func``.

    ``arguments`` are the contracted parameters by position, ``None`` if the signature
    rules out the inline path; calls with ``least`` to ``most`` positional arguments and no
    keyword take it. ``general`` checks a call the inline path leaves; ``finish`` checks a
    return value it leaves, given the call's arguments.
    """
    env: dict[str, Any] = {
        "func": func,
        "general": general,
        "finish": finish,
        "MODES": modes,
        "OFF": Mode.OFF,
        "FROM_AUTOGRAPH": from_autograph,
        "CONVERTED": call_converted,
        "frame": sys._getframe,
        **array_classes(),
    }
    lines = ["def checked(*args, **kwargs):"]
    if pinned is None:  # follows the process-wide mode, read per call
        lines += ["    if MODES.current is OFF:", "        return func(*args, **kwargs)"]
    inline = inline_lines(arguments, result, env) if arguments is not None else None
    if inline is None:
        lines += ["    return general(args, kwargs)"]
    else:
        before, after = inline
        count = f"len(args) != {most}" if least == most else f"not {least} <= len(args) <= {most}"
        lines += [f"    if kwargs or {count}:", "        return general(args, kwargs)", "    eager = False"]
        lines += before
        # AutoGraph converts the function only when its own machinery called this wrapper
        # (see autograph.py); an EagerTensor among the arguments says no graph is built.
        lines += [
            "    if eager or not FROM_AUTOGRAPH(frame(1)):",
            "        r = func(*args)",
            "    else:",
            "        r = CONVERTED(func, args, kwargs)",
        ]
        lines += after + ["    return r"]
    source = "\n".join(lines) + "\n"
    name = getattr(func, "__qualname__", repr(func))
    exec(compile(source, f"<shapecheck wrapper of {name}>", "exec"), env)  # noqa: S102
    checked: Callable[..., Any] = env["checked"]
    functools.update_wrapper(checked, func)
    checked.__shapecheck_source__ = source  # type: ignore[attr-defined]
    return checked
