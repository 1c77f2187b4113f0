"""Contracts on a functional Keras model's own inputs and outputs (``shapecheck.check_model``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from shapecheck import Float32, ShapeContractError, check_model  # noqa: E402

pytestmark = [pytest.mark.tf, pytest.mark.slow]

Array = tf.Tensor | np.ndarray  # Keras hands eager calls NumPy arrays, traced steps tensors


def _model(mode: str | None = None) -> Any:
    """Two inputs whose time axes Keras never ties together (the ops do not need them equal)."""
    x = keras.Input((None, 3), name="x")
    mask = keras.Input((None,), name="mask")
    out = keras.layers.Dense(2)(keras.ops.sum(x, axis=1) + keras.ops.sum(mask, axis=1, keepdims=True))
    model = keras.Model({"x": x, "mask": mask}, out)
    return check_model(
        model, inputs=dict[str, Float32[Array, "B T ..."]], outputs=Float32[Array, "B 2"], mode=mode
    )


GOOD = {"x": np.zeros((4, 5, 3), np.float32), "mask": np.zeros((4, 5), np.float32)}
BAD = {"x": np.zeros((4, 5, 3), np.float32), "mask": np.zeros((4, 6), np.float32)}  # T: 5 vs 6


def test_eager_call_checks_inputs_across_the_dict() -> None:
    model = _model()
    assert tuple(model(GOOD).shape) == (4, 2)
    with pytest.raises(ShapeContractError, match=r"argument 'inputs' \['mask'\]"):
        model(BAD)


def test_predict_and_fit_check_when_tracing() -> None:
    with pytest.raises(ShapeContractError, match=r"\['mask'\]"):
        _model().predict(BAD, verbose=0)
    model = _model()
    model.compile("sgd", "mse")
    model.fit(GOOD, np.zeros((4, 2), np.float32), verbose=0)
    fresh = _model()
    fresh.compile("sgd", "mse")
    with pytest.raises(ShapeContractError, match=r"\['mask'\]"):
        fresh.fit(BAD, np.zeros((4, 2), np.float32), verbose=0)


def test_strict_mode_catches_what_a_generalized_trace_cannot_see() -> None:
    """Keras retraces predict with unknown dims; strict checks them when the step runs."""
    model = _model(mode="strict")
    model.predict(GOOD, verbose=0)
    model.predict({"x": np.zeros((4, 7, 3), np.float32), "mask": np.zeros((4, 7), np.float32)}, verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="shapecheck_contract"):
        model.predict(BAD, verbose=0)


def test_output_contract_and_bad_use() -> None:
    x = keras.Input((3,))
    model = check_model(keras.Model(x, keras.layers.Dense(4)(x)), outputs=Float32[Array, "B 2"])
    with pytest.raises(ShapeContractError, match="return value"):
        model(np.zeros((2, 3), np.float32))
    with pytest.raises(TypeError, match="needs inputs= and/or outputs="):
        check_model(model)
