"""``tf.data`` pipelines as values: a dataset is what one of its elements is.

``from_tensor_slices(x)`` has elements ``x`` without its first dim (a tuple or dict of
tensors: each one); ``from_tensors(x)`` has ``x``. ``ds.map(fn)`` runs ``fn`` on one element
(a tuple is passed as positional arguments) and a conflict inside is reported at the
``map`` call, as for any function analysed for a call; ``batch(n)`` adds a leading dim
(``n`` with ``drop_remainder=True``, else unknown), ``unbatch()`` removes it, and the
methods that keep elements as they are (``shuffle``, ``repeat``, ``prefetch``...) keep them.
Iterating a dataset (``for x, y in ds``) gives one element.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import libcst as cst

from shapecheck.static.args import BoundArgs, CallArgs
from shapecheck.static.shape_math import int_of
from shapecheck.static.values import (
    UNKNOWN,
    BoolValue,
    DatasetValue,
    Dim,
    Origin,
    Sequence_,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from shapecheck.static.infer import Analyzer, Frame
    from shapecheck.static.packs import OpSignature

# methods whose dataset has the same elements
_SAME_ELEMENTS = frozenset({
    "shuffle", "repeat", "prefetch", "cache", "take", "skip", "filter", "shard", "with_options",
    "apply", "ignore_errors", "take_while", "rebatch_none",
})


def _map_items(value: Value, fn: Callable[[Tensor], Value]) -> Value:
    if isinstance(value, Tensor):
        return fn(value)
    if isinstance(value, Sequence_):
        return Sequence_(tuple(_map_items(v, fn) for v in value.items), value.origins)
    return UNKNOWN


def _without_first(t: Tensor) -> Value:
    if t.dims is None:
        return Tensor(None, t.origins)
    return Tensor(t.dims[1:], t.origins) if t.dims else UNKNOWN


def _with_first(first: Dim) -> Callable[[Tensor], Value]:
    return lambda t: Tensor((first, *t.dims) if t.dims is not None else None, t.origins)


def h_from_slices(ctx: "Analyzer", sig: "OpSignature", a: BoundArgs, node: cst.Call) -> Value:
    x = a.value(sig.args[0]) if sig.args else None
    if x is None:
        return DatasetValue(UNKNOWN)
    element = _map_items(x, _without_first) if sig.params.get("slices", True) else x
    return DatasetValue(element, (Origin("dataset element", node),))


def method(ctx: "Analyzer", ds: DatasetValue, name: str, args: CallArgs, node: cst.Call, frame: "Frame") -> Value:
    """``ds.<name>(...)``: the dataset it returns (or UNKNOWN)."""
    if name in _SAME_ELEMENTS:
        return ds
    if name == "map" and args.positional:
        fn = args.positional[0][0]
        element = ds.element
        items = element.items if isinstance(element, Sequence_) else (element,)
        call = CallArgs([(v, node) for v in items], {})
        return DatasetValue(ctx.call_value(fn, call, node, frame), ds.origins)
    if name in ("batch", "padded_batch"):
        size = args.positional[0][0] if args.positional else args.keywords.get("batch_size", (UNKNOWN, node))[0]
        drop = args.keywords.get("drop_remainder", (BoolValue(False), node))[0]
        first = int_of(size) if isinstance(drop, BoolValue) and drop.value is True else None
        return DatasetValue(_map_items(ds.element, _with_first(first)), ds.origins)
    if name == "unbatch":
        return DatasetValue(_map_items(ds.element, _without_first), ds.origins)
    return UNKNOWN


HANDLERS = {"dataset_from_slices": h_from_slices}
