"""Seed 003, buggy: the XLA-compiled translation works at the training batch size, fails at inference.

PINN inference failed with "Input 1 to node `...translation...` with op Tile must be a
compile-time constant" or "Asked to propagate a dynamic dimension ... to hlo %fft =
c64[<=32,64,64]": the Fourier translation processes the batch in chunks, and while the
batch size is static (training) the chunk loop is a Python loop with constant bounds; once
the batch size is unknown at trace time (Keras relaxes it when a second batch size shows up,
e.g. the last, smaller inference batch) the loop becomes a tf.while_loop whose chunk size is
a runtime value, and the tile multiples and the FFT sizes depend on it.

Run: ``SHAPECHECK_MODE=off python buggy.py`` (TensorFlow's own error) or ``python buggy.py``.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

from shapecheck import Float32, check

CHUNK = 4  # patches per FFT chunk, to bound memory


def frequencies(n: tf.Tensor) -> tf.Tensor:
    """Sample frequencies in cycles per pixel, in FFT order (as numpy.fft.fftfreq)."""
    k = tf.range(n)
    k = tf.where(k < (n + 1) // 2, k, k - n)
    return tf.cast(k, tf.float32) / tf.cast(n, tf.float32)


@check
def translate_chunked(
    images: Float32[tf.Tensor, "B H W"], offsets: Float32[tf.Tensor, "B 2"]
) -> Float32[tf.Tensor, "B H W"]:
    """Sub-pixel shift of each image by its (dy, dx) (Fourier shift theorem), CHUNK images at a time."""
    n = images.shape[0] or tf.shape(images)[0]  # static while training, a tensor when relaxed
    h, w = tf.shape(images)[1], tf.shape(images)[2]
    ky, kx = frequencies(h), frequencies(w)
    chunks = tf.TensorArray(tf.float32, size=(n + CHUNK - 1) // CHUNK, infer_shape=False)
    for start in range(0, n, CHUNK):
        size = tf.minimum(CHUNK, n - start)
        grid_y = tf.tile(ky[None, :, None], [size, 1, w])  # expect: SC201
        grid_x = tf.tile(kx[None, None, :], [size, h, 1])  # expect: SC201
        shift = offsets[start:start + size]
        phase = grid_y * shift[:, 0, None, None] + grid_x * shift[:, 1, None, None]
        ramp = tf.exp(tf.complex(tf.zeros_like(phase), -2.0 * math.pi * phase))
        spectrum = tf.signal.fft2d(tf.complex(images[start:start + size], 0.0))  # expect: SC204
        chunks = chunks.write(start // CHUNK, tf.math.real(tf.signal.ifft2d(spectrum * ramp)))
    return chunks.concat()


@tf.function(jit_compile=True, reduce_retracing=True)  # expect: SC303
def predict_step(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
    """The compiled step, relaxed to an unknown batch size after a second size, as Keras does."""
    return translate_chunked(images, offsets)


def main() -> None:
    rng = np.random.default_rng(3)
    for batch in (16, 10):  # the training batch size, then the last, smaller inference batch
        images = tf.constant(rng.normal(size=(batch, 16, 16)), tf.float32)
        offsets = tf.constant(rng.uniform(-2.0, 2.0, size=(batch, 2)), tf.float32)
        print(f"batch {batch}: translating images {tuple(images.shape)}", flush=True)
        shifted = predict_step(images, offsets)
        print(f"batch {batch}: ok, output {tuple(shifted.shape)}", flush=True)


if __name__ == "__main__":
    main()
