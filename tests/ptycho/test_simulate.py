"""The simulator: seeded, consistent with the core's offset convention, Poisson-noised."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from ptycho_core import extract_patches  # noqa: E402
from ptycho_core.metrics import score  # noqa: E402
from ptycho_core.stitch import stitch, stitch_groups  # noqa: E402
from ptycho_core.simulate import SimConfig, simulate  # noqa: E402

pytestmark = pytest.mark.tf

CFG = SimConfig(N=16, gridsize=2, object_size=48, step=4.0, n_groups=20, neighbours=5, photons=1e3, seed=3)


def test_simulation_is_seeded_and_shaped() -> None:
    a, b = simulate(CFG), simulate(CFG)
    np.testing.assert_array_equal(a.amplitudes, b.amplitudes)
    assert a.amplitudes.shape == (20, 16, 16, 4) and a.amplitudes.dtype == np.float32
    assert a.offsets.shape == (20, 1, 2, 4)
    np.testing.assert_allclose(a.offsets.mean(axis=3), 0.0, atol=1e-5)
    assert a.P >= 16 + 2 * np.abs(a.offsets).max()
    other = simulate(SimConfig(**{**CFG.__dict__, "seed": 4}))
    assert not np.array_equal(other.amplitudes, a.amplitudes)


def test_counts_are_poisson_around_the_clean_intensity() -> None:
    data = simulate(CFG)
    counts = data.amplitudes**2
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-3)  # integers
    clean = data.clean_amplitudes[data.groups].transpose(0, 2, 3, 1) ** 2
    assert counts.sum(axis=(1, 2)).mean() == pytest.approx(clean.sum(axis=(1, 2)).mean(), rel=0.05)
    assert clean.sum(axis=(1, 2)).mean() == pytest.approx(1e3, rel=0.2)


def test_global_offsets_extract_the_patch_at_each_scan_position() -> None:
    data = simulate(CFG)
    k = int(data.groups[0, 0])
    patch = extract_patches(
        tf.constant(data.obj[None, :, :, None]), tf.constant(data.global_offsets[:1, :, :, :1]), 16
    ).numpy()[0, :, :, 0]
    x, y = data.positions[k]
    # Integer part of the position: the patch centre pixel holds the object near (x, y).
    xi, yi = int(round(x)), int(round(y))
    window = data.obj[yi - 8 : yi + 8, xi - 8 : xi + 8]
    assert np.abs(patch - window).mean() < 0.5 * np.abs(window - window.mean()).mean() + 0.05


def test_stitching_ground_truth_patches_reproduces_the_object() -> None:
    data = simulate(CFG)
    offsets = data.global_offsets[:, 0].transpose(0, 2, 1).reshape(-1, 2)
    obj = tf.constant(np.repeat(data.obj[None, :, :, None], 1, axis=0))
    pats = extract_patches(obj, tf.constant(offsets.T[None, None]), 16).numpy()[0].transpose(2, 0, 1)
    image, count = stitch(pats, offsets, data.obj.shape[0])
    region = count >= 1.0
    scores = score(image, data.obj, region)
    assert scores.rel_error < 0.1 < scores.flat_rel_error
    assert scores.amplitude_corr > 0.9 and scores.phase_corr > 0.9


def test_stitching_groups_undoes_a_constant_phase_per_group() -> None:
    """The data cannot fix a group's phase: each group of true patches gets a random one.
    Averaged as they are the groups cancel; synchronised first they give the object back."""
    data = simulate(CFG)
    obj = tf.constant(np.repeat(data.obj[None, :, :, None], len(data.groups), axis=0))
    pats = extract_patches(obj, tf.constant(data.global_offsets), 16).numpy()  # (G, N, N, C)
    rng = np.random.default_rng(5)
    pats = pats * np.exp(1j * rng.uniform(-np.pi, np.pi, size=(len(pats), 1, 1, 1))).astype(np.complex64)
    size = data.obj.shape[0]
    image, count = stitch_groups(pats, data.global_offsets, size, data.probe)
    region = count >= 1.0
    synced = score(image, data.obj, region)
    flat = pats.transpose(0, 3, 1, 2).reshape(-1, 16, 16)
    flat_offsets = data.global_offsets[:, 0].transpose(0, 2, 1).reshape(-1, 2)
    unsynced = score(stitch(flat, flat_offsets, size)[0], data.obj, region)
    assert synced.rel_error < 0.1 < unsynced.rel_error
    assert synced.phase_ssim > 0.9 > unsynced.phase_ssim


def test_groups_are_a_seed_and_its_nearest_neighbours_in_row_major_order() -> None:
    from ptycho_core.groups import neighbour_groups

    rng = np.random.default_rng(0)
    positions = rng.uniform(0, 100, size=(1500, 2))  # more than one block of rows
    groups = neighbour_groups(positions, 4, 6, 50, rng)
    assert groups.shape == (50, 4)
    dist = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :6]  # itself and 5 nearest
    for group in groups:
        assert len(set(group)) == 4
        assert any(set(group) <= set(nearest[m]) for m in group)
        ys, xs = positions[group, 1], positions[group, 0]
        assert list(np.lexsort((xs, ys))) == [0, 1, 2, 3]


def test_nearest_groups_hold_each_position_and_its_nearest_in_row_major_order() -> None:
    from ptycho_core.groups import nearest_groups

    rng = np.random.default_rng(5)
    positions = rng.uniform(0, 30, size=(12, 2))
    groups = nearest_groups(positions, 4)
    assert groups.shape == (12, 4)
    distances = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    for i, row in enumerate(groups):
        assert set(row) == {i, *np.argsort(distances[i])[1:4]}  # itself and its 3 nearest (brute force)
        np.testing.assert_array_equal(row, row[np.lexsort((positions[row, 0], positions[row, 1]))])


@pytest.mark.parametrize("scale", [0.5, 7.0])
def test_intensity_scale_from_data_recovers_the_scale_of_a_unit_object(scale: float) -> None:
    # Parseval: the patterns of a unit-amplitude object under the probe, times ``scale``, carry
    # scale**2 * sum|probe|**2 photons each, so the scale read back from them is ``scale``
    from ptycho_core.physics import intensity_scale_from_data
    from ptycho_core.simulate import make_probe

    probe = make_probe(12)
    pattern = scale * np.abs(np.fft.fftshift(np.fft.fft2(probe.astype(np.complex128), norm="ortho")))
    amplitudes = np.repeat(pattern[None, :, :, None], 3, axis=0).repeat(4, axis=3).astype(np.float32)
    assert intensity_scale_from_data(amplitudes, probe) == pytest.approx(scale, rel=1e-5)
