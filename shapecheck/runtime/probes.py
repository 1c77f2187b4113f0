"""beartype-checked probe callables that enforce the contracts of one function.

For a checked function ``f(x, y=1, *, z)`` the argument probe is a generated function with
exactly ``f``'s parameters, whose contracted ones are annotated
``Annotated[array_type, beartype.vale.Is[validator]]`` and whose body does nothing; beartype
decorates it, so beartype binds the arguments and calls the validators. A validator checks
its value against the current call's bindings and raises :class:`ShapeContractError` itself.
The return probe takes the returned value as its one parameter (a ``tuple[...]`` of
contracts for tuple returns).
"""

from __future__ import annotations

import inspect
import itertools
import numbers
import threading
from collections.abc import Callable
from typing import Annotated, Any

from beartype import beartype
from beartype.vale import Is

from shapecheck.runtime.containers import Node, wrong_type
from shapecheck.runtime.errors import ShapeContractError
from shapecheck.runtime.fastpath import build_fast_validator
from shapecheck.runtime.plan import Slot
from shapecheck.runtime.verify import CallState, check_value

# The CallState of the call whose probe is running, per thread (replica threads of
# tf.distribute and user threads each see their own).
local = threading.local()


_validator_ids = itertools.count(1)


def _named(validator: Callable[[Any], bool], what: str) -> Callable[[Any], bool]:
    """Give ``validator`` a name unique to its slot.

    beartype shows ``Is[...]`` validators by their function's name and de-duplicates hints
    (e.g. builtin ``tuple[...]`` return hints) by that text: two validators sharing a name
    would make one function's return be checked against another function's contracts.
    """
    validator.__name__ = validator.__qualname__ = f"shapecheck[{what} #{next(_validator_ids)}]"
    return validator


def _slot_text(slot: Slot) -> str:
    return f"{slot.function} {slot.label} {slot.contract_text}"


def make_validator(slot: Slot) -> Callable[[Any], bool]:
    """The slot's generated fast validator (falls back to the general check by itself)."""
    return _named(build_fast_validator(slot, local), _slot_text(slot))


def make_varargs_validator(slot: Slot) -> Callable[[Any], bool]:
    """``*args`` elements: the element index is counted per call so strict mode can rewrite them."""

    def validate(value: Any) -> bool:
        state = getattr(local, "state", None)
        if state is None:
            state = CallState()
        index = getattr(local, "vararg_index", 0)
        local.vararg_index = index + 1
        check_value(value, slot, state, element=index)
        return True

    return _named(validate, _slot_text(slot))


def int_binding_hint(function: str, name: str) -> Any:
    """``name: int`` where ``name`` is a dim of the function's contracts: the argument's value
    binds that dim (or must equal it, if a tensor bound it first). See contract/SEMANTICS.md."""
    label = f"argument '{name}'"

    def bind(value: Any) -> bool:
        state = getattr(local, "state", None)
        if state is None or isinstance(value, bool) or not isinstance(value, numbers.Integral):
            return True  # not an integer (a tensor, None ...): binds nothing, and is not this check's business
        value = int(value)
        bound = state.values.get(name)
        if bound is None:
            state.values[name] = value
            state.sources[name] = (label, None)
        elif bound != value:
            src = state.sources.get(name)
            where = f" (from {src[0]} dim {src[1]})" if src and src[1] is not None else ""
            raise ShapeContractError(
                f"{function}: {label} is {value} but the dim {name} of its contracts is {bound}{where}"
            )
        return True

    return Annotated[object, Is[_named(bind, f"{function} {label} binds {name}")]]


def structure_hint(node: Node) -> Any:
    """The probe hint of a parameter or return whose contracts sit inside containers/unions:
    the tree walks the whole value itself (types included)."""

    def validate(value: Any) -> bool:
        state = getattr(local, "state", None)
        node.check(value, state if state is not None else CallState(), ())
        return True

    return Annotated[object, Is[_named(validate, f"{node.site.function} {node.site.label}")]]


def checked_hint(slot: Slot, validator: Callable[[Any], bool]) -> Any:
    hint: Any = Annotated[slot.array_type, Is[validator]]
    return hint | None if slot.optional else hint


def _param_source(sig: inspect.Signature, namespace: dict[str, Any]) -> str:
    parts: list[str] = []
    kinds = [p.kind for p in sig.parameters.values()]
    saw_star = False
    for i, p in enumerate(sig.parameters.values()):
        text = p.name
        if p.kind is p.VAR_POSITIONAL:
            text = "*" + p.name
            saw_star = True
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + p.name
        elif p.kind is p.KEYWORD_ONLY and not saw_star:
            parts.append("*")
            saw_star = True
        if p.default is not p.empty:
            key = f"__shapecheck_default_{i}"
            namespace[key] = p.default
            text += f"={key}"
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(kinds) or kinds[i + 1] is not p.POSITIONAL_ONLY):
            parts.append("/")
    return ", ".join(parts)


def build_argument_probe(func: Callable[..., Any], sig: inspect.Signature, hints: dict[str, Any]) -> Callable[..., None]:
    """A beartype-decorated function with ``func``'s parameters and the contract hints."""
    namespace: dict[str, Any] = {}
    source = f"def probe({_param_source(sig, namespace)}):\n    return None\n"
    exec(compile(source, f"<shapecheck probe of {func.__qualname__}>", "exec"), namespace)  # noqa: S102
    probe = namespace["probe"]
    # Binding errors (missing/extra arguments) then name the user's function.
    probe.__code__ = probe.__code__.replace(co_name=func.__name__, co_qualname=func.__qualname__)
    probe.__name__ = func.__name__
    probe.__qualname__ = func.__qualname__
    probe.__module__ = func.__module__
    probe.__annotations__ = dict(hints)
    return beartype(probe)


def build_return_check(slot: Slot | None, node: Node | None) -> Callable[[Any, CallState], None]:
    """The check of a returned value, given the call's state: the slot's validator behind an
    ``isinstance`` (or the container walk). Called directly, not through beartype: for one
    value a beartype probe added only its own call and binding (~0.3 us of an eager call)."""
    if node is not None:

        def check_nested(value: Any, state: CallState) -> None:
            node.check(value, state, ())

        return check_nested
    assert slot is not None
    validate = make_validator(slot).with_state  # type: ignore[attr-defined]
    array_type = slot.array_type
    optional = slot.optional

    def check_return(value: Any, state: CallState) -> None:
        if isinstance(value, array_type):
            validate(value, state)
        elif not (optional and value is None):
            raise wrong_type(slot, value)

    return check_return
