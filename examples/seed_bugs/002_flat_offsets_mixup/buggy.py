"""Seed 002, buggy: flat images (B*C, N, N, 1) meet offsets still shaped (B, 2) in translate.

The dose-response study died in the translation with "Input to reshape is a tensor with
778752 values, but the requested shape has 24336". The cause was upstream: the scan
positions arrived as (B, 2) instead of (B, 1, 2, C); ``flatten_offsets`` let them through
unchanged while ``channel_to_flat`` turned the patches into (B*C, N, N, 1). The layer also
reads gridsize and the XLA switch from a global dict while being traced, so setting
``CFG["use_xla_translate"] = False`` after the first trace changes nothing.

Run: ``SHAPECHECK_MODE=off python buggy.py`` (TensorFlow's own error) or ``python buggy.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from shapecheck import Float32, check

# The legacy global parameter dict; scripts mutate it after import.
CFG: dict[str, object] = {"gridsize": 2, "N": 8, "use_xla_translate": True}


@check
def channel_to_flat(imgs: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B*C H W 1"]:
    """(B, H, W, C) -> (B*C, H, W, 1), channel-major within each sample."""
    shape = tf.shape(imgs)
    moved = tf.transpose(imgs, [0, 3, 1, 2])
    return tf.reshape(moved, [shape[0] * shape[3], shape[1], shape[2], 1])


def flatten_offsets(offsets: tf.Tensor) -> tf.Tensor:
    """Legacy helper without a contract: (B, 1, 2, C) -> (B*C, 2); other ranks pass through."""
    if offsets.shape.rank == 4:
        offsets = tf.reshape(tf.transpose(offsets, [0, 3, 1, 2]), [-1, 2])
    return offsets


@check
def translate_gather(
    images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]
) -> Float32[tf.Tensor, "N H W 1"]:
    """Shift each image by its (dy, dx) offset rounded to whole pixels; zero fill (XLA-friendly)."""
    n = tf.shape(offsets)[0]  # the batch comes from the offsets, as in the legacy XLA warp
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


def translate(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
    """Pick the translation implementation from the global config, at trace time."""
    if CFG["use_xla_translate"]:  # expect: SC302
        return translate_gather(images, offsets)
    return translate_native(images, offsets)


class ReassemblePatches(keras.layers.Layer):
    """Shift every channel of every patch to its scan position, then sum the channels."""

    @check
    def call(
        self, patches: Float32[tf.Tensor, "B N N C"], positions: Float32[tf.Tensor, "B ..."]
    ) -> Float32[tf.Tensor, "B N N 1"]:
        imgs_flat = channel_to_flat(patches)
        offsets_flat = flatten_offsets(positions)
        shifted = translate(imgs_flat, offsets_flat)  # expect: SC103
        size = tf.shape(patches)[1]
        per_channel = tf.reshape(shifted, [-1, int(CFG["gridsize"]) ** 2, size, size])  # expect: SC301
        return tf.reduce_sum(per_channel, axis=1)[..., None]


def main() -> None:
    batch, n, channels = 2, int(CFG["N"]), int(CFG["gridsize"]) ** 2
    rng = np.random.default_rng(0)
    patches = tf.constant(rng.normal(size=(batch, n, n, channels)), tf.float32)
    positions = tf.constant(rng.uniform(-2.0, 2.0, size=(batch, 2)), tf.float32)  # (B, 2): wrong layout
    layer = ReassemblePatches()
    forward = tf.function(layer)
    print("patches", patches.shape, "positions", positions.shape)
    out = forward(patches, positions)
    print("reassembled", out.shape)


if __name__ == "__main__":
    main()
