"""Seed 004, buggy: the chunked (vectorised) translation splits the images but not the offsets.

compare_models.py died with "Dimensions must be equal, but are 5088 and 159 for
'{{node mul_21}} = Mul' with input shapes: [5088,?,?,1], [159,?,?,1]": the batch splitter
divided the 5088 patches into 32 chunks of 159 and passed every chunk together with all
5088 offsets. The tempting patch, cycling the offsets to the chunk size with
``gather(offsets, range(n) % m)``, makes the shapes agree and the result silently wrong.

Run: ``SHAPECHECK_MODE=off python buggy.py`` (TensorFlow's own report) or ``python buggy.py``.
``--xla`` compiles the reassembly with XLA, as the original code did.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

from shapecheck import Float32, check

N_CHUNKS = 32  # 5088 patches -> 32 chunks of 159


def tent_weights(size: tf.Tensor, shifts: tf.Tensor) -> tf.Tensor:
    """(N, size, size) linear-interpolation weights: out[i] = sum_j w[i, j] * in[j], zero fill."""
    grid = tf.cast(tf.range(size), tf.float32)
    source = grid[None, :, None] - shifts[:, None, None]
    return tf.nn.relu(1.0 - tf.abs(source - grid[None, None, :]))


@check
def translate(
    images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]
) -> Float32[tf.Tensor, "N H W 1"]:
    """Bilinear shift of each image by its (dy, dx), as two separable interpolations."""
    wy = tent_weights(tf.shape(images)[1], offsets[:, 0])
    wx = tent_weights(tf.shape(images)[2], offsets[:, 1])
    rows = tf.reduce_sum(wy[:, :, :, None] * images[:, None, :, :, 0], axis=2)
    cols = tf.reduce_sum(rows[:, :, None, :] * wx[:, None, :, :], axis=3)
    return cols[..., None]


@check
def translate_cycled(
    images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "M 2"]
) -> Float32[tf.Tensor, "N H W 1"]:
    """The 'XLA-safe' patch: offsets are cycled to the image batch so any batch sizes 'fit'."""
    matched = tf.gather(offsets, tf.range(tf.shape(images)[0]) % tf.shape(offsets)[0])  # expect: SC106
    return translate(images, matched)


@check
def reassemble_vectorised(
    patches: Float32[tf.Tensor, "B H W 1"], offsets: Float32[tf.Tensor, "B 2"]
) -> Float32[tf.Tensor, "B H W 1"]:
    """Translate in chunks to bound memory; only the patches are split."""
    chunks = tf.split(patches, N_CHUNKS, axis=0)
    shifted = [translate(chunk, offsets) for chunk in chunks]  # expect: SC101
    return tf.concat(shifted, axis=0)


@check
def reassemble_cycled(
    patches: Float32[tf.Tensor, "B H W 1"], offsets: Float32[tf.Tensor, "B 2"]
) -> Float32[tf.Tensor, "B H W 1"]:
    """The same chunking through the cycling patch: runs, and every chunk reuses chunk 0's offsets."""
    chunks = tf.split(patches, N_CHUNKS, axis=0)
    return tf.concat([translate_cycled(chunk, offsets) for chunk in chunks], axis=0)


def main(use_xla: bool = False) -> None:
    n_patches = 5088
    rng = np.random.default_rng(4)
    patches = tf.constant(rng.normal(size=(n_patches, 8, 8, 1)), tf.float32)
    offsets = tf.constant(rng.uniform(-3.0, 3.0, size=(n_patches, 2)), tf.float32)
    reference = tf.function(translate, jit_compile=use_xla)(patches, offsets)  # one unchunked batch

    cycled = tf.function(reassemble_cycled, jit_compile=use_xla)(patches, offsets)
    error = tf.reduce_max(tf.abs(tf.reshape(cycled - reference, [N_CHUNKS, -1])), axis=1).numpy()
    print(f"cycled offsets: ran without error; {int((error > 1e-4).sum())} of {N_CHUNKS} chunks "
          f"differ from the unchunked result (max abs error {error.max():.3f})")

    print("vectorised reassembly: patches", tuple(patches.shape), "offsets", tuple(offsets.shape))
    out = tf.function(reassemble_vectorised, jit_compile=use_xla)(patches, offsets)
    print("reassembled", tuple(out.shape))


if __name__ == "__main__":
    main(use_xla="--xla" in sys.argv[1:])
