"""The ``check`` decorator: contracts from annotations, enforced by beartype probes.

``off`` (at decoration time) returns the function itself. Otherwise the wrapper is written
by ``fastcall.build_wrapper``: a positional eager call of NumPy arrays or EagerTensors is
checked inline there. Every other call takes the general path defined here: it pushes a
fresh :class:`CallState`, runs the beartype argument probe (validators bind dims and raise
:class:`ShapeContractError`), checks deferred expression dims, in ``strict`` mode rewrites
symbolic tensors through graph-time checks, calls the function (through AutoGraph when it
is converting), then checks the return value the same way.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar, overload

from beartype.roar import BeartypeCallHintViolation

from shapecheck.contract.annotations import contract_of
from shapecheck.contract.spec import ContractSyntaxError
from shapecheck.runtime import modes
from shapecheck.runtime.autograph import call_inner, mark_do_not_convert
from shapecheck.runtime.containers import Node, UncheckableContract, compile_structure, contracts_in, wrong_type
from shapecheck.runtime.errors import ShapeContractError
from shapecheck.runtime.fastcall import build_wrapper
from shapecheck.runtime.modes import Mode, parse_mode
from shapecheck.runtime.plan import Slot, compile_slot
from shapecheck.runtime.probes import (
    build_argument_probe,
    build_return_check,
    checked_hint,
    int_binding_hint,
    local,
    structure_hint,
    make_validator,
    make_varargs_validator,
)
from shapecheck.runtime.verify import CallState

F = TypeVar("F", bound=Callable[..., Any])
_OFF, _STRICT = Mode.OFF, Mode.STRICT  # module globals: cheaper than Enum attribute lookups per call


class _Compiled:
    """Everything built once per decorated function."""

    __slots__ = (
        "arg_probe", "return_probe", "slots", "nested", "positions", "has_varargs", "return_slot", "return_nested",
        "inline_arguments", "least", "most",
    )

    def __init__(self, func: Callable[..., Any], frame: FrameType | None = None) -> None:
        source = _annotated_function(func)
        qualname = getattr(source, "__qualname__", getattr(source, "__name__", repr(func)))
        hints = _type_hints(source, qualname, frame)
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"shapecheck.check cannot read the signature of {qualname}: {exc}") from exc
        probe_hints: dict[str, Any] = {}
        self.slots: dict[str, Slot] = {}
        self.nested: dict[str, Node] = {}  # parameters whose contracts sit in containers/unions
        self.positions: dict[str, int | None] = {}
        self.has_varargs = False
        dim_names = {n for hint in hints.values() for c in contracts_in(hint) if c.shape is not None for n in c.shape.names()}
        for index, param in enumerate(sig.parameters.values()):
            if param.name not in hints:
                continue
            if hints[param.name] is int and param.name in dim_names and param.kind is not param.VAR_POSITIONAL:
                probe_hints[param.name] = int_binding_hint(qualname, param.name)
                continue
            where = f"parameter {param.name!r}"
            contract = _contract(hints[param.name], qualname, where)
            star = "*" if param.kind is param.VAR_POSITIONAL else "**" if param.kind is param.VAR_KEYWORD else ""
            label = f"argument '{star}{param.name}'"
            positional = param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD)
            if contract is None:
                node = _structure(hints[param.name], qualname, label, param.name, where)
                if node is None:
                    continue
                if star:
                    raise UncheckableContract(
                        f"shapecheck.check: {qualname}: contracts nested in the annotation of {star}{param.name} "
                        "are not supported; annotate each element with a contract instead"
                    )
                self.nested[param.name] = node
                self.positions[param.name] = index if positional else None
                probe_hints[param.name] = structure_hint(node)
                continue
            slot = compile_slot(qualname, label, param.name, (), contract)
            self.slots[param.name] = slot
            if param.kind is param.VAR_POSITIONAL:
                self.has_varargs = True
                validator = make_varargs_validator(slot)
                self.positions[param.name] = index
            else:
                validator = make_validator(slot)
                self.positions[param.name] = index if positional else None
            probe_hints[param.name] = checked_hint(slot, validator)
        self.arg_probe = build_argument_probe(source, sig, probe_hints) if probe_hints else None
        # The inline path (fastcall.py) takes calls passing every contracted parameter, and
        # every parameter without a default, positionally; every parameter must be
        # positional and every checked one a plain contract.
        params = list(sig.parameters.values())
        plain = set(probe_hints) == set(self.slots) and not self.has_varargs
        positional = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
        self.inline_arguments: list[tuple[int, Slot]] | None = (
            [(i, self.slots[p.name]) for i, p in enumerate(params) if p.name in self.slots] if plain and positional else None
        )
        required = sum(1 for p in params if p.default is p.empty)
        self.least = max([required] + [i + 1 for i, p in enumerate(params) if p.name in self.slots])
        self.most = len(params)

        self.return_slot: Slot | None = None
        self.return_nested: Node | None = None
        self.return_probe = None
        if "return" in hints:
            hint = hints["return"]
            contract = _contract(hint, qualname, "the return value")
            if contract is not None:
                self.return_slot = compile_slot(qualname, "return value", None, (), contract)
            else:
                self.return_nested = _structure(hint, qualname, "return value", None, "the return value")
            if self.return_slot is not None or self.return_nested is not None:
                self.return_probe = build_return_check(self.return_slot, self.return_nested)

    @property
    def empty(self) -> bool:
        return self.arg_probe is None and self.return_probe is None


def _tf_function_clone(target: Any) -> Callable[[Callable[..., Any]], Any] | None:
    """``target._clone`` if ``target`` is a ``tf.function`` (its own way to rebuild itself
    around another Python function, with the same signature, jit and AutoGraph settings)."""
    tf = sys.modules.get("tensorflow")
    if tf is None or not isinstance(target, tf.types.experimental.PolymorphicFunction):
        return None
    clone = getattr(target, "_clone", None)
    inner = getattr(target, "python_function", None)
    return clone if callable(clone) and inspect.isfunction(inner) else None


def _annotated_function(func: Callable[..., Any]) -> Callable[..., Any]:
    """The plain function whose annotations hold the contracts.

    ``@check`` over another decorator (``tf.function``, ``functools.wraps`` wrappers) reads
    the annotations of the function underneath but still calls the decorated object.
    """
    if inspect.isfunction(func) or inspect.ismethod(func):
        return func
    inner = getattr(func, "python_function", None)  # tf.function
    if inner is not None and inspect.isfunction(inner):
        return inner
    unwrapped = inspect.unwrap(func)
    return unwrapped if inspect.isfunction(unwrapped) else func


def _type_hints(func: Callable[..., Any], qualname: str, frame: FrameType | None) -> dict[str, Any]:
    """Resolved annotations; string annotations (PEP 563) naming locals of the decorating
    scope are resolved against that scope, as beartype and jaxtyping do."""
    try:
        return typing.get_type_hints(func, include_extras=True)
    except NameError as exc:
        scope = _scope_of(frame)
        if scope is not None:
            try:
                return typing.get_type_hints(func, localns=scope, include_extras=True)
            except Exception:  # noqa: BLE001 - report the first, clearer failure
                pass
        raise TypeError(f"shapecheck.check cannot read the annotations of {qualname}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - malformed annotations
        raise TypeError(f"shapecheck.check cannot read the annotations of {qualname}: {exc}") from exc


def _caller_frame(depth: int) -> FrameType | None:
    try:
        return sys._getframe(depth + 1)
    except ValueError:
        return None


def _scope_of(frame: FrameType | None, limit: int = 8) -> dict[str, Any] | None:
    """Locals of the decorating frame and the frames around it, innermost first.

    A method in a class defined inside a function sees the class body's frame first, then
    the function's: both are needed to resolve its string annotations. Only walked when
    ordinary resolution fails.
    """
    scope: dict[str, Any] = {}
    while frame is not None and limit > 0 and frame.f_locals is not frame.f_globals:
        for key, value in frame.f_locals.items():
            scope.setdefault(key, value)
        frame = frame.f_back
        limit -= 1
    return scope or None


def _contract(hint: Any, qualname: str, where: str) -> Any:
    try:
        return contract_of(hint)
    except ContractSyntaxError as exc:
        exc.add_note(f"in the annotation of {where} of {qualname}")
        raise
    except ValueError as exc:  # e.g. an unknown dtype family
        raise ValueError(f"{qualname}: bad contract in the annotation of {where}: {exc}") from exc


def _structure(hint: Any, qualname: str, label: str, param: str | None, where: str) -> Node | None:
    try:
        return compile_structure(hint, qualname, label, param)
    except ContractSyntaxError as exc:
        exc.add_note(f"in the annotation of {where} of {qualname}")
        raise
    except UncheckableContract:
        raise
    except ValueError as exc:  # e.g. an unknown dtype family
        raise ValueError(f"{qualname}: bad contract in the annotation of {where}: {exc}") from exc


def _type_violation(
    compiled: _Compiled,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> ShapeContractError:
    """A contracted argument had the wrong base type (beartype's ``isinstance`` half failed).

    beartype's own message quotes the value's repr (tensor values included), so the message
    is rebuilt here from the contract: function, argument, expected and actual types.
    """
    qualname = getattr(func, "__qualname__", repr(func))
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except TypeError as exc:
        return ShapeContractError(f"{qualname}: {exc}")
    for name, slot in compiled.slots.items():
        if name in bound.arguments:
            value = bound.arguments[name]
            values = value if slot.label.startswith("argument '*") and isinstance(value, (tuple, dict)) else (value,)
            if isinstance(values, dict):
                values = tuple(values.values())
            for item in values:
                if not (item is None and slot.optional) and not isinstance(item, slot.array_type):
                    return wrong_type(slot, item)
    return ShapeContractError(f"{qualname}: a contracted value has the wrong type")


def _wrap(func: Callable[..., Any], pinned: Mode | None, frame: FrameType | None) -> Callable[..., Any]:
    compiled = _Compiled(func, frame)
    if compiled.empty:
        return func
    arg_probe = compiled.arg_probe
    return_probe = compiled.return_probe
    has_varargs = compiled.has_varargs

    def check_arguments(state: CallState, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Bind and check the arguments (the call's state is ``local.state``)."""
        if has_varargs:
            local.vararg_index = 0
        try:
            arg_probe(*args, **kwargs)  # type: ignore[misc]
            if state.deferred:
                state.resolve_deferred()
        except BeartypeCallHintViolation:
            raise _type_violation(compiled, func, args, kwargs) from None
        except ShapeContractError as error:
            # Drop the checker's own frames (beartype, validators): tracebacks, and
            # AutoGraph's "in user code" listings, end at the checked call.
            raise error.with_traceback(None) from None

    def check_result(state: CallState, result: Any, active: Mode) -> Any:
        if return_probe is None:
            return result
        try:
            return_probe(result, state)
            if state.deferred:
                state.resolve_deferred()
        except ShapeContractError as error:
            raise error.with_traceback(None) from None
        if active is _STRICT and state.symbolic:
            from shapecheck.runtime.graph_checks import rewrite_result

            result = rewrite_result(state, compiled, result)
        return result

    def general(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A call the inline path does not take: pushes a fresh CallState (kept during the
        body: nested checked calls save and restore it), probes, calls, checks the result."""
        active = pinned if pinned is not None else modes.current
        state = CallState()
        guards: list[Any] | None = None
        previous = getattr(local, "state", None)
        local.state = state
        try:
            if arg_probe is not None:
                check_arguments(state, args, kwargs)
                if active is _STRICT and state.symbolic:
                    from shapecheck.runtime.graph_checks import rewrite_arguments

                    args, kwargs, guards = rewrite_arguments(state, compiled, args, kwargs)
                    state.symbolic = None
            # An EagerTensor and no symbolic tensor among the contracted values: no graph is
            # being built, so AutoGraph is not converting. Otherwise ask where the call came
            # from (frames: call_inner, general, the wrapper, its caller).
            if state.eager and not state.graph:
                result = func(*args, **kwargs)
            else:
                result = call_inner(func, args, kwargs, 3)
            if guards:
                from shapecheck.runtime.graph_checks import depend_on

                result = depend_on(result, guards)
            return check_result(state, result, active)
        finally:
            local.state = previous

    def finish(args: tuple[Any, ...], result: Any) -> Any:
        """A return value the inline path did not accept, of a call whose positional
        arguments it did: rebind the arguments, then check the value generally."""
        active = pinned if pinned is not None else modes.current
        state = CallState()
        previous = getattr(local, "state", None)
        local.state = state
        try:
            if arg_probe is not None:
                check_arguments(state, args, {})
            return check_result(state, result, active)
        finally:
            local.state = previous

    checked = build_wrapper(
        func,
        pinned=pinned,
        general=general,
        finish=finish,
        # A container return has no inline check: such functions take the general path.
        arguments=compiled.inline_arguments if compiled.return_nested is None else None,
        result=compiled.return_slot,
        least=compiled.least,
        most=compiled.most,
    )
    mark_do_not_convert(checked)
    checked.__shapecheck_contracts__ = compiled  # type: ignore[attr-defined]
    return checked


@overload
def check(func: F, /) -> F: ...
@overload
def check(*, mode: str | None = None) -> Callable[[F], F]: ...


def check(func: Any = None, /, *, mode: str | None = None) -> Any:
    """Check the shape/dtype contracts in ``func``'s annotations on every call.

    Bare ``@check`` follows the process-wide mode at call time; ``@check(mode="strict")``
    pins one function. If the mode is ``off`` when decorating, ``func`` itself is returned.
    Works on functions, methods (including Keras ``Layer.call``), staticmethods and
    classmethods.
    """
    pinned = parse_mode(mode) if mode is not None else None

    def decorate(target: Any) -> Any:
        return decorate_in_scope(target, pinned, _caller_frame(1))

    if func is None:
        return decorate
    return decorate_in_scope(func, pinned, _caller_frame(1))


def decorate_in_scope(target: Any, pinned: Mode | None, frame: FrameType | None) -> Any:
    """``check`` of ``target``, resolving string annotations in ``frame``'s scope too."""
    try:
        if isinstance(target, (staticmethod, classmethod)):
            return type(target)(decorate_in_scope(target.__func__, pinned, frame))
        if isinstance(target, type):
            raise TypeError(f"shapecheck.check decorates functions and methods (e.g. {target.__name__}.call), not classes")
        if not callable(target):
            raise TypeError(f"shapecheck.check decorates functions and methods, not {type(target).__name__}")
        effective = pinned if pinned is not None else modes.current
        if effective is Mode.OFF:
            return target
        clone = _tf_function_clone(target)
        if clone is not None:
            # @check over @tf.function: check inside a new tf.function with the same
            # settings, so it still binds ``self`` as a method and tf.saved_model still
            # finds it (a plain wrapper around it is neither).
            return clone(_wrap(target.python_function, pinned, frame))
        return _wrap(target, pinned, frame)
    finally:
        del frame  # no reference cycle through the decorating frame
