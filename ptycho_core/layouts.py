"""Conversions between the three patch layouts and the two offset layouts.

| layout  | shape               | notes                                   |
|---------|---------------------|-----------------------------------------|
| channel | ``(B, N, N, C)``    | patches of one group stacked in channels |
| flat    | ``(B*C, N, N, 1)``  | one patch per row; row ``b*C + c``       |
| grid    | ``(B, g, g, N, N, 1)`` | geometric arrangement, ``C = g*g``    |

Every size comes from the tensors themselves (static dims) or from an explicit argument;
nothing reads a global configuration. The batch dimension may be unknown (``None``) at
trace time: reshapes use ``-1`` only for it, so every function compiles under XLA at any
batch size.
"""

from __future__ import annotations

import math

import tensorflow as tf

from shapecheck import Float32, Shaped, check
from ptycho_core.dims import positive_int, static_dim


def gridsize_of(channels: int) -> int:
    """``g`` such that ``g*g == channels``; a clear error otherwise."""
    g = math.isqrt(channels)
    if g * g != channels:
        raise ValueError(f"{channels} channels is not a square gridsize (C = g*g)")
    return g


@check
def channel_to_flat(x: Shaped[tf.Tensor, "B H W C"]) -> Shaped[tf.Tensor, "B*C H W 1"]:
    """``(B, H, W, C) -> (B*C, H, W, 1)``; output row ``b*C + c`` is channel ``c`` of group ``b``."""
    h = static_dim(x, 1, "channel_to_flat")
    w = static_dim(x, 2, "channel_to_flat")
    return tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [-1, h, w, 1])


@check
def flat_to_channel(x: Shaped[tf.Tensor, "B*C H W 1"], channels: int) -> Shaped[tf.Tensor, "B H W C"]:
    """``(B*C, H, W, 1) -> (B, H, W, C)`` with ``C = channels`` given explicitly."""
    positive_int(channels, "channels", "flat_to_channel")
    rows = x.shape[0]
    if rows is not None and rows % channels:
        raise ValueError(f"flat_to_channel: {rows} rows is not a multiple of C={channels}")
    h = static_dim(x, 1, "flat_to_channel")
    w = static_dim(x, 2, "flat_to_channel")
    return tf.transpose(tf.reshape(x, [-1, channels, h, w]), [0, 2, 3, 1])


@check
def channel_to_grid(x: Shaped[tf.Tensor, "B N N g*g"]) -> Shaped[tf.Tensor, "B g g N N 1"]:
    """``(B, N, N, g*g) -> (B, g, g, N, N, 1)``, channel ``c`` at grid cell ``(c // g, c % g)``."""
    g = gridsize_of(static_dim(x, 3, "channel_to_grid"))
    n = static_dim(x, 1, "channel_to_grid")
    return tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [-1, g, g, n, n, 1])


@check
def grid_to_channel(x: Shaped[tf.Tensor, "B g g N N 1"]) -> Shaped[tf.Tensor, "B N N g*g"]:
    """``(B, g, g, N, N, 1) -> (B, N, N, g*g)`` in row-major order of the grid."""
    g = static_dim(x, 1, "grid_to_channel")
    n = static_dim(x, 3, "grid_to_channel")
    return tf.transpose(tf.reshape(x, [-1, g * g, n, n]), [0, 2, 3, 1])


@check
def flatten_offsets(offsets: Float32[tf.Tensor, "B 1 2 C"]) -> Float32[tf.Tensor, "B*C 2"]:
    """Channel offsets ``(B, 1, 2, C)`` to flat offsets ``(B*C, 2)``: row ``b*C + c`` is ``(dx, dy)``."""
    return channel_to_flat(offsets)[:, 0, :, 0]


@check
def unflatten_offsets(offsets: Float32[tf.Tensor, "B*C 2"], channels: int) -> Float32[tf.Tensor, "B 1 2 C"]:
    """Flat offsets ``(B*C, 2)`` back to channel offsets ``(B, 1, 2, C)``."""
    return flat_to_channel(offsets[:, None, :, None], channels)
