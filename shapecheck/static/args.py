"""Call arguments bound to the parameter names of an op signature or a function."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from shapecheck.static.values import UNKNOWN, Value


@dataclass
class CallArgs:
    positional: list[tuple[Value, cst.BaseExpression]] = field(default_factory=list)
    keywords: dict[str, tuple[Value, cst.BaseExpression]] = field(default_factory=dict)
    has_star: bool = False  # *args or **kwargs: positions beyond the known ones are unknown

    def bind(self, names: tuple[str, ...] | list[str]) -> BoundArgs:
        bound: dict[str, tuple[Value, cst.BaseExpression]] = {}
        for i, item in enumerate(self.positional):
            if i < len(names):
                bound[names[i]] = item
        for key, item in self.keywords.items():
            bound[key] = item
        return BoundArgs(bound, self)


@dataclass
class BoundArgs:
    items: dict[str, tuple[Value, cst.BaseExpression]]
    raw: CallArgs

    def value(self, name: str) -> Value | None:
        item = self.items.get(name)
        return item[0] if item is not None else None

    def get(self, name: str) -> Value:
        item = self.items.get(name)
        return item[0] if item is not None else UNKNOWN

    def node(self, name: str) -> cst.BaseExpression | None:
        item = self.items.get(name)
        return item[1] if item is not None else None

    def has(self, name: str) -> bool:
        return name in self.items
