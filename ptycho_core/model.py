"""The physics-informed reconstruction network: one builder, every size an argument."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ptycho_core.layers import (
    CentreOffsets,
    CombineComplex,
    Diffract,
    ExtractPatches,
    Illuminate,
    IntensityScale,
    PhaseFromLogits,
    ReassemblePatches,
    serializable,
)
from ptycho_core.physics import poisson_nll

# The amplitude decoder ends in a sigmoid, which starts near sigmoid(0) = 0.5.
INITIAL_AMPLITUDE = 0.5
# Name of the layer whose output is the complex object in channel layout.
OBJECT_PATCHES = "object_patches"


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and knobs of :func:`build_model` (nothing here is read from a global)."""

    N: int
    gridsize: int
    P: int
    filters: tuple[int, ...] = (16, 32, 64)
    mask_fraction: float = 0.5
    pad: int = 0
    mae_weight: float = 0.0
    learning_rate: float = 1e-3
    chunk_size: int | None = None
    # Not "relu": a ReLU decoder can die in the first steps, when the phase alone explains
    # most of the data, and then the amplitude stays flat for good (seen on the quick preset,
    # seed 1: amplitude 0.49..0.53 everywhere after 36 epochs).
    activation: str = "leaky_relu"

    def __post_init__(self) -> None:
        depth = len(self.filters) - 1
        if self.gridsize < 1:
            raise ValueError(f"gridsize must be >= 1, got {self.gridsize}")
        if depth < 1 or self.N % (2**depth):
            raise ValueError(f"N={self.N} must be divisible by 2**{depth} for {len(self.filters)} filter stages")
        if self.P < self.N:
            raise ValueError(f"P={self.P} must be at least N={self.N}")
        if self.pad:
            raise ValueError("pad > 0 changes the pattern size; the model compares with N x N data, use pad=0")


@dataclass
class PtychoModels:
    """``train``: (amplitudes, offsets) -> predicted amplitudes; ``reconstruct``: amplitudes -> object patches."""

    train: keras.Model
    reconstruct: keras.Model
    config: ModelConfig
    scale: IntensityScale


def _conv(x: Any, filters: int, name: str, activation: str) -> Any:
    return keras.layers.Conv2D(filters, 3, padding="same", activation=activation, name=name)(x)


def _decoder(x: Any, filters: tuple[int, ...], channels: int, name: str, activation: str) -> Any:
    for i, f in enumerate(reversed(filters[:-1])):
        x = keras.layers.UpSampling2D(2, name=f"{name}_up{i}")(x)
        x = _conv(x, f, f"{name}_conv{i}", activation)
    return keras.layers.Conv2D(channels, 3, padding="same", name=f"{name}_out")(x)


@serializable
class PtychoLoss(keras.losses.Loss):
    """Poisson NLL of measured intensity, plus ``mae_weight`` times the amplitude MAE (a scalar)."""

    def __init__(self, mae_weight: float = 0.0, name: str = "ptycho_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.mae_weight = float(mae_weight)

    def call(self, measured: tf.Tensor, predicted: tf.Tensor) -> tf.Tensor:
        measured = tf.cast(measured, predicted.dtype)
        loss = poisson_nll(measured, predicted)
        if self.mae_weight:
            loss = loss + self.mae_weight * tf.reduce_mean(tf.abs(measured - predicted))
        return loss

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mae_weight": self.mae_weight}


def reconstruction_model(train: keras.Model) -> keras.Model:
    """Amplitudes ``(B, N, N, C)`` -> complex object patches ``(B, N, N, C)``, sharing ``train``'s layers.

    Works on a freshly built model and on one loaded with ``keras.models.load_model``.
    """
    return keras.Model(train.inputs[0], train.get_layer(OBJECT_PATCHES).output, name="ptycho_reconstruct")


def build_model(
    config: ModelConfig, probe: np.ndarray, intensity_scale: float = 1.0, *, jit_compile: bool = False
) -> PtychoModels:
    """Encoder + amplitude/phase decoders, then reassemble -> extract -> illuminate -> diffract.

    Inputs: diffraction amplitudes ``(B, N, N, C)`` and channel offsets ``(B, 1, 2, C)``.
    Output: predicted amplitudes ``(B, N, N, C)``. ``jit_compile`` is passed to
    ``Model.compile`` (an explicit argument, never an environment switch).

    ``intensity_scale`` is the scale for an object of unit amplitude (see
    :func:`ptycho_core.physics.intensity_scale_from_data`). The learnable scale starts at
    ``intensity_scale / INITIAL_AMPLITUDE`` so that the untrained object (amplitude about
    0.5) already predicts the measured photon count: otherwise the first steps push the
    sigmoid towards saturation, where amplitude contrast stops learning (measured on the
    quick preset: amplitude correlation -0.03 without, 0.57 with).
    """
    n, c = config.N, config.gridsize**2
    if tuple(np.shape(probe)) != (n, n):
        raise ValueError(f"probe must be (N, N) = ({n}, {n}), got {np.shape(probe)}")
    amplitudes = keras.Input((n, n, c), name="amplitudes")
    offsets = keras.Input((1, 2, c), name="offsets")
    scale = IntensityScale(intensity_scale / INITIAL_AMPLITUDE, name="intensity_scale")

    x = scale(amplitudes, divide=True)
    for i, f in enumerate(config.filters):
        x = _conv(x, f, f"enc_conv{i}a", config.activation)
        x = _conv(x, f, f"enc_conv{i}b", config.activation)
        if i < len(config.filters) - 1:
            x = keras.layers.MaxPooling2D(2, name=f"enc_pool{i}")(x)
    amp_logits = _decoder(x, config.filters, c, "amp", config.activation)
    phase_logits = _decoder(x, config.filters, c, "phase", config.activation)
    amplitude = keras.layers.Activation("sigmoid", name="object_amplitude")(amp_logits)
    phase = PhaseFromLogits(name="object_phase")(phase_logits)
    obj_patches = CombineComplex(name=OBJECT_PATCHES)(amplitude, phase)

    centred = CentreOffsets(name="centre_offsets")(offsets)
    canvas = ReassemblePatches(
        config.P, config.mask_fraction, chunk_size=config.chunk_size, name="reassemble"
    )(obj_patches, centred)
    patches = ExtractPatches(n, name="extract")(canvas, centred)
    waves = Illuminate(probe, name="illuminate")(patches)
    predicted = Diffract(config.pad, name="diffract")(waves)
    predicted = scale(predicted)

    train = keras.Model([amplitudes, offsets], predicted, name="ptycho_pinn")
    train.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate), loss=PtychoLoss(config.mae_weight), jit_compile=jit_compile
    )
    return PtychoModels(train=train, reconstruct=reconstruction_model(train), config=config, scale=scale)
