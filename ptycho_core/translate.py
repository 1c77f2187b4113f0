"""Sub-pixel translation of a batch of images, one shift per image."""

from __future__ import annotations

import tensorflow as tf

from shapecheck import Float32, Inexact, check
from ptycho_core.dims import static_dim
from ptycho_core.resample import resample_axis


@check
def translate(
    images: Inexact[tf.Tensor, "M H W K"], offsets: Float32[tf.Tensor, "M 2"]
) -> Inexact[tf.Tensor, "M H W K"]:
    """Shift image ``m`` by ``offsets[m] = (dx, dy)`` pixels: ``out(x, y) = in(x - dx, y - dy)``.

    Bilinear interpolation, zero fill outside the input; a positive ``dx`` moves content
    towards larger x (the width axis). Complex images shift their real and imaginary parts
    alike. Integer shifts are exact zero-filled rolls. Two separable gather passes, no
    homography and no shape computed from tensor values, so it compiles under XLA for any
    batch size.
    """
    height, width = static_dim(images, 1, "translate"), static_dim(images, 2, "translate")
    shifted = resample_axis(images, offsets[:, 0], axis=2, out_size=width)
    return resample_axis(shifted, offsets[:, 1], axis=1, out_size=height)
