"""Contracts nested in containers and unions: ``tuple[...]``, ``list[...]``, ``dict[str, ...]``,
``Sequence[...]``, ``X | Y`` of contracts, and any nesting of these.

An annotation that carries contracts only inside such a structure compiles to a tree of
:class:`Node` s. The tree is walked once per checked value: every element is checked (not a
sample, as beartype does for containers), named dims bind across all of them and across the
function's other arguments, and each leaf gets a label naming its position
(``argument 'xs' [2]``, ``return value ['logits']``) that appears in errors and in the
names of strict mode's graph checks. Parts of the structure that carry no contract are
checked with beartype (``is_bearable``). A contract nested in a type this module cannot walk
(``Callable[..., X]``, ``Iterator[X]``, a user generic) is refused at decoration time with
:class:`UncheckableContract`: never skipped silently.

Unions are tried in order; the first option that fits wins and keeps its bindings (options
that fail leave no trace in the call's bindings).
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from beartype.door import is_bearable

from shapecheck.contract.annotations import TensorContract, contract_of
from shapecheck.runtime.errors import ShapeContractError
from shapecheck.runtime.plan import Slot, compile_slot
from shapecheck.runtime.verify import CallState, check_value

Path = tuple[Any, ...]


class UncheckableContract(TypeError):
    """A contract sits inside an annotation whose values cannot be walked before the call."""


def type_name(tp: Any) -> str:
    module = getattr(tp, "__module__", "")
    name = getattr(tp, "__qualname__", None) or getattr(tp, "__name__", None) or repr(tp)
    return name if module in ("builtins", "") else f"{module.split('.')[0]}.{name}"


def wrong_type(slot: Slot, value: Any) -> ShapeContractError:
    """A contracted value that is not of the annotation's base type (named, never shown)."""
    return ShapeContractError(
        f"{slot.function}: {slot.label} must be a {type_name(slot.array_type)} with contract "
        f"{slot.contract_text}, got a {type_name(type(value))}"
    )


def position_label(label: str, path: Path) -> str:
    return label + "".join(f" [{key!r}]" for key in path)


@dataclass(frozen=True)
class Site:
    """Where a structure sits: the checked function and the root label."""

    function: str
    label: str

    def fail(self, path: Path, problem: str) -> ShapeContractError:
        return ShapeContractError(f"{self.function}: {position_label(self.label, path)} {problem}")


class Node:
    site: Site

    def check(self, value: Any, state: CallState, path: Path) -> None:
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Leaf(Node):
    site: Site
    slot: Slot  # compiled at path (); per-path copies are cached
    _at: dict[Path, Slot] = field(default_factory=dict, repr=False)

    def at(self, path: Path) -> Slot:
        """The slot for the element at ``path``: its label names the position, and ``?B``
        names are bound per element (as jaxtyping binds them per PyTree leaf)."""
        slot = self._at.get(path)
        if slot is None:
            base = self.slot
            where = "".join(f"[{key!r}]" for key in path)
            steps = tuple(dataclasses.replace(st, name=f"{st.name}{where}") if st.per_leaf else st for st in base.steps)
            var_name = f"{base.var_name}{where}" if base.var_per_leaf and base.var_name else base.var_name
            slot = dataclasses.replace(
                base, label=position_label(base.label, path), path=base.path + path, steps=steps, var_name=var_name
            )
            self._at[path] = slot
        return slot

    def check(self, value: Any, state: CallState, path: Path) -> None:
        slot = self.at(path)
        if value is None and slot.optional:
            return
        if not isinstance(value, slot.array_type):
            raise wrong_type(slot, value)
        check_value(value, slot, state)


@dataclass(frozen=True, eq=False)
class Plain(Node):
    """A part without contracts: beartype decides."""

    site: Site
    hint: Any

    def check(self, value: Any, state: CallState, path: Path) -> None:
        if not is_bearable(value, self.hint):
            raise self.site.fail(path, f"must be {_hint_text(self.hint)}, got a {type_name(type(value))}")


@dataclass(frozen=True, eq=False)
class Items(Node):
    """``tuple[A, B, C]``: exactly these items."""

    site: Site
    items: tuple[Node, ...]

    def check(self, value: Any, state: CallState, path: Path) -> None:
        if not isinstance(value, tuple):
            raise self.site.fail(path, f"must be a tuple, got a {type_name(type(value))}")
        if len(value) != len(self.items):
            raise self.site.fail(path, f"must be a tuple of {len(self.items)} items, got {len(value)}")
        for i, (node, item) in enumerate(zip(self.items, value)):
            node.check(item, state, (*path, i))


@dataclass(frozen=True, eq=False)
class Each(Node):
    """``list[X]``, ``tuple[X, ...]``, ``Sequence[X]``: every element."""

    site: Site
    kind: type
    item: Node

    def check(self, value: Any, state: CallState, path: Path) -> None:
        if not isinstance(value, self.kind) or isinstance(value, (str, bytes)):
            raise self.site.fail(path, f"must be a {type_name(self.kind)}, got a {type_name(type(value))}")
        for i, item in enumerate(value):
            self.item.check(item, state, (*path, i))


@dataclass(frozen=True, eq=False)
class Values(Node):
    """``dict[K, X]``, ``Mapping[K, X]``: every value (keys are checked by beartype)."""

    site: Site
    kind: type
    key: Any
    item: Node

    def check(self, value: Any, state: CallState, path: Path) -> None:
        if not isinstance(value, self.kind):
            raise self.site.fail(path, f"must be a {type_name(self.kind)}, got a {type_name(type(value))}")
        for key, item in value.items():
            if self.key is not Any and not is_bearable(key, self.key):
                raise self.site.fail(path, f"has key {type_name(type(key))}, keys must be {_hint_text(self.key)}")
            self.item.check(item, state, (*path, key))


@dataclass(frozen=True, eq=False)
class AnyOf(Node):
    """``X | Y``: the first option that fits."""

    site: Site
    options: tuple[Node, ...]

    def check(self, value: Any, state: CallState, path: Path) -> None:
        problems: list[str] = []
        for option in self.options:
            saved = state.snapshot()
            try:
                option.check(value, state, path)
                return
            except ShapeContractError as exc:
                state.restore(saved)
                problems.append(str(exc).split("\n", 1)[0])
        listed = "\n".join(f"  option {i + 1}: {p}" for i, p in enumerate(problems))
        raise self.site.fail(path, f"fits none of the {len(self.options)} options of its union:\n{listed}")


def _hint_text(hint: Any) -> str:
    return type_name(hint) if isinstance(hint, type) else repr(hint).replace("typing.", "")


_EACH: dict[Any, type] = {
    list: list,
    cabc.Sequence: cabc.Sequence,
    cabc.MutableSequence: cabc.MutableSequence,
    cabc.Collection: cabc.Collection,
    set: set,
    frozenset: frozenset,
    cabc.Set: cabc.Set,
}
_VALUES: dict[Any, type] = {dict: dict, cabc.Mapping: cabc.Mapping, cabc.MutableMapping: cabc.MutableMapping}


def contracts_in(hint: Any) -> list[TensorContract]:
    """Every contract an annotation carries, at any depth."""
    try:
        contract = contract_of(hint)
    except Exception:  # noqa: BLE001 - malformed parts are reported where they are read
        return []
    if contract is not None:
        return [contract]
    args = hint if isinstance(hint, (list, tuple)) else typing.get_args(hint)
    return [c for a in args if a is not Ellipsis for c in contracts_in(a)]


def mentions_contract(hint: Any) -> bool:
    return bool(contracts_in(hint))


def build(hint: Any, site: Site, compile_leaf: Callable[[TensorContract], Slot]) -> Node | None:
    """The tree checking ``hint``'s nested contracts, or ``None`` if it carries none."""
    if not mentions_contract(hint):
        return None
    contract = contract_of(hint)
    if contract is not None:
        return Leaf(site, compile_leaf(contract))
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)

    def child(h: Any) -> Node:
        node = build(h, site, compile_leaf)
        return node if node is not None else Plain(site, h)

    if origin is Annotated:
        return build(args[0], site, compile_leaf)
    if origin is typing.Union or isinstance(hint, types.UnionType):
        return AnyOf(site, tuple(child(a) for a in args))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return Each(site, tuple, child(args[0]))
        return Items(site, tuple(child(a) for a in args))
    if origin in _EACH and len(args) == 1:
        return Each(site, _EACH[origin], child(args[0]))
    if origin in _VALUES and len(args) == 2:
        return Values(site, _VALUES[origin], args[0], child(args[1]))
    raise UncheckableContract(
        f"shapecheck.check cannot check the contracts inside {_hint_text(hint)} ({site.label} of {site.function}): "
        "only tuple, list, Sequence, set, dict/Mapping and unions are walked; annotate a value the function "
        "receives or returns directly, or check it inside the function"
    )


def compile_structure(hint: Any, function: str, label: str, param: str | None) -> Node | None:
    site = Site(function, label)
    return build(hint, site, lambda contract: compile_slot(function, label, param, (), contract))


def replace_at(container: Any, path: Path, new: Any) -> Any:
    """``container`` with the element at ``path`` replaced by ``new`` (copies along the path).

    Raises ``TypeError`` for a container it cannot rebuild (a user ``Sequence``)."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    child = replace_at(container[key], rest, new)
    if isinstance(container, tuple):
        items = list(container)
        items[key] = child
        return type(container)(*items) if hasattr(container, "_fields") else type(container)(items)
    if isinstance(container, list):
        copy_list = list(container)
        copy_list[key] = child
        return copy_list
    if isinstance(container, dict):
        copy_dict = container.copy()
        copy_dict[key] = child
        return copy_dict
    raise TypeError(f"cannot rebuild a {type_name(type(container))}")
