"""Seed 000, buggy: XLA cannot compile the reassembly, because a crop size is computed from data.

Training failed in the first step with "Exception while converting .../translation/
PartitionedCall to XLA: ... RET_CHECK failure (dynamic_padder.cc) ChooseSimpleReduction
OperandToBroadcast(reduce)": inside the jit-compiled translation a dimension depended on
the scan positions, so XLA's dynamic padder met an op it cannot pad. Here the canvas is
cropped to the extent the (jittered) positions reach and then Fourier-transformed.

Run: ``SHAPECHECK_MODE=off python buggy.py`` (TensorFlow's own error) or ``python buggy.py``.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

from shapecheck import Complex64, Float32, check

MAX_SHIFT = 4  # border reserved around every patch for its shift, in pixels
JITTER = 0.5  # training-time position jitter, in pixels


def frequencies(n: tf.Tensor) -> tf.Tensor:
    """Sample frequencies in cycles per pixel, in FFT order (as numpy.fft.fftfreq)."""
    k = tf.range(n)
    k = tf.where(k < (n + 1) // 2, k, k - n)
    return tf.cast(k, tf.float32) / tf.cast(n, tf.float32)


@check
def shift_spectrum(
    spectrum: Complex64[tf.Tensor, "B H W"], offsets: Float32[tf.Tensor, "B 2"]
) -> Complex64[tf.Tensor, "B H W"]:
    """Multiply by the phase ramp that shifts each image by its (dy, dx) (Fourier shift theorem)."""
    ky = frequencies(tf.shape(spectrum)[1])[None, :, None]
    kx = frequencies(tf.shape(spectrum)[2])[None, None, :]
    phase = ky * offsets[:, 0, None, None] + kx * offsets[:, 1, None, None]
    return spectrum * tf.exp(tf.complex(tf.zeros_like(phase), -2.0 * math.pi * phase))


@check
def reassemble(
    patches: Float32[tf.Tensor, "B N N"], offsets: Float32[tf.Tensor, "B 2"]
) -> Float32[tf.Tensor, "M M"]:
    """Shift every patch to its scan position on a shared canvas and sum the overlaps."""
    border = [[0, 0], [MAX_SHIFT, MAX_SHIFT], [MAX_SHIFT, MAX_SHIFT]]
    canvas = tf.pad(patches, border)
    reach = tf.cast(tf.math.ceil(tf.reduce_max(tf.abs(offsets))), tf.int32)  # from the data
    lo, hi = MAX_SHIFT - reach, tf.shape(canvas)[1] - MAX_SHIFT + reach  # crop to what the scan reaches
    spectrum = tf.signal.fft2d(tf.complex(canvas[:, lo:hi, lo:hi], 0.0))  # expect: SC204
    shifted = tf.math.real(tf.signal.ifft2d(shift_spectrum(spectrum, offsets)))
    return tf.reduce_sum(shifted, axis=0)


@tf.function(jit_compile=True)  # expect: SC303
@check
def reassemble_step(
    patches: Float32[tf.Tensor, "B N N"], offsets: Float32[tf.Tensor, "B 2"]
) -> Float32[tf.Tensor, "M M"]:
    """One compiled training-time reassembly with position jitter."""
    jittered = offsets + tf.random.normal(tf.shape(offsets), stddev=JITTER)
    return reassemble(patches, jittered)


def main() -> None:
    rng = np.random.default_rng(0)
    patches = tf.constant(rng.normal(size=(4, 16, 16)), tf.float32)
    offsets = tf.constant(rng.uniform(-2.0, 2.0, size=(4, 2)), tf.float32)
    print("patches", tuple(patches.shape), "offsets", tuple(offsets.shape))
    canvas = reassemble_step(patches, offsets)
    print("canvas", tuple(canvas.shape))


if __name__ == "__main__":
    main()
