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


_DTYPE_NAMES: dict[Any, str] = {}


def dtype_name(x: Any) -> str | None:
    """``x.dtype`` as TensorFlow/NumPy name it (``"float32"``), or ``None`` if it has no dtype."""
    dt = getattr(x, "dtype", None)
    if dt is None:
        return None
    try:
        return _DTYPE_NAMES[dt]
    except KeyError:
        pass
    except TypeError:  # unhashable dtype object
        return str(getattr(dt, "name", dt))
    name = dt if isinstance(dt, str) else str(getattr(dt, "name", dt))
    if name.startswith("torch."):
        name = name[len("torch.") :]
    _DTYPE_NAMES[dt] = name
    return name


def tensorflow_loaded() -> bool:
    return "tensorflow" in sys.modules


def is_graph_tensor(x: Any) -> bool:
    """A symbolic ``tf.Tensor`` of a graph being traced (the only kind strict mode rewrites)."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return False
    return isinstance(x, tf.Tensor) and tf.is_symbolic_tensor(x)
