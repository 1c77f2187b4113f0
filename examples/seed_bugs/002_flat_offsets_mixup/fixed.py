"""Seed 002, fixed: offsets travel in channel layout (B, 1, 2, C) and are flattened with a contract.

``flatten_offsets`` now demands (B, 1, 2, C) and returns (B*C, 2), in the same channel-major
order as ``channel_to_flat``; gridsize and the XLA choice are constructor arguments of the
layer, read once outside traced code, so no trace ever captures a stale global.

Run: ``python fixed.py``; prints one success line.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from shapecheck import Float32, check


@check
def channel_to_flat(imgs: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B*C H W 1"]:
    """(B, H, W, C) -> (B*C, H, W, 1), channel-major within each sample."""
    shape = tf.shape(imgs)
    moved = tf.transpose(imgs, [0, 3, 1, 2])
    return tf.reshape(moved, [shape[0] * shape[3], shape[1], shape[2], 1])


@check
def flatten_offsets(offsets: Float32[tf.Tensor, "B 1 2 C"]) -> Float32[tf.Tensor, "B*C 2"]:
    """(B, 1, 2, C) -> (B*C, 2), in the order ``channel_to_flat`` uses."""
    return tf.reshape(tf.transpose(offsets, [0, 3, 1, 2]), [-1, 2])


@check
def translate_gather(
    images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]
) -> Float32[tf.Tensor, "N H W 1"]:
    """Shift each image by its (dy, dx) offset rounded to whole pixels; zero fill (XLA-friendly)."""
    n = tf.shape(images)[0]
    h, w = tf.shape(images)[1], tf.shape(images)[2]
    pixels = tf.reshape(images, [n, h * w])
    shift = tf.cast(tf.round(offsets), tf.int32)
    ys = tf.range(h)[None, :, None] - shift[:, 0, None, None]
    xs = tf.range(w)[None, None, :] - shift[:, 1, None, None]
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    index = tf.clip_by_value(ys, 0, h - 1) * w + tf.clip_by_value(xs, 0, w - 1)
    picked = tf.gather(pixels, tf.reshape(index, [n, h * w]), batch_dims=1)
    kept = tf.where(tf.reshape(inside, [n, h * w]), picked, tf.zeros_like(picked))
    return tf.reshape(kept, [n, h, w, 1])


@check
def translate_native(
    images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]
) -> Float32[tf.Tensor, "N H W 1"]:
    """The same shift through TensorFlow's ImageProjectiveTransformV3 (no XLA kernel)."""
    ones = tf.ones_like(offsets[:, :1])
    zeros = tf.zeros_like(ones)
    dy, dx = offsets[:, :1], offsets[:, 1:]
    transforms = tf.concat([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="NEAREST", fill_mode="CONSTANT",
    )


class ReassemblePatches(keras.layers.Layer):
    """Shift every channel of every patch to its scan position, then sum the channels."""

    def __init__(self, gridsize: int, use_xla_translate: bool, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.channels = gridsize**2
        self.translate = translate_gather if use_xla_translate else translate_native

    @check
    def call(
        self, patches: Float32[tf.Tensor, "B N N C"], positions: Float32[tf.Tensor, "B 1 2 C"]
    ) -> Float32[tf.Tensor, "B N N 1"]:
        imgs_flat = channel_to_flat(patches)
        offsets_flat = flatten_offsets(positions)
        shifted = self.translate(imgs_flat, offsets_flat)
        size = tf.shape(patches)[1]
        per_channel = tf.reshape(shifted, [-1, self.channels, size, size])
        return tf.reduce_sum(per_channel, axis=1)[..., None]


def main() -> None:
    gridsize, batch, n = 2, 2, 8
    channels = gridsize**2
    rng = np.random.default_rng(0)
    patches = tf.constant(rng.normal(size=(batch, n, n, channels)), tf.float32)
    positions = tf.constant(rng.uniform(-2.0, 2.0, size=(batch, 1, 2, channels)), tf.float32)
    outputs = []
    for use_xla_translate in (True, False):
        layer = ReassemblePatches(gridsize=gridsize, use_xla_translate=use_xla_translate)
        outputs.append(tf.function(layer)(patches, positions))
    gap = float(tf.reduce_max(tf.abs(outputs[0] - outputs[1])))
    if gap > 1e-6:
        raise SystemExit(f"gather and native translations disagree by {gap}")
    print(f"OK seed 002 fixed: reassembled {tuple(outputs[0].shape)} from patches {tuple(patches.shape)} "
          f"and positions {tuple(positions.shape)}; gather and native paths agree (max gap {gap:.1e})")


if __name__ == "__main__":
    main()
