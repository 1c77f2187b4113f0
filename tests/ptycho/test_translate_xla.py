"""``translate`` compiled by XLA (its one-pass window kernel) against the NumPy reference.

Each signature is traced and compiled once (batch unknown when tracing) and then called with
many shifts: shifts beyond the image side, windows of the first and last image that reach
past the batch (XLA clamps those: the kernel recomputes the two images), integer shifts,
empty and single-image batches.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from hypothesis import example, given, settings, strategies as st  # noqa: E402

from ptycho_core.translate import translate  # noqa: E402

from . import reference as ref  # noqa: E402

pytestmark = [pytest.mark.tf, pytest.mark.slow]

H, W = 9, 7


@cache
def _compiled(channels: int, dtype: str) -> Callable[..., tf.Tensor]:
    specs = [tf.TensorSpec((None, H, W, channels), tf.as_dtype(dtype)), tf.TensorSpec((None, 2), tf.float32)]
    # Compiling translate with XLA is what is tested here.
    return tf.function(translate, jit_compile=True, input_signature=specs)  # shapecheck: ignore[SC303]


def _images(batch: int, channels: int, dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(batch, H, W, channels))
    if dtype == "complex64":
        values = values + 1j * rng.normal(size=values.shape)
    return values.astype(dtype)


def _check(images: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    got = _compiled(images.shape[3], images.dtype.name)(tf.constant(images), tf.constant(offsets)).numpy()
    assert got.shape == images.shape and got.dtype == images.dtype
    for m in range(images.shape[0]):
        want = ref.bilinear_shift(images[m], *offsets[m].astype(np.float64))
        np.testing.assert_allclose(got[m], want, atol=2e-5, err_msg=f"image {m} of {images.shape[0]}")
    return got


shift = st.floats(-14.5, 14.5, allow_nan=False, width=32)  # beyond the image sides too


@settings(max_examples=40, deadline=None)
@given(
    offsets=st.lists(st.tuples(shift, shift), min_size=1, max_size=5),
    channels=st.sampled_from([1, 3]),
    dtype=st.sampled_from(["complex64", "float32"]),
)
# The first image's windows start before the batch, the last one's end after it.
@example(offsets=[(3.5, 2.25), (0.0, 0.0), (-4.75, -3.5)], channels=1, dtype="complex64")
@example(offsets=[(-4.75, -3.5)], channels=3, dtype="float32")
def test_compiled_translate_matches_numpy(offsets: list[tuple[float, float]], channels: int, dtype: str) -> None:
    array = np.array(offsets, np.float32)
    _check(_images(len(offsets), channels, dtype, seed=len(offsets)), array)


@pytest.mark.parametrize("dx,dy", [(0, 0), (3, -2), (-6, 8), (7, 0), (0, -9), (1000, -1000), (-78, 79)])
def test_compiled_integer_shift_is_exact_zero_filled_roll(dx: int, dy: int) -> None:
    images = _images(3, 2, "complex64", seed=3)
    got = _compiled(2, "complex64")(tf.constant(images), tf.constant([[dx, dy]] * 3, tf.float32)).numpy()
    for m in range(3):
        np.testing.assert_array_equal(got[m], ref.zero_filled_roll(images[m], dx, dy))


def test_compiled_far_and_fractional_shifts() -> None:
    offsets = np.array([[100.2, 0.3], [-1e6, 2.5], [0.5, -9.5], [6.99, 8.5], [-7.25, -0.75]], np.float32)
    got = _check(_images(5, 1, "complex64", seed=4), offsets)
    assert not got[:2].any()


def test_a_nan_stays_in_its_own_image() -> None:
    """Taps outside image ``m`` read the memory of image ``m +- 1``: they are dropped, never multiplied by zero."""
    images = _images(5, 1, "float32", seed=5)
    images[2] = np.nan
    # Image 1's windows reach past its end into image 2, image 3's start inside image 2.
    offsets = np.array([[0.0, 0.0], [-2.5, -3.5], [0.0, 0.0], [2.5, 3.5], [0.0, 0.0]], np.float32)
    got = _compiled(1, "float32")(tf.constant(images), tf.constant(offsets)).numpy()
    for m in (0, 1, 3, 4):
        np.testing.assert_allclose(got[m], ref.bilinear_shift(images[m], *offsets[m].astype(np.float64)), atol=2e-5)


def test_empty_batch_compiles() -> None:
    got = _compiled(1, "complex64")(tf.zeros((0, H, W, 1), tf.complex64), tf.zeros((0, 2)))
    assert got.shape == (0, H, W, 1)


def test_xla_runs_the_one_pass_kernel() -> None:
    """The compiled program reads whole-image windows (not the two-pass fallback's per-row gathers)."""
    images, offsets = tf.constant(_images(4, 1, "complex64", seed=6)), tf.zeros((4, 2))
    hlo = _compiled(1, "complex64").experimental_get_compiler_ir(images, offsets)(stage="hlo")
    assert f"slice_sizes={{{H * W}}}" in hlo
