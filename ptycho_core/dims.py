"""The two size checks every core function makes: a dimension known when tracing, a positive int."""

from __future__ import annotations

import tensorflow as tf


def static_dim(x: tf.Tensor, axis: int, what: str) -> int:
    """``x.shape[axis]`` as a Python int; a clear error naming ``what`` when it is unknown at trace time.

    Every size except the batch must be static: shapes are built from Python integers, never
    from tensor values, so XLA compiles each function for any batch size.
    """
    dim = x.shape[axis]
    if dim is None:
        raise ValueError(f"{what}: axis {axis} of shape {x.shape} must be known when tracing")
    return int(dim)


def positive_int(value: object, name: str, what: str, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``; a clear error otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{what}: {name} must be an int >= {minimum}, got {value!r}")
    return value
