"""Where a value comes from, per function: Python-static, shape-derived, tensor data, global config.

A provenance is a frozenset of ``Tag``s; the empty set means "Python-static" (literals, static
dims, Python-int arguments). Tags:

- ``shape``: derived from ``tf.shape(x)`` and friends (XLA constant-folds it: fine for constants)
- ``param``: a function argument that may be a tensor (unknown: never reported on its own)
- ``data``: computed from tensor values (``tf.reduce_max(idx)``, ``tf.round(offsets)``)
- ``config``/``env``: read from mutable global configuration / the environment
- ``switch``: a config/env read whose key names XLA or JIT (an XLA on/off switch)
"""

from __future__ import annotations

from dataclasses import dataclass, field

SHAPE = "shape"
PARAM = "param"
DATA = "data"
CONFIG = "config"
ENV = "env"
SWITCH = "switch"


@dataclass(frozen=True)
class Tag:
    """Where a provenance came from: the node that introduced it (positions are resolved only
    when a finding is reported, so clean modules never pay for position metadata)."""

    kind: str
    node_id: int
    node: object = field(compare=False, hash=False, repr=False)


Prov = frozenset[Tag]
STATIC: Prov = frozenset()


def kinds(p: Prov) -> set[str]:
    return {t.kind for t in p}


def of_kind(p: Prov, *wanted: str) -> list[Tag]:
    """Tags of these kinds, in no particular order (sort by position when reporting)."""
    return [t for t in p if t.kind in wanted]


def make_tag(kind: str, node: object) -> Tag:
    return Tag(kind, id(node), node)


def union(*provs: Prov) -> Prov:
    out: set[Tag] = set()
    for p in provs:
        out |= p
    return frozenset(out)


def tensorlike(p: Prov) -> bool:
    """May hold a tensor whose dims can be unknown (an argument or computed tensor data)."""
    return any(t.kind in (PARAM, DATA) for t in p)


def without(p: Prov, *dropped: str) -> Prov:
    return frozenset(t for t in p if t.kind not in dropped)
