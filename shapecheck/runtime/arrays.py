"""Reading shapes and dtype names from arrays without importing their libraries.

TensorFlow is never imported here: its objects are recognised by their type (found once
per type and cached) and by ``sys.modules``. Shapes come back as tuples whose entries are
``int`` or ``None`` (a dim unknown while tracing); ``None`` instead of a tuple means the
rank itself is unknown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

Dims = tuple[int | None, ...]
ShapeReader = Callable[[Any], Dims | None]


class NoShapeError(TypeError):
    """The value has no readable shape (no ``.shape`` attribute)."""


def _eager_shape(x: Any) -> Dims | None:
    # tf.Tensor (eager and symbolic) and variables: a tuple of ints/None, or None for an
    # unknown rank, without building a TensorShape.
    return x._shape_tuple()


def _tensorshape(x: Any) -> Dims | None:
    shape = x.shape
    if shape.rank is None:  # TensorShape of unknown rank
        return None
    return tuple(shape.as_list())


def _generic_shape(x: Any) -> Dims | None:
    shape = x.shape
    if type(shape) is tuple:  # NumPy, JAX, KerasTensor: already ints/None
        return shape
    if shape is None:
        return None
    rank = getattr(shape, "rank", 0)
    if rank is None:
        return None
    return tuple(None if d is None else int(d) for d in shape)


def _no_shape(x: Any) -> Dims | None:
    raise NoShapeError(f"a value of type {type(x).__qualname__} has no .shape")


_READERS: dict[type, ShapeReader] = {}


def _reader_for(cls: type) -> ShapeReader:
    if hasattr(cls, "_shape_tuple") and cls.__module__.startswith("tensorflow"):
        reader: ShapeReader = _eager_shape
    elif cls.__module__.startswith("tensorflow"):
        reader = _tensorshape
    elif not hasattr(cls, "shape"):
        reader = _no_shape
    else:
        reader = _generic_shape
    _READERS[cls] = reader
    return reader


def shape_of(x: Any) -> Dims | None:
    """The dims of ``x`` (``None`` entries are unknown), or ``None`` if its rank is unknown."""
    reader = _READERS.get(type(x))
    if reader is None:
        reader = _reader_for(type(x))
    return reader(x)


_DTYPE_NAMES: dict[Any, str] = {}  # dtype object (or TensorFlow dtype enum) -> name
DTypeReader = Callable[[Any], "str | None"]
_DTYPE_READERS: dict[type, DTypeReader] = {}


def _name_of_dtype(dt: Any) -> str:
    name = dt if isinstance(dt, str) else str(getattr(dt, "name", dt))
    return name[len("torch.") :] if name.startswith("torch.") else name


def _tf_dtype(x: Any) -> str | None:
    key = x._datatype_enum()  # an int: no DType object, no Python-level __eq__/__hash__
    name = _DTYPE_NAMES.get(key)
    if name is None:
        name = _DTYPE_NAMES[key] = _name_of_dtype(x.dtype)
    return name


def _generic_dtype(x: Any) -> str | None:
    dt = getattr(x, "dtype", None)
    if dt is None:
        return None
    try:
        name = _DTYPE_NAMES.get(dt)
    except TypeError:  # unhashable dtype object
        return _name_of_dtype(dt)
    if name is None:
        name = _DTYPE_NAMES[dt] = _name_of_dtype(dt)
    return name


def dtype_name(x: Any) -> str | None:
    """``x.dtype`` as TensorFlow/NumPy name it (``"float32"``), or ``None`` if it has no dtype."""
    reader = _DTYPE_READERS.get(type(x))
    if reader is None:
        cls = type(x)
        tf_like = cls.__module__.startswith("tensorflow") and hasattr(cls, "_datatype_enum")
        reader = _DTYPE_READERS[cls] = _tf_dtype if tf_like else _generic_dtype
    return reader(x)


# Hot path: one call per value returning (dims, dtype key). The dtype key is a TensorFlow
# dtype enum (an int) or the dtype object itself; callers map keys to names once and cache.
FastReader = Callable[[Any], tuple[Any, Any]]
FAST_READERS: dict[type, FastReader] = {}


def fast_tf_eager(x: Any) -> tuple[Any, Any]:
    # EagerTensor caches its TensorShape, whose ``_dims`` is a tuple of ints: ~0.1 us,
    # against ~0.7 us for ``_shape_tuple()`` which asks the runtime every time. If a future
    # TensorFlow drops ``_dims`` the AttributeError sends the caller to the general path.
    return x.shape._dims, x._datatype_enum()


def fast_tf_graph(x: Any) -> tuple[Any, Any]:
    """Symbolic tensors (a distinct function so callers can tell graph mode; speed is moot)."""
    return x.shape._dims, x.dtype


def _fast_generic(x: Any) -> tuple[Any, Any]:
    shape = x.shape
    return (shape if type(shape) is tuple else shape_of(x)), getattr(x, "dtype", None)


def learn_fast_reader(cls: type) -> FastReader:
    """The (dims, dtype key) reader for ``cls``, built once and cached in :data:`FAST_READERS`."""
    tf = sys.modules.get("tensorflow")
    if cls.__module__.startswith("tensorflow") and tf is not None and issubclass(cls, tf.Tensor):
        eager = "Eager" in cls.__name__ and hasattr(cls, "_datatype_enum")
        reader: FastReader = fast_tf_eager if eager else fast_tf_graph
    elif hasattr(cls, "shape"):
        reader = _fast_generic
    else:
        def reader(x: Any) -> tuple[Any, Any]:
            return shape_of(x), None  # raises NoShapeError: the general path reports it

    FAST_READERS[cls] = reader
    return reader


def is_graph_tensor(x: Any) -> bool:
    """A symbolic ``tf.Tensor`` of a graph being traced (the only kind strict mode rewrites)."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return False
    return isinstance(x, tf.Tensor) and tf.is_symbolic_tensor(x)


def ragged_axes(x: Any, dims: Dims) -> dict[int, tuple[int, int]]:
    """For an *eager* ``tf.RaggedTensor``: ``{axis: (shortest, longest)}`` of its ragged axes.

    A ``None`` in an eager ragged tensor's shape is not "unknown at trace": the rows have
    real lengths. An axis whose rows all have one length is uniform and is not listed (the
    caller reads it as that length via :func:`uniform_ragged_dims`). Empty for anything else.
    """
    cls = type(x)
    if cls.__name__ != "RaggedTensor" or not cls.__module__.startswith("tensorflow") or None not in dims:
        return {}
    tf = sys.modules["tensorflow"]
    if tf.is_symbolic_tensor(x.flat_values):
        return {}
    found: dict[int, tuple[int, int]] = {}
    for axis, lengths in enumerate(x.nested_row_lengths(), start=1):
        if axis < len(dims) and dims[axis] is None:
            values = lengths.numpy()
            found[axis] = (int(values.min()), int(values.max())) if values.size else (0, 0)
    return found


def uniform_ragged_dims(dims: Dims, ragged: dict[int, tuple[int, int]]) -> Dims:
    """``dims`` with every ragged axis whose rows share one length set to that length."""
    return tuple(ragged[i][0] if i in ragged and ragged[i][0] == ragged[i][1] else d for i, d in enumerate(dims))
