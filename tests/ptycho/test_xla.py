"""XLA: compiled core functions and the model's train step match eager at every batch size.

Each compiled function is traced once with an unknown batch dimension and then called at
batch sizes 1, 3 and 7 (XLA compiles one executable per concrete shape; nothing in the
core computes a shape from tensor values, so every compile succeeds).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from ptycho_core import (  # noqa: E402
    diffract,
    extract_patches,
    reassemble_normalised,
    reassemble_patches,
    reassemble_patches_chunked,
    translate,
)

pytestmark = [pytest.mark.tf, pytest.mark.slow]

BATCHES = (1, 3, 7)
N, P, M = 8, 14, 16


def _offsets(b: int, c: int, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(-2.5, 2.5, size=(b, 1, 2, c)).astype(np.float32)


def _complex(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(np.complex64)


def _compare(fn: Callable[..., tf.Tensor], specs: list[tf.TensorSpec], make: Callable[[int], list[np.ndarray]]) -> None:
    compiled = tf.function(fn, jit_compile=True, input_signature=specs)
    compiled.get_concrete_function()  # traced once, batch unknown
    for b in BATCHES:
        inputs = [tf.constant(a) for a in make(b)]
        want = fn(*inputs).numpy()
        got = compiled(*inputs).numpy()
        assert got.shape == want.shape and got.shape[0] == b
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert compiled.experimental_get_tracing_count() == 1


def test_translate_compiles_and_matches_eager() -> None:
    rng = np.random.default_rng(0)
    _compare(
        translate,
        [tf.TensorSpec((None, M, M, 2), tf.complex64), tf.TensorSpec((None, 2), tf.float32)],
        lambda b: [_complex((b, M, M, 2), rng), rng.uniform(-4, 4, (b, 2)).astype(np.float32)],
    )


@pytest.mark.parametrize("g", [1, 2])
def test_extract_and_reassemble_compile_and_match_eager(g: int) -> None:
    rng = np.random.default_rng(g)
    c = g * g
    off_spec = tf.TensorSpec((None, 1, 2, c), tf.float32)
    _compare(
        lambda obj, off: extract_patches(obj, off, N),
        [tf.TensorSpec((None, M, M, 1), tf.complex64), off_spec],
        lambda b: [_complex((b, M, M, 1), rng), _offsets(b, c, rng)],
    )
    patch_spec = tf.TensorSpec((None, N, N, c), tf.complex64)
    make = lambda b: [_complex((b, N, N, c), rng), _offsets(b, c, rng)]  # noqa: E731
    _compare(lambda p, o: reassemble_patches(p, o, P), [patch_spec, off_spec], make)
    _compare(lambda p, o: reassemble_patches_chunked(p, o, P, 3), [patch_spec, off_spec], make)
    _compare(lambda p, o: reassemble_normalised(p, o, P), [patch_spec, off_spec], make)


def test_diffract_compiles_and_matches_eager() -> None:
    rng = np.random.default_rng(5)
    _compare(
        lambda w: diffract(w, 2),
        [tf.TensorSpec((None, N, N, 1), tf.complex64)],
        lambda b: [_complex((b, N, N, 1), rng)],
    )


def _assert_same_weights(got: list[np.ndarray], want: list[np.ndarray], learning_rate: float) -> None:
    """Weights after the same Adam steps, compiled and eager.

    Adam moves every weight by about ``learning_rate`` whatever its gradient's size, so a
    weight whose gradient is at float-rounding level (a leaky-ReLU unit near zero) can move
    differently under XLA's different summation order: seen once, 1.1e-4 on 1 of 288
    weights. So: all weights within half a step, and nearly all of them (99 %, pooled) tight.
    """
    for a, w in zip(got, want):
        np.testing.assert_allclose(a, w, rtol=1e-3, atol=0.5 * learning_rate)
    tight = np.concatenate([np.isclose(a, w, rtol=1e-3, atol=1e-5).ravel() for a, w in zip(got, want)])
    assert tight.mean() >= 0.99, f"{(~tight).sum()} of {tight.size} weights differ by more than 1e-5"


@pytest.mark.parametrize("g", [1, 2])
def test_model_train_step_compiles_and_matches_eager(g: int) -> None:
    import keras

    from ptycho_core.model import ModelConfig, build_model
    from ptycho_core.simulate import SimConfig, simulate

    data = simulate(SimConfig(N=16, gridsize=g, object_size=48, step=4.0, n_groups=24, neighbours=5, seed=g))
    config = ModelConfig(N=16, gridsize=g, P=data.P, filters=(4, 8))
    keras.utils.set_random_seed(0)
    xla = build_model(config, data.probe, 10.0, jit_compile=True).train
    ref = build_model(config, data.probe, 10.0, jit_compile=False).train
    ref.run_eagerly = True  # the reference: plain eager execution, nothing compiled
    ref.set_weights(xla.get_weights())
    x, o = data.amplitudes, data.offsets
    start = 0
    for b in (4, 1, 3, 7):  # the first call traces and compiles; the others are new batch sizes
        batch = slice(start, start + b)
        start += b
        got = xla.train_on_batch([x[batch], o[batch]], x[batch])
        want = ref.train_on_batch([x[batch], o[batch]], x[batch])
        np.testing.assert_allclose(got, want, rtol=1e-4)
        _assert_same_weights(xla.get_weights(), ref.get_weights(), config.learning_rate)
    # One epoch whose final batch is partial: 7 groups at batch size 4 -> 4, 3.
    hist_x = xla.fit([x[:7], o[:7]], x[:7], batch_size=4, epochs=1, shuffle=False, verbose=0)
    hist_r = ref.fit([x[:7], o[:7]], x[:7], batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist_x.history["loss"], hist_r.history["loss"], rtol=1e-4)
    _assert_same_weights(xla.get_weights(), ref.get_weights(), config.learning_rate)
