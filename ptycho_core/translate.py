"""Sub-pixel translation of a batch of images, one shift per image.

Three implementations of the same bilinear resampling, picked while tracing:

* under XLA, one pass (:func:`_translate_windows`): with ``(a, c)`` the integer part of the
  source offset ``(-dy, -dx)``, each of the four bilinear taps of image ``b`` is the
  contiguous window ``[b*S + ((a+i)*W + (c+j))*K, + S)`` of the flattened batch (``S`` the
  image size, ``i, j`` in ``{0, 1}``), read by one XLA gather whose slice is the whole
  image; a tap whose true source row or column lies outside the image has weight zero and is
  dropped with a select. XLA compiles the four windows, the weights and the sum into a single
  vectorised loop fusion. XLA clamps a window's start into the operand, which moves the
  windows of the first and the last image when they reach past the batch; those two images
  are recomputed from a zero-margined copy of themselves and written over the result;
* under XLA without TensorFlow's XLA helper modules (their location is internal), two gather
  passes (:func:`ptycho_core.resample.resample_axis`);
* otherwise (eager, plain graphs), two batched matrix products with the dense per-image
  resampling matrices (:func:`ptycho_core.resample.taps_matrix`), complex images viewed as
  pairs of reals: one BLAS call per axis instead of a chain of elementwise ops, each a full
  pass over memory. Its cost grows with the side (``2 * (H + W)`` multiply-adds per pixel), so
  sides above ``DENSE_MAX_SIDE`` take the gather passes too. Called eagerly, the products run
  as one traced graph.

Measurements, and the candidates tried for the XLA kernel: ``ptycho_core/README.md``
(``benchmarks/bench_translate.py`` keeps the comparison with the previous kernel, the native
op and the bandwidth floor).
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

from shapecheck import Float32, Inexact, check
from ptycho_core.dims import static_dim
from ptycho_core.resample import axis_taps, resample_axis, taps_matrix

try:  # XLA's gather with a slice size of our choosing: TensorFlow-internal locations
    from tensorflow.compiler.tf2xla.python import xla as tf2xla
    from tensorflow.compiler.xla import xla_data_pb2
except ImportError:  # pragma: no cover - depends on TensorFlow's internal layout
    tf2xla = None

# Up to this image side the dense products beat the gather passes outside XLA. CPU time
# per call, complex64, 2 shared cores: 128 x 128 (48 images) 45 vs 58 ms eager, 28 vs 44 ms
# in a graph; 192 x 192 (24 images) 45 vs 56 and 29 vs 45. Larger sides are not measured.
DENSE_MAX_SIDE = 192


def compiling_with_xla() -> bool:
    """Whether the function being traced is compiled by XLA (``tf.function(jit_compile=True)``, Keras ``jit_compile``).

    TensorFlow marks such traces with an XLA control-flow context; its own TensorArray reads
    the mark the same way. Not a public API: if it moves, the answer is False and the dense
    path (correct everywhere, only slower under XLA) is used.
    """
    try:
        from tensorflow.python.ops import control_flow_util
    except ImportError:  # pragma: no cover - depends on TensorFlow's internal layout
        return False
    return bool(control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph()))


def _translate_dense(images: tf.Tensor, offsets: tf.Tensor, height: int, width: int, channels: int) -> tf.Tensor:
    """Height pass, transpose, width pass, transpose back: each pass one batched matmul.

    Sizes come as Python integers, so the traced copy below may leave the images' shape open.
    """
    real_dtype = images.dtype.real_dtype
    values = tf.bitcast(images, real_dtype) if images.dtype.is_complex else images  # (M, H, W, K[, 2])
    parts = channels * 2 if images.dtype.is_complex else channels
    rows = tf.matmul(tf.cast(taps_matrix(offsets[:, 1], height, height), real_dtype),
                     tf.reshape(values, [-1, height, width * parts]))
    columns = tf.reshape(tf.transpose(tf.reshape(rows, [-1, height, width, parts]), [0, 2, 1, 3]),
                         [-1, width, height * parts])
    columns = tf.matmul(tf.cast(taps_matrix(offsets[:, 0], width, width), real_dtype), columns)
    out = tf.transpose(tf.reshape(columns, [-1, width, height, parts]), [0, 2, 1, 3])
    if images.dtype.is_complex:
        return tf.bitcast(tf.reshape(out, [-1, height, width, channels, 2]), images.dtype)
    return out


# Called eagerly, the dense path runs as one traced graph (TensorFlow's graph optimiser then
# runs it in about half the CPU time of op-by-op execution); a new shape in an argument
# generalises that dimension instead of tracing again for every batch size.
_translate_dense_graph = tf.function(_translate_dense, reduce_retracing=True)


def _flat_windows(flat: tf.Tensor, margin: int, count: tf.Tensor, size: int) -> Callable[[tf.Tensor], tf.Tensor]:
    """``read(offset)``: for every image ``b < count``, the window ``flat[margin + b*size + offset[b]:][:size]``.

    One XLA gather; XLA clamps each window's start into ``[0, len(flat) - size]``.
    """
    numbers = xla_data_pb2.GatherDimensionNumbers(offset_dims=[1], start_index_map=[0], index_vector_dim=1)
    # A compile-time constant to XLA: 0 for an empty batch, whose operand holds no image.
    slice_size = tf.minimum(size, tf.size(flat))[None]

    def read(offset: tf.Tensor) -> tf.Tensor:
        starts = margin + tf.range(count) * size + offset
        return tf2xla.gather(flat, starts[:, None], numbers, slice_size, indices_are_sorted=False)

    return read


def _four_taps(images: tf.Tensor, offsets: tf.Tensor, read: Callable[[tf.Tensor], tf.Tensor]) -> tf.Tensor:
    """The bilinear sum over the four integer-shifted windows that ``read`` returns."""
    height, width, channels = (static_dim(images, axis, "translate") for axis in (1, 2, 3))
    rows, columns = axis_taps(offsets[:, 1], height, height), axis_taps(offsets[:, 0], width, width)
    row_weights, column_weights = (rows.weight0, rows.weight1), (columns.weight0, columns.weight1)
    # Integer part of the source offset (-dy, -dx); beyond one image side every tap is outside
    # (weight zero), so clipping there keeps the windows near the image.
    first_row = tf.cast(tf.clip_by_value(tf.floor(-offsets[:, 1]), -height - 1.0, float(height)), tf.int32)
    first_column = tf.cast(tf.clip_by_value(tf.floor(-offsets[:, 0]), -width - 1.0, float(width)), tf.int32)
    zero = tf.zeros([], images.dtype)
    out = None
    for step_y in (0, 1):
        for step_x in (0, 1):
            window = read(((first_row + step_y) * width + first_column + step_x) * channels)
            weight = row_weights[step_y][:, :, None, None] * column_weights[step_x][:, None, :, None]
            # A select, not a product with zero: a dropped tap may read a neighbouring image.
            term = tf.where(weight != 0.0, tf.reshape(window, tf.shape(images)) * tf.cast(weight, images.dtype), zero)
            out = term if out is None else out + term
    return out


def _translate_windows(images: tf.Tensor, offsets: tf.Tensor, height: int, width: int) -> tf.Tensor:
    """One fused pass under XLA (module docstring); exact for any shift and batch size."""
    channels = static_dim(images, 3, "translate")
    size = height * width * channels
    count = tf.shape(images)[0]
    out = _four_taps(images, offsets, _flat_windows(tf.reshape(images, [-1]), 0, count, size))
    # The first and last image again, with a zero margin as long as the farthest window start.
    ends = tf.concat([images[:1], images[-1:]], axis=0)
    margin = ((height + 2) * width + width + 2) * channels
    padded = tf.pad(tf.reshape(ends, [-1]), [[margin, margin]])
    fixed = _four_taps(ends, tf.concat([offsets[:1], offsets[-1:]], axis=0),
                       _flat_windows(padded, margin, tf.shape(ends)[0], size))
    zero = tf.zeros([], tf.int32)
    out = tf2xla.dynamic_update_slice(out, fixed[:1], [zero, zero, zero, zero])
    return tf2xla.dynamic_update_slice(out, fixed[1:], [tf.maximum(count - 1, 0), zero, zero, zero])


@check
def translate(
    images: Inexact[tf.Tensor, "M H W K"], offsets: Float32[tf.Tensor, "M 2"]
) -> Inexact[tf.Tensor, "M H W K"]:
    """Shift image ``m`` by ``offsets[m] = (dx, dy)`` pixels: ``out(x, y) = in(x - dx, y - dy)``.

    Bilinear interpolation, zero fill outside the input; a positive ``dx`` moves content
    towards larger x (the width axis). Complex images shift their real and imaginary parts
    alike. Integer shifts are exact zero-filled rolls. No homography and no shape computed
    from tensor values (the implementations are in the module docstring), so it compiles
    under XLA for any batch size.
    """
    height, width = static_dim(images, 1, "translate"), static_dim(images, 2, "translate")
    if compiling_with_xla():
        if tf2xla is not None:
            return _translate_windows(images, offsets, height, width)
    elif max(height, width) <= DENSE_MAX_SIDE:
        dense = _translate_dense_graph if tf.executing_eagerly() else _translate_dense
        return dense(images, offsets, height, width, static_dim(images, 3, "translate"))
    shifted = resample_axis(images, offsets[:, 0], axis=2, out_size=width)
    return resample_axis(shifted, offsets[:, 1], axis=1, out_size=height)
