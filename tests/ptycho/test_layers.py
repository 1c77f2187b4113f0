"""Keras layers and the model builder: each layer equals its function, sizes are arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from ptycho_core import channel_to_flat, diffract, flat_to_channel, reassemble_normalised  # noqa: E402
from ptycho_core.layers import Diffract, Illuminate, IntensityScale, ReassemblePatches  # noqa: E402
from ptycho_core.model import ModelConfig, PtychoLoss, build_model  # noqa: E402
from ptycho_core.simulate import make_probe  # noqa: E402

pytestmark = pytest.mark.tf
RNG = np.random.default_rng(11)


def _complex(shape: tuple[int, ...]) -> np.ndarray:
    return (RNG.normal(size=shape) + 1j * RNG.normal(size=shape)).astype(np.complex64)


@pytest.mark.parametrize("shape", [(2, 3, 3, 1), (2, 3, 5, 2)])  # a detector need not be square
def test_intensity_scale_divides_input_and_multiplies_prediction(shape: tuple[int, ...]) -> None:
    layer = IntensityScale(4.0)
    x = tf.constant(RNG.uniform(1, 2, size=shape).astype(np.float32))
    np.testing.assert_allclose(layer(x, divide=True).numpy(), x.numpy() / 4.0, rtol=1e-6)
    np.testing.assert_allclose(layer(x).numpy(), x.numpy() * 4.0, rtol=1e-6)
    assert layer.log_scale.trainable and float(layer.log_scale.numpy()) == pytest.approx(math.log(4.0))
    with pytest.raises(ValueError, match="initial_scale must be positive"):
        IntensityScale(0.0)


def test_diffract_layer_is_diffract_in_channel_layout() -> None:
    waves = tf.constant(_complex((2, 8, 8, 4)))
    want = flat_to_channel(diffract(channel_to_flat(waves), 2), 4).numpy()
    got = Diffract(pad=2)(waves).numpy()
    assert got.shape == (2, 12, 12, 4)
    np.testing.assert_array_equal(got, want)


def test_reassemble_layer_and_illuminate_layer() -> None:
    pats = tf.constant(_complex((2, 8, 8, 4)))
    offs = tf.constant(RNG.uniform(-2, 2, size=(2, 1, 2, 4)).astype(np.float32))
    np.testing.assert_allclose(ReassemblePatches(12)(pats, offs).numpy(), reassemble_normalised(pats, offs, 12).numpy())
    probe = _complex((8, 8))
    np.testing.assert_allclose(Illuminate(probe)(pats).numpy(), pats.numpy() * probe[None, :, :, None], rtol=1e-6)
    with pytest.raises(ValueError, match="square \\(N, N\\)"):
        Illuminate(np.ones((8, 4), np.complex64))


@pytest.mark.parametrize("g", [1, 2])
def test_model_maps_channel_inputs_to_channel_predictions(g: int) -> None:
    c = g * g
    models = build_model(ModelConfig(N=16, gridsize=g, P=24, filters=(4, 8)), make_probe(16), 10.0)
    x = RNG.uniform(0, 5, size=(3, 16, 16, c)).astype(np.float32)
    offs = RNG.uniform(-2, 2, size=(3, 1, 2, c)).astype(np.float32)
    pred = models.train([x, offs])
    assert pred.shape == (3, 16, 16, c) and pred.dtype == tf.float32
    obj = models.reconstruct(x)
    assert obj.shape == (3, 16, 16, c) and obj.dtype == tf.complex64
    assert np.all(np.abs(obj.numpy()) <= 1.0 + 1e-6)  # sigmoid amplitude


def test_model_builder_rejects_inconsistent_sizes() -> None:
    with pytest.raises(ValueError, match="N=18 must be divisible by 2\\*\\*2"):
        ModelConfig(N=18, gridsize=2, P=24)
    with pytest.raises(ValueError, match="P=12 must be at least N=16"):
        ModelConfig(N=16, gridsize=2, P=12)
    with pytest.raises(ValueError, match="probe must be \\(N, N\\) = \\(16, 16\\)"):
        build_model(ModelConfig(N=16, gridsize=1, P=24, filters=(4, 8)), make_probe(8))


def test_loss_is_poisson_nll_plus_optional_mae() -> None:
    measured = tf.constant(np.full((1, 4, 4, 1), 2.0, np.float32))
    predicted = tf.constant(np.full((1, 4, 4, 1), 3.0, np.float32))
    base = float(PtychoLoss()(measured, predicted))
    assert base == pytest.approx(9.0 - 4.0 * math.log(9.0 + 1e-6), rel=1e-5)
    assert float(PtychoLoss(0.5)(measured, predicted)) == pytest.approx(base + 0.5, rel=1e-5)
