"""Keras layers, one per physics step; every ``call`` carries a shape contract.

Sizes (``N``, ``P``, ``pad``) are constructor arguments; ``C`` comes from the inputs. Every
layer is registered with Keras (package ``ptycho_core``) and returns all its constructor
arguments from ``get_config`` (the probe included), so a model built from them survives
``model.save("m.keras")`` and ``keras.models.load_model`` with its contracts: the loaded
layers are these classes again.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from shapecheck import Complex64, Float, Float32, check
from ptycho_core.dims import static_dim
from ptycho_core.layouts import channel_to_flat, flat_to_channel
from ptycho_core.patches import extract_patches, reassemble_normalised
from ptycho_core.physics import diffract, illuminate

serializable = keras.saving.register_keras_serializable(package="ptycho_core")


@serializable
class CentreOffsets(keras.layers.Layer):
    """Offsets of each group minus their group mean (what reassembly uses)."""

    @check
    def call(self, offsets: Float32[tf.Tensor, "B 1 2 C"]) -> Float32[tf.Tensor, "B 1 2 C"]:
        return offsets - tf.reduce_mean(offsets, axis=3, keepdims=True)


@serializable
class PhaseFromLogits(keras.layers.Layer):
    """Phase in ``(-pi, pi)`` from unbounded decoder logits: ``pi * tanh(logits)``."""

    @check
    def call(self, logits: Float32[tf.Tensor, "B N N C"]) -> Float32[tf.Tensor, "B N N C"]:
        return np.pi * tf.tanh(logits)


@serializable
class CombineComplex(keras.layers.Layer):
    """Amplitude and phase to the complex object ``amplitude * exp(i * phase)``."""

    @check
    def call(
        self, amplitude: Float32[tf.Tensor, "B N N C"], phase: Float32[tf.Tensor, "B N N C"]
    ) -> Complex64[tf.Tensor, "B N N C"]:
        return tf.complex(amplitude * tf.cos(phase), amplitude * tf.sin(phase))


@serializable
class ReassemblePatches(keras.layers.Layer):
    """Overlap-normalised reassembly of a group's patches onto a ``P x P`` canvas."""

    def __init__(
        self, P: int, mask_fraction: float = 0.5, eps: float = 1e-3, chunk_size: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.P = int(P)
        self.mask_fraction = float(mask_fraction)
        self.eps = float(eps)
        self.chunk_size = chunk_size

    @check
    def call(
        self, patches: Complex64[tf.Tensor, "B N N C"], offsets: Float32[tf.Tensor, "B 1 2 C"]
    ) -> Complex64[tf.Tensor, "B P P 1"]:
        return reassemble_normalised(patches, offsets, self.P, self.mask_fraction, self.eps, self.chunk_size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "P": self.P, "mask_fraction": self.mask_fraction, "eps": self.eps,
                "chunk_size": self.chunk_size}


@serializable
class ExtractPatches(keras.layers.Layer):
    """``N x N`` patches of the canvas at the group's offsets, channel layout."""

    def __init__(self, N: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.N = int(N)

    @check
    def call(
        self, obj: Complex64[tf.Tensor, "B P P 1"], offsets: Float32[tf.Tensor, "B 1 2 C"]
    ) -> Complex64[tf.Tensor, "B N N C"]:
        return extract_patches(obj, offsets, self.N)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "N": self.N}


@serializable
class Illuminate(keras.layers.Layer):
    """Multiply every patch by the fixed complex probe ``(N, N)``."""

    def __init__(self, probe: np.ndarray | tf.Tensor, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        probe_array = np.asarray(probe, np.complex64)
        if probe_array.ndim != 2 or probe_array.shape[0] != probe_array.shape[1]:
            raise ValueError(f"Illuminate: probe must be a square (N, N) array, got shape {probe_array.shape}")
        self.probe = tf.constant(probe_array)

    def get_config(self) -> dict[str, Any]:
        probe = self.probe.numpy()
        return {**super().get_config(), "probe": {"real": probe.real.tolist(), "imag": probe.imag.tolist()}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Illuminate:
        rest = {k: v for k, v in config.items() if k != "probe"}
        parts = config["probe"]
        return cls(np.asarray(parts["real"], np.float32) + 1j * np.asarray(parts["imag"], np.float32), **rest)

    @check
    def call(self, patches: Complex64[tf.Tensor, "B N N C"]) -> Complex64[tf.Tensor, "B N N C"]:
        return illuminate(patches, self.probe)


@serializable
class Diffract(keras.layers.Layer):
    """Far-field amplitude of every patch (unitary FFT, optional zero pad), channel layout."""

    def __init__(self, pad: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pad = int(pad)

    @check
    def call(self, waves: Complex64[tf.Tensor, "B N N C"]) -> Float32[tf.Tensor, "B Q Q C"]:
        return flat_to_channel(diffract(channel_to_flat(waves), self.pad), static_dim(waves, 3, "Diffract"))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pad": self.pad}


@serializable
class IntensityScale(keras.layers.Layer):
    """Learnable intensity scale ``exp(log_scale)``: divides the measured input, multiplies the prediction."""

    def __init__(self, initial_scale: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not initial_scale > 0.0 or not math.isfinite(initial_scale):
            raise ValueError(f"IntensityScale: initial_scale must be positive and finite, got {initial_scale}")
        self.initial_scale = float(initial_scale)
        self.log_scale = self.add_weight(
            name="log_scale", shape=(), initializer=keras.initializers.Constant(math.log(self.initial_scale)),
            trainable=True,
        )

    @check
    def call(self, amplitudes: Float[tf.Tensor, "B H W C"], divide: bool = False) -> Float[tf.Tensor, "B H W C"]:
        scale = tf.exp(tf.cast(self.log_scale, amplitudes.dtype))
        return amplitudes / scale if divide else amplitudes * scale

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "initial_scale": self.initial_scale}
