"""The forward model after extraction: illumination, far-field diffraction, Poisson likelihood."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shapecheck import Complex, Complex64, Float, Float32, check
from ptycho_core.dims import positive_int, static_dim

# Keeps the amplitude's gradient finite where the diffracted power is exactly zero; adds
# at most ``Q*Q*1e-12`` to a pattern's total power.
_POWER_FLOOR = 1e-12


@check
def illuminate(patches: Complex[tf.Tensor, "B N N C"], probe: Complex[tf.Tensor, "N N"]) -> Complex[tf.Tensor, "B N N C"]:
    """Exit waves: every patch multiplied by the complex probe."""
    return patches * tf.cast(probe, patches.dtype)[None, :, :, None]


@check
def diffract(patches: Complex64[tf.Tensor, "K N N 1"], pad: int = 0) -> Float32[tf.Tensor, "K Q Q 1"]:
    """Far-field amplitude of each exit wave, ``Q = N + 2*pad``.

    Zero-pad by ``pad`` on every side, 2-D FFT, ``sqrt(|F|^2 / (Q*Q))``, fftshift (zero
    frequency at ``Q // 2``). The ``1 / (Q*Q)`` makes it the unitary transform, so the sum
    of squared amplitudes equals the sum of ``|patch|^2`` (Parseval).
    """
    positive_int(pad, "pad", "diffract", minimum=0)
    q = static_dim(patches, 1, "diffract") + 2 * pad  # square: the contract ties both sides to N
    waves = patches[..., 0]
    if pad:
        waves = tf.pad(waves, [[0, 0], [pad, pad], [pad, pad]])
    field = tf.signal.fft2d(waves)
    power = tf.math.square(tf.math.real(field)) + tf.math.square(tf.math.imag(field))
    amplitude = tf.sqrt(power / float(q * q) + _POWER_FLOOR)
    return tf.signal.fftshift(amplitude, axes=(1, 2))[..., None]


@check
def poisson_nll(
    measured_amplitude: Float[tf.Tensor, "B H W C"], predicted_amplitude: Float[tf.Tensor, "B H W C"]
) -> Float[tf.Tensor, ""]:
    """Mean Poisson negative log-likelihood of measured counts ``a_m^2`` under rate ``a_p^2``.

    ``mean(I_p - I_m * log(I_p + eps))``; the data-only term ``log(I_m!)`` is dropped.
    """
    measured = tf.square(measured_amplitude)
    predicted = tf.square(predicted_amplitude)
    return tf.reduce_mean(predicted - measured * tf.math.log(predicted + 1e-6))


@check
def intensity_scale_from_data(amplitudes: Float[np.ndarray, "B N N C"], probe: Complex[np.ndarray, "N N"]) -> float:
    """Initial intensity scale: ``sqrt(mean photons per pattern / sum |probe|^2)``.

    For an object of unit amplitude, the forward model times this scale predicts the
    measured photon count (Parseval). Used to initialise the learnable ``log_scale``.
    """
    photons = float(np.mean(np.sum(np.square(amplitudes, dtype=np.float64), axis=(1, 2))))
    probe_power = float(np.sum(np.abs(probe.astype(np.complex128)) ** 2))
    if probe_power <= 0.0:
        raise ValueError("intensity_scale_from_data: the probe has no power")
    return float(np.sqrt(photons / probe_power))
