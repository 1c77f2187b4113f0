"""Seed 001, buggy: TF_XLA_FLAGS=--tf_xla_auto_jit=0 cannot turn off an explicit jit_compile=True.

After seed 000 the workaround was to export TF_XLA_FLAGS="--tf_xla_auto_jit=0"; training
failed the same way ("tf2xla conversion failed while converting __inference_projective_
warp_xla_jit"), because the translation helper is decorated with a literal
``tf.function(jit_compile=True)``: the flag only controls auto-clustering. This program sets
the flag before TensorFlow loads and shows the helper is still compiled by XLA: its bounds
check (a tf.debugging assertion, which XLA drops) never fires for an offset beyond the border.

Run: ``SHAPECHECK_MODE=off python buggy.py`` or ``python buggy.py``; exits 1 with the evidence.
"""

from __future__ import annotations

import os

os.environ["TF_XLA_FLAGS"] = "--tf_xla_auto_jit=0"  # the workaround from the report, before TF loads
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from shapecheck import Float32, check

MAX_SHIFT = 3.0  # the padded border around each patch, in pixels


def tent_weights(size: tf.Tensor, shifts: tf.Tensor) -> tf.Tensor:
    """(N, size, size) linear-interpolation weights: out[i] = sum_j w[i, j] * in[j], zero fill."""
    grid = tf.cast(tf.range(size), tf.float32)
    source = grid[None, :, None] - shifts[:, None, None]
    return tf.nn.relu(1.0 - tf.abs(source - grid[None, None, :]))


@tf.function(jit_compile=True)  # expect: SC303
@check
def translate_xla(
    images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]
) -> Float32[tf.Tensor, "N H W 1"]:
    """Bilinear shift of each image by its (dy, dx); offsets must stay inside the border."""
    tf.debugging.assert_less_equal(tf.reduce_max(tf.abs(offsets)), MAX_SHIFT, "offset beyond border")  # expect: SC203
    wy = tent_weights(tf.shape(images)[1], offsets[:, 0])
    wx = tent_weights(tf.shape(images)[2], offsets[:, 1])
    rows = tf.reduce_sum(wy[:, :, :, None] * images[:, None, :, :, 0], axis=2)
    cols = tf.reduce_sum(rows[:, :, None, :] * wx[:, None, :, :], axis=3)
    return cols[..., None]


class Translation(keras.layers.Layer):
    """The model's translation layer; it always goes through the compiled helper."""

    @check
    def call(
        self, images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]
    ) -> Float32[tf.Tensor, "N H W 1"]:
        return translate_xla(images, offsets)


def main() -> int:
    rng = np.random.default_rng(1)
    images = tf.constant(rng.normal(size=(4, 12, 12, 1)), tf.float32)
    far = tf.constant([[0.5, 1.0], [2.0, -1.0], [7.5, 0.0], [0.0, -2.5]], tf.float32)  # 7.5 > MAX_SHIFT
    print(f"TF_XLA_FLAGS={os.environ['TF_XLA_FLAGS']}; offset 7.5 exceeds the {MAX_SHIFT} px border")
    forward = tf.function(Translation())
    try:
        shifted = forward(images, far)
    except tf.errors.InvalidArgumentError as err:
        print("the bounds check fired, so the helper ran without XLA:", err.message.splitlines()[0])
        return 0
    print(f"the bounds check never ran: translate_xla was compiled by XLA anyway (XLA drops "
          f"tf.debugging assertions), output {tuple(shifted.shape)} built from an out-of-border shift")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
