"""What the analyser believes about a value: a tensor shape, an integer, a shape vector, a tuple.

Dims are :class:`~shapecheck.contract.Expr` (symbolic, canonical) or ``None`` (unknown).
Names starting with ``$`` are *fresh* symbols (a dim read from a tensor whose size was not
known): they keep equal reads equal, but never prove two dims different.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

import libcst as cst

from shapecheck.contract.expr import Expr

if TYPE_CHECKING:
    from shapecheck.static.env import Env

Dim = Expr | None
Dims = tuple[Dim, ...] | None  # None: rank unknown


# Provenance: where a value came from. An IntValue is a Python constant (a literal, or arithmetic
# on literals) or a trace-time constant (a static dim, ``tf.shape(x)[i]``, which XLA folds); a
# Tensor says it in ``prov``; a dim that is bounded-dynamic inside a compiled region is a fresh
# symbol the analyser registered with its ``DimSource`` (see ``Analyzer.dynamic_dim``).
PYTHON_CONST = "Python constant"
TRACE_CONST = "trace-time constant"
TENSOR_VALUE = "runtime tensor value"
ARGUMENT = "argument"  # a parameter: a tensor or a Python value, not known which (never blamed alone)


@dataclass(frozen=True)
class Origin:
    """Where a belief came from: a description and the node it was read at."""

    text: str
    node: cst.CSTNode | None = field(default=None, compare=False, hash=False)


class Value:
    """Base of every abstract value."""

    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class UnknownValue(Value):
    origins: tuple[Origin, ...] = ()


UNKNOWN = UnknownValue()


@dataclass(frozen=True, eq=False)
class OpaqueSize(UnknownValue):
    """An attribute of an object the analyser cannot see (``config.N``), or arithmetic on it
    (``config.gridsize**2``): unknown (it may be anything), but where it is used as a size it is
    ``expr``, a fresh symbol tied to that read, the same for every read of it in the function."""

    expr: Expr = field(default_factory=lambda: Expr.const(0))


@dataclass(frozen=True, eq=False)
class Tensor(Value):
    dims: Dims
    origins: tuple[Origin, ...] = ()
    # ``tf.range(n) % m``: (n, m) of a cyclic index, kept for SC106
    cyclic: tuple[Expr, Expr] | None = None
    # the parameter this value *is* (unannotated-function summaries)
    param_index: int | None = None
    # ``tf.range(n)``: n, so that ``% m`` can be recognised
    arange: Expr | None = None
    # rank unknown but the leading dims are (a contract like "B ..."): those dims
    prefix: tuple[Dim, ...] = ()
    # a value that is one of several shapes depending on the path taken (kept for SC103)
    alts: tuple["Tensor", ...] = ()
    # where the tensor's values come from: ARGUMENT, TENSOR_VALUE, TRACE_CONST (None: not known)
    prov: str | None = None

    @property
    def rank(self) -> int | None:
        return None if self.dims is None else len(self.dims)


@dataclass(frozen=True, eq=False)
class IntValue(Value):
    """A Python int or scalar integer tensor whose value is ``expr`` (None: unknown int)."""

    expr: Expr | None
    origins: tuple[Origin, ...] = ()
    # ``n // m`` of two known ints: (n, m), kept for SC106
    ratio: tuple[Expr, Expr] | None = None
    # a scalar tensor (read with ``tf.shape``, ``tf.size``), not a Python int: a loop over a range of
    # it is a tf.while_loop under AutoGraph; XLA still folds its value (a trace-time constant)
    tensor: bool = False


def provenance(value: Value) -> str | None:
    """Where ``value`` comes from (one of the kinds above), or None when that is not known."""
    if isinstance(value, Tensor):
        return value.prov
    if isinstance(value, IntValue):
        if value.expr is not None and value.expr.const_value is not None:
            return PYTHON_CONST
        return TRACE_CONST
    if isinstance(value, (ShapeVector, StrValue, FloatValue, BoolValue, NoneValue)):
        return TRACE_CONST if isinstance(value, ShapeVector) else PYTHON_CONST
    if isinstance(value, Sequence_):
        kinds = {provenance(v) for v in value.items}
        for kind in (TENSOR_VALUE, ARGUMENT, None, TRACE_CONST):
            if kind in kinds:
                return kind
        return PYTHON_CONST
    return None


@dataclass(frozen=True, eq=False)
class DimSource:
    """Where a bounded-dynamic dim was made: the op (``what``), its node, the file it is in.

    ``key`` is the data-dependent value behind it (one finding per key: two slices bounded by
    the same ``n`` are one cause); ``sliced`` says it came from a slice whose bounds are tensor
    data (the ops that reject it differ by source, see ``rules/packs/xla_ops.toml``).
    """

    what: str
    node: cst.CSTNode | None
    key: int
    sliced: bool = False
    path: str | None = None  # the file of ``node``
    line: Callable[[], int | None] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, eq=False)
class ShapeVector(Value):
    """``x.shape`` / ``tf.shape(x)``: indexing gives dims."""

    dims: Dims
    origins: tuple[Origin, ...] = ()
    of_param: int | None = None
    source: Value | None = field(default=None, compare=False)  # the tensor whose shape this is
    tensor: bool = False  # ``tf.shape(x)`` (a tensor), not ``x.shape`` (Python ints)


@dataclass(frozen=True, eq=False)
class Sequence_(Value):
    """A tuple or list literal (or a Python list built from known items)."""

    items: tuple[Value, ...]
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class NoneValue(Value):
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class StrValue(Value):
    text: str
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class FloatValue(Value):
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class BoolValue(Value):
    value: bool | None = None
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class FunctionRef(Value):
    """A callable the analyser can see: a qualified name and/or a local def/lambda node."""

    qualname: str | None
    node: cst.CSTNode | None = field(default=None, compare=False)
    closure: Env | None = field(default=None, compare=False)  # the enclosing scope (late binding)
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class DatasetValue(Value):
    """A ``tf.data.Dataset``: what one element is (a tensor, or a tuple of them)."""

    element: Value
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class Callables(Value):
    """One of several functions, by path (``f if flag else g``): a call runs each."""

    items: tuple[FunctionRef, ...]
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class LayerValue(Value):
    """A layer object: a Keras layer kind with its constructor config, or a contracted class."""

    kind: str  # op kind ("layer_conv" ...) or "contract" for a class with a contracted call
    config: dict[str, Value] = field(default_factory=dict, compare=False)
    qualname: str | None = None
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True, eq=False)
class ModelValue(Value):
    """A Keras model: a functional graph's ``inputs``/``outputs``, or a Sequential's ``layers``."""

    inputs: tuple[Value, ...] | None
    outputs: Value | None
    layers: tuple[Value, ...] | None
    loss: Value | None = None  # set by ``compile(loss=...)``
    origins: tuple[Origin, ...] = ()


_fresh = itertools.count(1)


def fresh_dim(hint: str) -> Expr:
    """A fresh symbol: equal to itself only, never provably different from anything."""
    return Expr.name(f"${hint}#{next(_fresh)}")


def is_fresh(e: Expr) -> bool:
    return any(n.startswith("$") for n in e.names())


def has_opaque(e: Expr) -> bool:
    return any(not isinstance(atom, str) for mono, _ in e.terms for atom, _p in mono)


def equal(a: Dim, b: Dim) -> bool:
    return a is not None and b is not None and a == b


def provably_different(a: Dim, b: Dim) -> str | None:
    """A reason why dims ``a`` and ``b`` cannot be equal (for dims of at least 2), or None.

    Equal canonical forms are equal. Two constants differ when their values do. Otherwise
    the difference is proved only from structure: a non-zero constant difference
    (``N`` vs ``N + 2``), or one dim a multiple of the other by a factor that is not 1
    (``B*C`` vs ``B``, ``2*B`` vs ``B``). Independent names (``B`` vs ``M``) prove nothing,
    nor does a fresh symbol against anything but an expression of itself (``n`` vs
    ``n*c`` where ``n`` is dim 0 of some tensor is structure; ``n`` vs ``8`` is not).
    """
    if a is None or b is None or a == b:
        return None
    if (is_fresh(a) or is_fresh(b)) and not _shares_fresh(a, b):
        return None
    for x, y in ((a, b), (b, a)):
        part = _floordiv_parts(x)
        if part is not None and part[0] == y and not has_opaque(y):
            return f"{format_dim(x)} < {format_dim(y)} for {format_dim(y)} > 0"
    if has_opaque(a) or has_opaque(b):
        return None
    ca, cb = a.const_value, b.const_value
    if ca is not None and cb is not None:
        return f"{ca} != {cb}"
    diff = a - b
    if diff.const_value is not None:
        return f"{format_dim(a)} and {format_dim(b)} differ by {diff.const_value}"
    for big, small in ((a, b), (b, a)):
        if small.const_value == 0:
            continue
        quotient = big // small
        if not quotient.terms or has_opaque(quotient):
            continue
        if quotient * small == big:
            q = quotient.const_value
            if q is not None:
                if q != 1:
                    return f"{format_dim(big)} is {q} times {format_dim(small)}"
            else:
                return f"{format_dim(big)} == {format_dim(small)} only if {format_dim(quotient)} == 1"
    return None


def _shares_fresh(a: Expr, b: Expr) -> bool:
    """Both sides hold fresh symbols and one side's are among the other's (a structural comparison)."""
    fa = {n for n in a.names() if n.startswith("$")}
    fb = {n for n in b.names() if n.startswith("$")}
    return bool(fa) and bool(fb) and (fa <= fb or fb <= fa)


def _floordiv_parts(e: Expr) -> tuple[Expr, int] | None:
    """``n // k`` with a constant ``k >= 2`` as (n, k); else None."""
    if len(e.terms) != 1:
        return None
    mono, coeff = e.terms[0]
    if coeff != 1 or len(mono) != 1 or mono[0][1] != 1 or isinstance(mono[0][0], str):
        return None
    atom = mono[0][0]
    k = atom.den.const_value
    if atom.op == "//" and k is not None and k >= 2:
        return atom.num, k
    return None


def join_dims(a: Dims, b: Dims) -> Dims:
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if (x is not None and y is not None and x == y) else None for x, y in zip(a, b))


def join(a: Value, b: Value) -> Value:
    """What is known of a value that is ``a`` on one path and ``b`` on another."""
    if a is b:
        return a
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        dims = join_dims(a.dims, b.dims)
        prov = a.prov if a.prov == b.prov else None
        if dims == a.dims and dims == b.dims and a.prefix == b.prefix and a.dims is not None:
            return Tensor(dims, a.origins, None, a.param_index if a.param_index == b.param_index else None, prov=prov)
        prefix: list[Dim] = []
        for x, y in zip(_leading(a), _leading(b)):
            if x is None or y is None or x != y:
                break
            prefix.append(x)
        alts = tuple(dict.fromkeys((*(a.alts or (a,)), *(b.alts or (b,)))))[:4]
        return Tensor(dims, a.origins if dims == a.dims else (), None, None, None, tuple(prefix) if dims is None else (), alts, prov)
    if isinstance(a, IntValue) and isinstance(b, IntValue):
        tensor = a.tensor or b.tensor  # may be a tensor on one path
        if a.expr is not None and a.expr == b.expr:
            return a if a.tensor == tensor else IntValue(a.expr, a.origins, a.ratio, tensor)
        return IntValue(None, tensor=tensor)
    if isinstance(a, ShapeVector) and isinstance(b, ShapeVector):
        return ShapeVector(join_dims(a.dims, b.dims))
    if isinstance(a, Sequence_) and isinstance(b, Sequence_) and len(a.items) == len(b.items):
        return Sequence_(tuple(join(x, y) for x, y in zip(a.items, b.items)))
    if isinstance(a, NoneValue) and isinstance(b, NoneValue):
        return a
    if isinstance(a, (FunctionRef, Callables)) and isinstance(b, (FunctionRef, Callables)):
        fns = tuple({(f.qualname, id(f.node)): f for f in (*_callables(a), *_callables(b))}.values())
        return fns[0] if len(fns) == 1 else Callables(fns[:4]) if len(fns) <= 4 else UNKNOWN
    if isinstance(a, (LayerValue, ModelValue)) and type(a) is type(b):
        return a if a == b else UNKNOWN
    return UNKNOWN


def _callables(v: FunctionRef | Callables) -> tuple[FunctionRef, ...]:
    return v.items if isinstance(v, Callables) else (v,)


def _leading(t: Tensor) -> tuple[Dim, ...]:
    return t.dims if t.dims is not None else t.prefix


def format_dim(d: Dim) -> str:
    if d is None:
        return "?"
    text = str(d)
    if "$" in text:
        # fresh symbols print as the read they came from
        import re

        text = re.sub(r"\$([^#\s*+]+)#\d+", r"\1", text)
    return text


def format_dims(dims: Dims, prefix: tuple[Dim, ...] = ()) -> str:
    if dims is None:
        if prefix:
            return "(" + ", ".join(format_dim(d) for d in prefix) + ", ...)"
        return "(rank ?)"
    inner = ", ".join(format_dim(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def describe(value: Value) -> str:
    if isinstance(value, Tensor):
        return format_dims(value.dims, value.prefix)
    if isinstance(value, IntValue):
        return f"int {format_dim(value.expr)}"
    if isinstance(value, ShapeVector):
        return f"shape {format_dims(value.dims)}"
    if isinstance(value, Sequence_):
        parts = [describe(v) for v in value.items]
        if len(parts) > 3 and len(set(parts)) == 1:
            return f"[{len(parts)} x {parts[0]}]"
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, LayerValue):
        return f"layer {value.qualname or value.kind}"
    return "?"


def product(dims: Sequence[Dim]) -> Dim:
    total = Expr.const(1)
    for d in dims:
        if d is None:
            return None
        total = total * d
    return total


def with_origin(value: Value, origin: Origin) -> Value:
    """``value`` with one more origin note (values are immutable)."""
    if isinstance(value, Tensor):
        return Tensor(value.dims, (*value.origins, origin)[-6:], value.cyclic, value.param_index, value.arange, value.prefix, value.alts, value.prov)
    if isinstance(value, IntValue):
        return IntValue(value.expr, (*value.origins, origin)[-6:], value.ratio, value.tensor)
    return value


def is_tensor(value: Value) -> bool:
    """Whether the value is known to be a tensor (of any provenance), not a Python value."""
    return isinstance(value, Tensor) and value.prov is not None or isinstance(value, IntValue) and value.tensor


def as_tensor_int(value: IntValue) -> IntValue:
    return value if value.tensor else IntValue(value.expr, value.origins, value.ratio, True)


def with_prov(value: Value, prov: str | None) -> Value:
    """A tensor with its provenance set (other values say theirs by their kind)."""
    if not isinstance(value, Tensor) or value.prov == prov:
        return value
    return Tensor(value.dims, value.origins, value.cyclic, value.param_index, value.arange, value.prefix, value.alts, prov)


def computed_prov(inputs: Sequence[Value]) -> str | None:
    """The provenance of a tensor an op computes from ``inputs``: tensor data if any input may be
    a tensor (an argument, computed data), a trace-time constant if every input is one (XLA
    folds ``tf.minimum(tf.shape(x)[0], 4)``), None when an input is not known."""
    out: str | None = TRACE_CONST
    for v in inputs:
        kind = provenance(v)
        if kind in (TENSOR_VALUE, ARGUMENT):
            return TENSOR_VALUE
        if kind is None and not isinstance(v, (FunctionRef, LayerValue, ModelValue)):
            out = None
    return out
