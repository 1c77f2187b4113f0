"""Variable bindings of the shape interpreter, with branches that cost what they change.

A branch (an ``if`` arm, a loop body, a ``try`` handler, a closure's call) runs in a
:meth:`Env.child`: writes go to the child, reads fall back to the parent. Joining the
branches back (:func:`join_branches`) looks only at the names some branch wrote, so the
cost of a branch is the size of its body, not the number of names in scope: one function
of ``n`` statements is analysed in time linear in ``n``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from shapecheck.static.values import Value, join


class Env:
    """Names to values; a child sees its parent's names and shadows them with its own writes."""

    __slots__ = ("vars", "parent")

    def __init__(self, parent: Env | None = None, values: Mapping[str, Value] | None = None) -> None:
        self.vars: dict[str, Value] = dict(values) if values else {}
        self.parent = parent

    def child(self, values: Mapping[str, Value] | None = None) -> Env:
        return Env(self, values)

    def get(self, key: str, default: Value | None = None) -> Value | None:
        env: Env | None = self
        while env is not None:
            v = env.vars.get(key)
            if v is not None:
                return v
            env = env.parent
        return default

    def __getitem__(self, key: str) -> Value:
        v = self.get(key)
        if v is None:
            raise KeyError(key)
        return v

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __setitem__(self, key: str, value: Value) -> None:
        self.vars[key] = value

    def items(self) -> Iterator[tuple[str, Value]]:
        """Every visible binding (the innermost one per name); costs the whole chain, use sparingly."""
        seen: set[str] = set()
        env: Env | None = self
        while env is not None:
            for k, v in env.vars.items():
                if k not in seen:
                    seen.add(k)
                    yield k, v
            env = env.parent


def join_branches(base: Env, branches: Iterable[Env]) -> None:
    """Write into ``base`` what is known after one of ``branches`` (children of ``base``) ran.

    A name written on some paths only keeps what is known on the paths that wrote it and
    the value in ``base`` (if any) on the others, as before.
    """
    arms = list(branches)
    written: set[str] = set()
    for arm in arms:
        written.update(arm.vars)
    for key in written:
        value: Value | None = None
        for arm in arms:
            v = arm.get(key)
            if v is None:
                continue
            value = v if value is None else join(value, v)
        if value is not None:
            base[key] = value
