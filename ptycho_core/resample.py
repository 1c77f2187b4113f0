"""Separable bilinear resampling along one image axis: the numerics behind translation.

A translation is the same for every pixel of one image, so bilinear interpolation
factorises into two one-dimensional passes (width, then height). Along one axis, output
index ``i`` reads the input at the real coordinate ``i + origin - shift`` with zero fill
outside ``[0, in_size)``. ``origin`` is a Python integer that places an output window of
``out_size`` pixels inside (or around) the input: that is how cropping (extraction) and
zero-padding (reassembly) are fused into the same pass.

:func:`resample_axis` does a pass as one elementwise sub-pixel blur plus one integer
gather; :func:`axis_taps` gives the two explicit bilinear taps per output index, for
passes that gather from a different batch layout than they write (patch extraction).
Every size is a static Python integer and every index tensor has a static shape, so XLA
compiles the passes for any batch size.
"""

from __future__ import annotations

from typing import NamedTuple

import tensorflow as tf

from shapecheck import Float32, Inexact, Int32, check
from ptycho_core.dims import positive_int, static_dim


class Taps(NamedTuple):
    """The two bilinear taps per output index; shapes ``shift.shape + (out_size,)``."""

    index0: tf.Tensor  # int32, clipped into [0, in_size)
    index1: tf.Tensor
    weight0: tf.Tensor  # float32, zero where the unclipped tap falls outside the input
    weight1: tf.Tensor


@check
def axis_taps(
    shift: Float32[tf.Tensor, "*S"], in_size: int, out_size: int, origin: int = 0
) -> tuple[Int32[tf.Tensor, "*S O"], Int32[tf.Tensor, "*S O"], Float32[tf.Tensor, "*S O"], Float32[tf.Tensor, "*S O"]]:
    """Taps (a :class:`Taps`) for resampling an axis of ``in_size`` pixels into ``O = out_size`` pixels."""
    positive_int(in_size, "in_size", "axis_taps")
    positive_int(out_size, "out_size", "axis_taps")
    # The source coordinate i + origin - shift has the integer part i + floor(origin - shift)
    # and the fraction of origin - shift: taken once per shift, it keeps float32's precision
    # of the shift (per index, a shift of 100.2 would lose 1e-5), and the indices are integers.
    start = float(origin) - shift
    whole = tf.floor(start)
    frac = (start - whole)[..., None]
    i0 = tf.range(out_size) + tf.cast(whole, tf.int32)[..., None]
    i1 = i0 + 1
    zero = tf.zeros([], tf.float32)
    return Taps(
        index0=tf.clip_by_value(i0, 0, in_size - 1),
        index1=tf.clip_by_value(i1, 0, in_size - 1),
        weight0=tf.where((i0 >= 0) & (i0 < in_size), 1.0 - frac, zero),
        weight1=tf.where((i1 >= 0) & (i1 < in_size), frac, zero),
    )


@check
def taps_matrix(
    shift: Float32[tf.Tensor, "R"], in_size: int, out_size: int, origin: int = 0
) -> Float32[tf.Tensor, "R O L"]:
    """The same resampling as dense matrices: ``out = taps_matrix @ in`` along the axis.

    ``O = out_size``, ``L = in_size``.

    Row ``i`` of matrix ``r`` holds the two weights of :func:`axis_taps` at their input
    indices; a tap outside the input has weight zero, which is the zero fill.
    """
    taps = axis_taps(shift, in_size, out_size, origin)
    return (tf.one_hot(taps.index0, in_size) * taps.weight0[..., None]
            + tf.one_hot(taps.index1, in_size) * taps.weight1[..., None])


@check
def resample_axis(
    images: Inexact[tf.Tensor, "R H W K"], shift: Float32[tf.Tensor, "R"], axis: int, out_size: int, origin: int = 0
) -> Inexact[tf.Tensor, "R _ _ K"]:
    """Resample axis 1 (height) or 2 (width) of ``images (R, H, W, K)``; ``shift`` is ``(R,)``.

    ``out[i] = in(i + origin - shift)``. With ``s = shift - origin = k + t`` (``k`` integer,
    ``0 <= t < 1``) that is ``q[i - k]`` where ``q[j] = (1 - t) in[j] + t in[j - 1]`` is the
    sub-pixel blur of the input, ``j = 0 .. L`` (``L = in_size``, zero outside). So each pass
    is one elementwise blur over the input (static slices of a zero-padded copy) and one
    index gather over the output; an index outside ``[0, L]`` reads an appended zero. For an
    integer shift ``t == 0`` and the result is an exact copy. Real and complex images alike.
    """
    if axis not in (1, 2):
        raise ValueError(f"resample_axis: axis must be 1 (height) or 2 (width), got {axis}")
    positive_int(out_size, "out_size", "resample_axis")
    length = static_dim(images, axis, "resample_axis")
    s = shift - float(origin)
    k = tf.floor(s)
    t = tf.cast(tf.reshape(s - k, [-1, 1, 1, 1]), images.dtype)
    pads = [[0, 0], [0, 0], [0, 0], [0, 0]]
    pads[axis] = [1, 2]
    padded = tf.pad(images, pads)  # padded[j + 1] = in[j]; length L + 3
    if axis == 1:
        blurred = (1 - t) * padded[:, 1:] + t * padded[:, :-1]  # length L + 2, last entry zero
    else:
        blurred = (1 - t) * padded[:, :, 1:] + t * padded[:, :, :-1]
    index = tf.range(out_size)[None, :] - tf.cast(k, tf.int32)[:, None]
    index = tf.where((index < 0) | (index > length), length + 1, index)
    return tf.gather(blurred, index, axis=axis, batch_dims=1)
