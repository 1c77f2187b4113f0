"""Separable bilinear resampling along one image axis: the numerics behind translation.

A translation is the same for every pixel of one image, so bilinear interpolation
factorises into two one-dimensional passes (width, then height). Along one axis, output
index ``i`` reads the input at the real coordinate ``s = i + origin - shift``: two taps,
``floor(s)`` with weight ``1 - frac(s)`` and ``floor(s) + 1`` with weight ``frac(s)``, and a
tap outside ``[0, in_size)`` contributes zero (zero fill). ``origin`` is a Python integer
that places an output window of ``out_size`` pixels inside (or around) the input, which is
how cropping and zero-padding are fused into the same pass.

Every size here is a static Python integer and every index tensor has a static shape, so
XLA compiles the passes for any batch size.
"""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf


@dataclass(frozen=True)
class Taps:
    """The two bilinear taps per output index; shapes ``shift.shape + (out_size,)``."""

    index0: tf.Tensor  # int32, clipped into [0, in_size)
    index1: tf.Tensor
    weight0: tf.Tensor  # float32, zero where the unclipped tap falls outside the input
    weight1: tf.Tensor


def _positions(shift: tf.Tensor, out_size: int, origin: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Floor and fraction of the source coordinate ``i + origin - shift``."""
    pos = tf.range(out_size, dtype=tf.float32) + float(origin)
    src = pos - shift[..., None]
    floor = tf.floor(src)
    return floor, src - floor


def axis_taps(shift: tf.Tensor, in_size: int, out_size: int, origin: int = 0) -> Taps:
    """Taps for resampling an axis of ``in_size`` pixels into ``out_size`` pixels."""
    floor, frac = _positions(shift, out_size, origin)
    i0 = tf.cast(floor, tf.int32)
    i1 = i0 + 1
    inside0 = tf.cast((i0 >= 0) & (i0 < in_size), tf.float32)
    inside1 = tf.cast((i1 >= 0) & (i1 < in_size), tf.float32)
    return Taps(
        index0=tf.clip_by_value(i0, 0, in_size - 1),
        index1=tf.clip_by_value(i1, 0, in_size - 1),
        weight0=(1.0 - frac) * inside0,
        weight1=frac * inside1,
    )


def interpolation_matrix(shift: tf.Tensor, in_size: int, out_size: int, origin: int = 0) -> tf.Tensor:
    """Dense ``shift.shape + (out_size, in_size)`` matrix of the same resampling (2 non-zeros a row).

    ``tf.one_hot`` of an index outside ``[0, in_size)`` is an all-zero row: that is the zero fill.
    """
    floor, frac = _positions(shift, out_size, origin)
    i0 = tf.cast(floor, tf.int32)
    return tf.one_hot(i0, in_size) * (1.0 - frac)[..., None] + tf.one_hot(i0 + 1, in_size) * frac[..., None]


def resample_axis(images: tf.Tensor, shift: tf.Tensor, axis: int, out_size: int, origin: int = 0) -> tf.Tensor:
    """Resample axis 1 (height) or 2 (width) of ``images (R, H, W, K)``; ``shift`` is ``(R,)``.

    Real and complex images alike: the weights are cast to the image dtype.
    """
    if axis not in (1, 2):
        raise ValueError(f"resample_axis: axis must be 1 (height) or 2 (width), got {axis}")
    in_size = images.shape[axis]
    if in_size is None:
        raise ValueError(f"resample_axis: axis {axis} of {images.shape} must be static")
    taps = axis_taps(shift, int(in_size), out_size, origin)
    g0 = tf.gather(images, taps.index0, axis=axis, batch_dims=1)
    g1 = tf.gather(images, taps.index1, axis=axis, batch_dims=1)
    if axis == 1:
        w0, w1 = taps.weight0[:, :, None, None], taps.weight1[:, :, None, None]
    else:
        w0, w1 = taps.weight0[:, None, :, None], taps.weight1[:, None, :, None]
    return g0 * tf.cast(w0, images.dtype) + g1 * tf.cast(w1, images.dtype)
