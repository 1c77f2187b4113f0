"""What one call looked like, as plain hashable data, and the bounded store of calls per function.

A value is described by one of these tuples (``None`` for anything else)::

    ("T", dims, dtype, kind)   a tensor or array: dims are ints or None (unknown at trace time),
                               dtype its name ("float32"), kind "tf" or "np"
    ("S", "tuple"|"list", items)   a sequence of described values
    ("M", ((key, value), ...))     a dict with string keys
    ("I", n)                   a Python int (not bool): may carry a dim size
    ("N",)                     None

Nothing here imports TensorFlow or NumPy: values are read through ``shape``/``dtype``.
The store is JSON round-trippable so the recorded process can hand it to ``shapecheck infer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Desc = tuple[Any, ...] | None

MAX_DEPTH = 3
MAX_ITEMS = 16


def _dtype_name(value: Any) -> str:
    dtype = value.dtype
    name = getattr(dtype, "name", dtype)
    return name if isinstance(name, str) else str(name)


def _dims(shape: Any) -> tuple[int | None, ...] | None:
    try:
        dims = tuple(shape)
    except TypeError:  # a TensorShape of unknown rank
        return None
    out: list[int | None] = []
    for d in dims:
        d = getattr(d, "value", d)  # TF1-style Dimension
        out.append(None if d is None else int(d))
    return tuple(out)


def rank_of(value: Any, depth: int = 0) -> object:
    """The part of a value's structure sampling must never skip, cheaply (no dims, no dtype): a
    rank, the ranks inside a tuple or list, ``None`` for anything else."""
    if isinstance(value, (tuple, list)):
        return tuple(rank_of(v, depth + 1) for v in value) if depth < MAX_DEPTH and len(value) <= MAX_ITEMS else None
    shape = getattr(value, "shape", None)
    if shape is None or isinstance(value, type):
        return None
    try:
        return len(shape)
    except (TypeError, ValueError):  # a TensorShape of unknown rank
        return None


def describe(value: Any, depth: int = 0) -> Desc:
    """The description of ``value`` (see the module docstring)."""
    if value is None:
        return ("N",)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return ("I", value)
    cls = type(value)
    if isinstance(value, (tuple, list)):
        if depth >= MAX_DEPTH or len(value) > MAX_ITEMS:
            return None
        return ("S", "tuple" if isinstance(value, tuple) else "list", tuple(describe(v, depth + 1) for v in value))
    if isinstance(value, dict):
        if depth >= MAX_DEPTH or len(value) > MAX_ITEMS or not all(isinstance(k, str) for k in value):
            return None
        return ("M", tuple((k, describe(v, depth + 1)) for k, v in sorted(value.items())))
    if isinstance(value, (str, bytes, float, complex, type)):
        return None
    shape = getattr(value, "shape", None)
    if shape is None or not hasattr(value, "dtype"):
        return None
    dims = _dims(shape)
    if dims is None:
        return None
    kind = "np" if cls.__module__.split(".")[0] == "numpy" else "tf"
    return ("T", dims, _dtype_name(value), kind)


def to_json(desc: Desc) -> Any:
    if desc is None:
        return None
    tag = desc[0]
    if tag == "T":
        return {"t": list(desc[1]), "d": desc[2], "k": desc[3]}
    if tag == "S":
        return {"s": desc[1], "items": [to_json(d) for d in desc[2]]}
    if tag == "M":
        return {"m": {k: to_json(d) for k, d in desc[1]}}
    if tag == "I":
        return {"i": desc[1]}
    return {"none": True}


def from_json(data: Any) -> Desc:
    if data is None:
        return None
    if "t" in data:
        return ("T", tuple(data["t"]), data["d"], data["k"])
    if "s" in data:
        return ("S", data["s"], tuple(from_json(d) for d in data["items"]))
    if "m" in data:
        return ("M", tuple((k, from_json(d)) for k, d in sorted(data["m"].items())))
    if "i" in data:
        return ("I", data["i"])
    return ("N",)


def _structure(desc: Desc) -> Any:
    if desc is None:
        return None
    if desc[0] == "T":
        return ("T", len(desc[1]))
    if desc[0] == "S":
        return ("S", tuple(_structure(d) for d in desc[2]))
    if desc[0] == "M":
        return ("M", tuple((k, _structure(d)) for k, d in desc[1]))
    return desc[0]


@dataclass
class Call:
    """One distinct call: argument descriptions by parameter name, the result, int attributes of ``self``."""

    args: dict[str, Desc]
    result: Desc
    attrs: dict[str, int] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)  # the tests (pytest node ids) that made this call

    def key(self) -> tuple[Any, ...]:
        return (tuple(sorted(self.args.items())), self.result, tuple(sorted(self.attrs.items())))

    def structure(self) -> tuple[Any, ...]:
        """What the call looked like up to sizes: the kind and rank of every value."""
        return (tuple(sorted((k, _structure(v)) for k, v in self.args.items())), _structure(self.result))

    def to_json(self) -> dict[str, Any]:
        return {
            "args": {k: to_json(v) for k, v in self.args.items()},
            "result": to_json(self.result),
            "attrs": dict(self.attrs),
            "tags": sorted(self.tags),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Call:
        return Call(
            {k: from_json(v) for k, v in data["args"].items()},
            from_json(data["result"]),
            {k: int(v) for k, v in data.get("attrs", {}).items()},
            set(data.get("tags", ())),
        )


@dataclass
class FunctionInfo:
    """A wrapped function: where it lives, its parameters, docstring and comments, as seen at import."""

    module: str
    qualname: str
    params: list[str]  # in order, ``self`` excluded
    kind: str = "function"  # "function", "method" or "layer" (a Keras layer's ``call``)
    doc: str = ""
    contracts: dict[str, str] = field(default_factory=dict)  # existing contracts: parameter (or "return") -> spec
    comments: str = ""  # the comments in its source, one a line: they spell shapes too (``# (M, H, W, K)``)

    @property
    def key(self) -> str:
        return f"{self.module}:{self.qualname}"

    @property
    def public(self) -> bool:
        parts = [*self.module.split("."), *self.qualname.split(".")]
        if self.kind == "layer":
            parts = parts[:-1]  # "call" of a public layer class is public
        return not any(p.startswith("_") for p in parts)


MAX_DISTINCT_CALLS = 64
MAX_NEW_STRUCTURES = 16  # past the cap, calls of a new structure (ranks) are still kept, up to this many
MAX_TAGS = 16


@dataclass
class FunctionRecord:
    info: FunctionInfo
    calls_seen: int = 0  # every call that returned, sampled or not
    raised: int = 0  # calls that raised (their values are not evidence)
    distinct: dict[tuple[Any, ...], Call] = field(default_factory=dict)
    dropped: int = 0  # distinct calls beyond the cap
    structures: set[tuple[Any, ...]] = field(default_factory=set)  # of the calls kept
    ranks_seen: set[tuple[Any, ...]] = field(default_factory=set)  # of every call (rank_of its values)

    def new_ranks(self, ranks: tuple[Any, ...]) -> bool:
        """Note the ranks of a call; ``True`` the first time (such a call is described even
        when sampling would skip it: a rank disagreement is never sampled away)."""
        if ranks in self.ranks_seen or len(self.ranks_seen) >= MAX_DISTINCT_CALLS + MAX_NEW_STRUCTURES:
            return False
        self.ranks_seen.add(ranks)
        return True

    def add(self, call: Call, tag: str | None) -> None:
        key = call.key()
        have = self.distinct.get(key)
        if have is None:
            structure = call.structure()
            # past the cap only a call of a new structure is kept: a rank disagreement is never sampled away
            full = len(self.distinct) >= MAX_DISTINCT_CALLS
            if full and (structure in self.structures or len(self.distinct) >= MAX_DISTINCT_CALLS + MAX_NEW_STRUCTURES):
                self.dropped += 1
                return
            self.structures.add(structure)
            self.distinct[key] = have = call
        if tag is not None and len(have.tags) < MAX_TAGS:
            have.tags.add(tag)


@dataclass
class Observations:
    """Every wrapped function and its calls; merged over the processes of one run."""

    functions: dict[str, FunctionRecord] = field(default_factory=dict)
    failed_tags: set[str] = field(default_factory=set)  # tests that failed: their calls are not evidence

    def register(self, info: FunctionInfo) -> FunctionRecord:
        rec = self.functions.get(info.key)
        if rec is None:
            rec = self.functions[info.key] = FunctionRecord(info)
        return rec

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "failed_tags": sorted(self.failed_tags),
            "functions": [
                {
                    "info": vars(r.info),
                    "calls_seen": r.calls_seen,
                    "raised": r.raised,
                    "dropped": r.dropped,
                    "calls": [c.to_json() for c in r.distinct.values()],
                }
                for r in self.functions.values()
            ],
        }

    def merge_json(self, data: dict[str, Any]) -> None:
        self.failed_tags |= set(data.get("failed_tags", ()))
        for entry in data.get("functions", ()):
            rec = self.register(FunctionInfo(**entry["info"]))
            rec.calls_seen += int(entry.get("calls_seen", 0))
            rec.raised += int(entry.get("raised", 0))
            rec.dropped += int(entry.get("dropped", 0))
            for raw in entry.get("calls", ()):
                call = Call.from_json(raw)
                tags = call.tags
                call.tags = set()
                rec.add(call, None)
                rec.distinct.get(call.key(), call).tags |= tags

    def evidence(self, rec: FunctionRecord) -> list[Call]:
        """The calls that count: made outside tests, or by at least one test that did not fail."""
        return [c for c in rec.distinct.values() if not c.tags or c.tags - self.failed_tags]
