"""Save, load, infer: a trained model survives ``model.save`` / ``keras.models.load_model``.

The workflow of the seed reports: train with XLA, save, load elsewhere, compile the loaded
model with ``jit_compile=True`` and run inference at batch sizes other than the training
batch, a final partial batch included. The loaded layers are ``ptycho_core``'s own classes,
so their contracts still fire.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from shapecheck import ShapeContractError  # noqa: E402
from ptycho_core.layers import Illuminate, PhaseFromLogits  # noqa: E402
from ptycho_core.model import ModelConfig, PtychoLoss, build_model, reconstruction_model  # noqa: E402
from ptycho_core.simulate import SimConfig, make_probe, simulate  # noqa: E402

pytestmark = pytest.mark.tf


def test_illuminate_config_carries_the_probe() -> None:
    probe = make_probe(8) * np.complex64(1.5 - 0.5j)
    layer = Illuminate(probe, name="illum")
    config = layer.get_config()
    rebuilt = Illuminate.from_config(config)
    np.testing.assert_array_equal(rebuilt.probe.numpy(), probe)
    assert rebuilt.name == "illum"
    assert config["probe"]["real"] == probe.real.tolist()  # plain lists: the config is JSON


def test_loss_config_round_trips() -> None:
    loss = PtychoLoss(0.25)
    assert PtychoLoss.from_config(loss.get_config()).mae_weight == 0.25


@pytest.mark.slow
def test_saved_model_reloads_and_runs_xla_inference_at_other_batch_sizes(tmp_path: Path) -> None:
    data = simulate(SimConfig(N=16, gridsize=2, object_size=40, step=4.0, n_groups=12, seed=3))
    keras.utils.set_random_seed(0)
    models = build_model(ModelConfig(N=16, gridsize=2, P=data.P, filters=(4, 8)), data.probe, 10.0, jit_compile=True)
    models.train.fit([data.amplitudes, data.offsets], data.amplitudes, batch_size=4, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    models.train.save(path)

    loaded = keras.models.load_model(path)
    assert isinstance(loaded.get_layer("illuminate"), Illuminate)
    assert isinstance(loaded.get_layer("object_phase"), PhaseFromLogits)
    np.testing.assert_array_equal(loaded.get_layer("illuminate").probe.numpy(), data.probe)
    assert loaded.get_layer("reassemble").P == data.P
    loaded.compile(loss=loaded.loss, jit_compile=True)
    restored = reconstruction_model(loaded)
    restored.compile(jit_compile=True)

    for b in (1, 3, 7):
        inputs = [data.amplitudes[:b], data.offsets[:b]]
        want = models.train.predict(inputs, batch_size=b, verbose=0)
        got = loaded.predict(inputs, batch_size=b, verbose=0)
        assert got.shape == (b, 16, 16, 4)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # 12 groups at batch 5: two full batches and a final partial batch of 2.
    want = models.reconstruct.predict(data.amplitudes, batch_size=12, verbose=0)
    got = restored.predict(data.amplitudes, batch_size=5, verbose=0)
    assert got.shape == (12, 16, 16, 4) and got.dtype == np.complex64
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)

    # The loaded layers still carry their contracts: offsets of another batch are refused.
    with pytest.raises(ShapeContractError, match="dim 0 is 4 but B=3"):
        loaded([data.amplitudes[:3], data.offsets[:4]])
