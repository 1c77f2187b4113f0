"""Sub-pixel translation of a batch of images, one shift per image.

Two implementations of the same separable bilinear resampling, picked while tracing:

* under XLA, two gather passes (:func:`ptycho_core.resample.resample_axis`): XLA fuses the
  blur and the gather of each pass;
* otherwise (eager, plain graphs), two batched matrix products with the dense per-image
  resampling matrices (:func:`ptycho_core.resample.taps_matrix`), complex images viewed as
  pairs of reals: one BLAS call per axis instead of a chain of elementwise ops, each a full
  pass over memory. Its cost grows with the side (``2 * (H + W)`` multiply-adds per pixel), so
  sides above ``DENSE_MAX_SIDE`` take the gather passes too.
"""

from __future__ import annotations

import tensorflow as tf

from shapecheck import Float32, Inexact, check
from ptycho_core.dims import static_dim
from ptycho_core.resample import resample_axis, taps_matrix

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


def _translate_dense(images: tf.Tensor, offsets: tf.Tensor, height: int, width: int) -> tf.Tensor:
    """Height pass, transpose, width pass, transpose back: each pass one batched matmul."""
    channels = static_dim(images, 3, "translate")
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


@check
def translate(
    images: Inexact[tf.Tensor, "M H W K"], offsets: Float32[tf.Tensor, "M 2"]
) -> Inexact[tf.Tensor, "M H W K"]:
    """Shift image ``m`` by ``offsets[m] = (dx, dy)`` pixels: ``out(x, y) = in(x - dx, y - dy)``.

    Bilinear interpolation, zero fill outside the input; a positive ``dx`` moves content
    towards larger x (the width axis). Complex images shift their real and imaginary parts
    alike. Integer shifts are exact zero-filled rolls. Two separable passes (see the module
    docstring), no homography and no shape computed from tensor values, so it compiles under
    XLA for any batch size.
    """
    height, width = static_dim(images, 1, "translate"), static_dim(images, 2, "translate")
    if max(height, width) <= DENSE_MAX_SIDE and not compiling_with_xla():
        return _translate_dense(images, offsets, height, width)
    shifted = resample_axis(images, offsets[:, 0], axis=2, out_size=width)
    return resample_axis(shifted, offsets[:, 1], axis=1, out_size=height)
