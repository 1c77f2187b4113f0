"""ptycho_core numerics against NumPy references (small eager TensorFlow runs)."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from hypothesis import given, settings, strategies as st  # noqa: E402

from ptycho_core import layouts, patches, physics  # noqa: E402
from ptycho_core.translate import translate  # noqa: E402

from . import reference as ref  # noqa: E402

pytestmark = pytest.mark.tf

RNG = np.random.default_rng(1234)


def _complex(shape: tuple[int, ...], rng: np.random.Generator = RNG) -> np.ndarray:
    return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(np.complex64)


# ----- translate -------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    dx=st.floats(-9.5, 9.5, allow_nan=False),
    dy=st.floats(-9.5, 9.5, allow_nan=False),
    k=st.integers(1, 3),
)
def test_translate_matches_numpy_bilinear(dx: float, dy: float, k: int) -> None:
    rng = np.random.default_rng(7)
    images = rng.normal(size=(2, 12, 15, k)).astype(np.float32)
    offsets = np.array([[dx, dy], [-dy, dx]], np.float32)
    got = translate(tf.constant(images), tf.constant(offsets)).numpy()
    for m in range(2):
        want = ref.bilinear_shift(images[m], *offsets[m].astype(np.float64))
        np.testing.assert_allclose(got[m], want, atol=1e-4)


def test_translate_direction_positive_dx_moves_content_right() -> None:
    image = np.zeros((1, 9, 9, 1), np.float32)
    image[0, 4, 4, 0] = 1.0
    out = translate(tf.constant(image), tf.constant([[2.0, -1.0]])).numpy()
    assert out[0, 3, 6, 0] == pytest.approx(1.0)
    assert out.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("dx,dy", [(0, 0), (3, -2), (-5, 4), (11, 0), (0, -13), (20, 20)])
def test_integer_shift_is_zero_filled_roll(dx: int, dy: int) -> None:
    images = _complex((3, 13, 11, 2))
    offsets = np.tile(np.array([[dx, dy]], np.float32), (3, 1))
    got = translate(tf.constant(images), tf.constant(offsets)).numpy()
    for m in range(3):
        np.testing.assert_array_equal(got[m], ref.zero_filled_roll(images[m], dx, dy))


def test_translate_complex_shifts_real_and_imaginary_alike() -> None:
    images = _complex((2, 10, 10, 1))
    offsets = tf.constant([[1.25, -0.5], [-2.75, 3.5]])
    both = translate(tf.constant(images), offsets).numpy()
    real = translate(tf.constant(images.real), offsets).numpy()
    imag = translate(tf.constant(images.imag), offsets).numpy()
    np.testing.assert_allclose(both.real, real, atol=1e-6)
    np.testing.assert_allclose(both.imag, imag, atol=1e-6)


def test_eager_translate_traces_its_graph_once_for_all_batch_sizes() -> None:
    from ptycho_core.translate import _translate_dense_graph

    images = _complex((6, 10, 9, 1))
    offsets = RNG.uniform(-4, 4, size=(6, 2)).astype(np.float32)
    before = _translate_dense_graph.experimental_get_tracing_count()
    for b in range(1, 7):
        got = translate(tf.constant(images[:b]), tf.constant(offsets[:b])).numpy()
        for m in range(b):
            np.testing.assert_allclose(got[m], ref.bilinear_shift(images[m], *offsets[m].astype(np.float64)), atol=1e-5)
    assert _translate_dense_graph.experimental_get_tracing_count() - before <= 2


# ----- layouts ---------------------------------------------------------------------------
@pytest.mark.parametrize("g", [1, 2, 3])
def test_layout_round_trips_are_exact(g: int) -> None:
    c = g * g
    x = tf.constant(RNG.normal(size=(3, 5, 5, c)).astype(np.float32))
    flat = layouts.channel_to_flat(x)
    assert flat.shape == (3 * c, 5, 5, 1)
    np.testing.assert_array_equal(layouts.flat_to_channel(flat, c).numpy(), x.numpy())
    grid = layouts.channel_to_grid(x)
    assert grid.shape == (3, g, g, 5, 5, 1)
    np.testing.assert_array_equal(layouts.grid_to_channel(grid).numpy(), x.numpy())


def test_flat_row_index_is_b_times_c_plus_c() -> None:
    x = RNG.normal(size=(2, 4, 4, 4)).astype(np.float32)
    flat = layouts.channel_to_flat(tf.constant(x)).numpy()
    for b in range(2):
        for c in range(4):
            np.testing.assert_array_equal(flat[b * 4 + c, :, :, 0], x[b, :, :, c])


def test_channels_that_are_no_square_grid_have_no_grid_layout() -> None:
    with pytest.raises(ValueError, match="3 channels is not a square gridsize"):
        layouts.channel_to_grid(tf.constant(np.zeros((1, 4, 4, 3), np.float32)))


def test_grid_is_row_major() -> None:
    x = RNG.normal(size=(1, 3, 3, 4)).astype(np.float32)
    grid = layouts.channel_to_grid(tf.constant(x)).numpy()
    np.testing.assert_array_equal(grid[0, 1, 0, :, :, 0], x[0, :, :, 2])
    np.testing.assert_array_equal(grid[0, 0, 1, :, :, 0], x[0, :, :, 1])


def test_flatten_offsets_pairs_rows_with_patches() -> None:
    offsets = RNG.normal(size=(3, 1, 2, 4)).astype(np.float32)
    flat = layouts.flatten_offsets(tf.constant(offsets)).numpy()
    assert flat.shape == (12, 2)
    for b in range(3):
        for c in range(4):
            np.testing.assert_array_equal(flat[b * 4 + c], offsets[b, 0, :, c])
    back = layouts.unflatten_offsets(tf.constant(flat), 4).numpy()
    np.testing.assert_array_equal(back, offsets)


def test_flat_to_channel_rejects_rows_not_a_multiple_of_c() -> None:
    with pytest.raises(ValueError, match="multiple of C=4"):
        layouts.flat_to_channel(tf.zeros((6, 3, 3, 1)), 4)


# ----- extraction and reassembly ---------------------------------------------------------
def _group_offsets(b: int, g: int, step: float, jitter: float, rng: np.random.Generator) -> np.ndarray:
    ys, xs = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
    base = np.stack([xs.ravel(), ys.ravel()]) * step  # (2, C)
    offs = base[None] + rng.uniform(-jitter, jitter, size=(b, 2, g * g))
    offs -= offs.mean(axis=2, keepdims=True)
    return offs[:, None].astype(np.float32)


@pytest.mark.parametrize("g,dtype", [(1, np.float32), (2, np.float32), (2, np.complex64), (3, np.float32)])
def test_extract_patches_matches_literal_spec(g: int, dtype: type) -> None:
    rng = np.random.default_rng(g)
    obj = rng.normal(size=(2, 20, 20, 1)).astype(dtype)
    offsets = _group_offsets(2, g, 3.3, 1.0, rng) + rng.normal(size=(2, 1, 2, 1)).astype(np.float32)
    got = patches.extract_patches(tf.constant(obj), tf.constant(offsets), 8).numpy()
    assert got.shape == (2, 8, 8, g * g)
    np.testing.assert_allclose(got, ref.extract_patches(obj, offsets, 8), atol=1e-4)


@pytest.mark.parametrize("g,dtype", [(1, np.float32), (2, np.complex64), (3, np.float32)])
def test_reassemble_patches_matches_literal_spec(g: int, dtype: type) -> None:
    rng = np.random.default_rng(10 + g)
    pats = rng.normal(size=(2, 8, 8, g * g)).astype(dtype)
    offsets = _group_offsets(2, g, 2.7, 1.5, rng) + 5.0  # the mean is removed per group
    got = patches.reassemble_patches(tf.constant(pats), tf.constant(offsets), 17).numpy()
    assert got.shape == (2, 17, 17, 1)
    np.testing.assert_allclose(got, ref.reassemble_patches(pats, offsets, 17), atol=1e-4)


@pytest.mark.parametrize("chunk", [1, 3, 4, 9, 16])
def test_chunked_reassembly_equals_plain(chunk: int) -> None:
    rng = np.random.default_rng(chunk)
    pats = _complex((3, 8, 8, 9), rng)
    offsets = _group_offsets(3, 3, 2.5, 1.0, rng)
    plain = patches.reassemble_patches(tf.constant(pats), tf.constant(offsets), 20).numpy()
    chunked = patches.reassemble_patches_chunked(tf.constant(pats), tf.constant(offsets), 20, chunk).numpy()
    np.testing.assert_allclose(chunked, plain, atol=1e-4)


def _mask_count(offsets: np.ndarray, n: int, p: int) -> np.ndarray:
    c = offsets.shape[3]
    ones = tf.ones((offsets.shape[0], n, n, c)) * patches.central_mask(n, 0.5)[None, :, :, None]
    return patches.reassemble_patches(ones, tf.constant(offsets), p).numpy()[..., 0]


def test_extract_then_reassemble_reproduces_object_where_covered() -> None:
    rng = np.random.default_rng(3)
    n, p, g = 16, 32, 3
    obj = _complex((2, p, p, 1), rng)
    # Integer offsets with an exactly zero group mean: the round trip is exact.
    ys, xs = np.meshgrid(np.arange(g) - 1, np.arange(g) - 1, indexing="ij")
    grid = np.stack([xs.ravel(), ys.ravel()]) * 4  # (2, C), zero mean
    jitter = rng.integers(-1, 2, size=(2, 2, g * g))
    jitter[..., -1] = -jitter[..., :-1].sum(axis=-1)
    offsets = (grid[None] + jitter)[:, None].astype(np.float32)
    assert np.all(offsets.mean(axis=3) == 0)
    pats = patches.extract_patches(tf.constant(obj), tf.constant(offsets), n)
    rebuilt = patches.reassemble_normalised(pats, tf.constant(offsets), p, eps=1e-6).numpy()[..., 0]
    count = _mask_count(offsets, n, p)
    covered = count >= 1.0
    assert covered.sum() > 2 * 8 * 8
    np.testing.assert_allclose(rebuilt[covered], obj[..., 0][covered], rtol=1e-5, atol=1e-5)
    assert np.all(rebuilt[count == 0] == 0)
    # Sub-pixel offsets blur once out and once back: error of the order of one bilinear blur,
    # far below the error of a wrong pairing of patches and positions.
    sub = offsets + rng.uniform(-0.5, 0.5, size=offsets.shape).astype(np.float32)
    sub -= sub.mean(axis=3, keepdims=True)
    pats = patches.extract_patches(tf.constant(obj), tf.constant(sub), n)
    rebuilt = patches.reassemble_normalised(pats, tf.constant(sub), p, eps=1e-6).numpy()[..., 0]
    full = _mask_count(sub, n, p) >= 1.0 - 1e-4
    shuffled = patches.reassemble_normalised(pats, tf.constant(sub[:, :, :, ::-1].copy()), p, eps=1e-6).numpy()[..., 0]
    err = np.abs(rebuilt[full] - obj[..., 0][full]).mean()
    err_wrong = np.abs(shuffled[full] - obj[..., 0][full]).mean()
    assert err < 0.6 * err_wrong


def test_reassembly_bad_sizes_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="P must be an int >= 1"):
        patches.reassemble_patches(tf.zeros((1, 4, 4, 1)), tf.zeros((1, 1, 2, 1)), 0)
    with pytest.raises(ValueError, match="chunk_size must be an int >= 1"):
        patches.reassemble_patches_chunked(tf.zeros((1, 4, 4, 1)), tf.zeros((1, 1, 2, 1)), 8, 0)


# ----- physics ---------------------------------------------------------------------------
@pytest.mark.parametrize("pad", [0, 3])
def test_diffraction_conserves_l2_norm(pad: int) -> None:
    waves = _complex((4, 12, 12, 1))
    amp = physics.diffract(tf.constant(waves), pad).numpy()
    assert amp.shape == (4, 12 + 2 * pad, 12 + 2 * pad, 1)
    np.testing.assert_allclose((amp**2).sum(axis=(1, 2, 3)), (np.abs(waves) ** 2).sum(axis=(1, 2, 3)), rtol=1e-4)


def test_diffraction_matches_numpy_fft_and_centres_dc() -> None:
    waves = _complex((2, 8, 8, 1))
    amp = physics.diffract(tf.constant(waves)).numpy()[..., 0]
    want = np.abs(np.fft.fftshift(np.fft.fft2(waves[..., 0]), axes=(1, 2))) / 8
    np.testing.assert_allclose(amp, want, rtol=1e-4, atol=1e-5)
    flat = np.ones((1, 8, 8, 1), np.complex64)
    dc = physics.diffract(tf.constant(flat)).numpy()[0, :, :, 0]
    assert np.unravel_index(np.argmax(dc), dc.shape) == (4, 4)


def test_illuminate_multiplies_every_patch_by_the_probe() -> None:
    pats = _complex((2, 6, 6, 4))
    probe = _complex((6, 6))
    got = physics.illuminate(tf.constant(pats), tf.constant(probe)).numpy()
    np.testing.assert_allclose(got, pats * probe[None, :, :, None], rtol=1e-6)


def test_poisson_nll_is_minimised_at_the_measured_intensity() -> None:
    measured = np.full((1, 4, 4, 1), 3.0, np.float32)
    values = [
        float(physics.poisson_nll(tf.constant(measured), tf.constant(measured * s))) for s in (0.5, 0.9, 1.0, 1.1, 2.0)
    ]
    assert int(np.argmin(values)) == 2
    want = np.mean(9.0 - 9.0 * np.log(9.0 + 1e-6))
    assert values[2] == pytest.approx(want, rel=1e-5)


def test_poisson_nll_of_rectangular_patterns_equals_numpy() -> None:
    # a detector need not be square: the likelihood is elementwise over (B, H, W, C)
    measured = RNG.uniform(0.0, 3.0, size=(2, 5, 7, 3)).astype(np.float32)
    predicted = RNG.uniform(0.5, 3.0, size=(2, 5, 7, 3)).astype(np.float32)
    got = float(physics.poisson_nll(tf.constant(measured), tf.constant(predicted)))
    i_m, i_p = measured.astype(np.float64) ** 2, predicted.astype(np.float64) ** 2
    assert got == pytest.approx(float(np.mean(i_p - i_m * np.log(i_p + 1e-6))), rel=1e-5)


def test_dense_taps_equal_the_gather_pass() -> None:
    """``taps_matrix @ x`` (the dense translate path) is ``resample_axis`` (the XLA path), zero fill included."""
    from ptycho_core.resample import resample_axis, taps_matrix

    rng = np.random.default_rng(8)
    x = rng.normal(size=(6, 9, 5, 2)).astype(np.float32)
    shift = np.array([0.0, 2.0, -3.25, 0.5, 11.0, -40.0], np.float32)  # integer, sub-pixel, all outside
    for origin, out_size in ((0, 9), (-3, 14), (2, 4)):
        want = resample_axis(tf.constant(x), tf.constant(shift), axis=1, out_size=out_size, origin=origin).numpy()
        matrix = taps_matrix(tf.constant(shift), 9, out_size, origin).numpy()
        assert matrix.shape == (6, out_size, 9)
        np.testing.assert_allclose(np.einsum("rol,rlwk->rowk", matrix, x), want, rtol=1e-5, atol=1e-6)
    assert not np.any(taps_matrix(tf.constant(shift), 9, 9).numpy()[5])  # shifted out: all zero
