"""The reconstruction score: invariant to global phase and scale, flat object as the baseline."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from shapecheck import ShapeContractError  # noqa: E402
from ptycho_core.metrics import SSIM_WINDOW, remove_phase_plane, score, ssim  # noqa: E402
from .reference import ssim_windows  # noqa: E402


def _object(rng: np.random.Generator, shape: tuple[int, int] = (20, 20)) -> np.ndarray:
    return (0.5 + rng.uniform(size=shape)) * np.exp(1j * rng.uniform(-1, 1, size=shape))


def test_score_ignores_global_phase_and_scale() -> None:
    gt = _object(np.random.default_rng(0))
    region = np.ones(gt.shape, bool)
    s = score(2.5 * np.exp(1.3j) * gt, gt, region)
    assert s.rel_error == pytest.approx(0.0, abs=1e-9)
    assert s.amplitude_corr == pytest.approx(1.0) and s.phase_corr == pytest.approx(1.0)
    assert s.amplitude_ssim == pytest.approx(1.0) and s.phase_ssim == pytest.approx(1.0)


@pytest.mark.parametrize("shape", [(20, 20), (18, 26)])  # an object image need not be square
def test_flat_object_scores_exactly_the_flat_baseline(shape: tuple[int, int]) -> None:
    gt = _object(np.random.default_rng(1), shape)
    region = np.zeros(gt.shape, bool)
    region[2:16, 3:17] = True
    s = score(np.ones_like(gt), gt, region)
    assert s.rel_error == pytest.approx(s.flat_rel_error)
    g = gt[region]
    assert s.flat_rel_error == pytest.approx(np.linalg.norm(g - g.mean()) / np.linalg.norm(g))
    assert s.pixels == region.sum()


def test_wrong_object_scores_worse_than_flat_and_bad_input_is_named() -> None:
    rng = np.random.default_rng(2)
    gt, other = _object(rng), _object(rng)
    region = np.ones(gt.shape, bool)
    assert score(other, gt, region).rel_error > 0.9 * score(np.ones_like(gt), gt, region).flat_rel_error
    with pytest.raises(ValueError, match="region is empty"):
        score(gt, gt, np.zeros(gt.shape, bool))
    with pytest.raises(ShapeContractError, match="argument 'gt' breaks its contract"):
        score(gt[:5], gt, region)  # wrong on purpose


def test_ssim_equals_a_loop_reference_on_the_windows_inside_the_region() -> None:
    rng = np.random.default_rng(3)
    ref = rng.uniform(0.5, 1.0, size=(24, 30))
    img = ref + rng.normal(scale=0.1, size=ref.shape)
    region = np.zeros(ref.shape, bool)
    region[1:23, 2:30] = True
    region[1:6, 2:8] = False  # a notch: windows touching it do not count
    windows = ssim_windows(img, ref, float(np.ptp(ref[region])))
    inside = np.array([[region[i : i + SSIM_WINDOW, j : j + SSIM_WINDOW].all() for j in range(windows.shape[1])]
                       for i in range(windows.shape[0])])
    assert 0 < inside.sum() < inside.size
    assert ssim(img, ref, region) == pytest.approx(float(windows[inside].mean()), abs=1e-6)


def test_ssim_invariants() -> None:
    rng = np.random.default_rng(4)
    ref = rng.uniform(size=(20, 20))
    region = np.ones(ref.shape, bool)
    assert ssim(ref, ref, region) == pytest.approx(1.0)
    noisy = ref + rng.normal(scale=0.2, size=ref.shape)
    assert ssim(noisy, ref, region) < ssim(ref + rng.normal(scale=0.02, size=ref.shape), ref, region) < 1.0
    assert ssim(0.5 * ref, ref, region) < 0.99  # contrast and luminance count, not just correlation
    assert abs(ssim(np.full_like(ref, ref.mean()), ref, region)) < 0.05  # no structure
    # Pixels outside the region do not matter.
    region[:, 15:] = False
    other = ref.copy()
    other[:, 15:] = 0.0
    assert ssim(other, ref, region) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no 11x11 window fits inside the region"):
        ssim(ref, ref, np.pad(np.ones((10, 10), bool), 5))


def test_ssim_with_an_explicit_data_range_equals_the_loop_reference() -> None:
    rng = np.random.default_rng(5)
    ref = rng.uniform(-1.0, 1.0, size=(16, 16))
    img = ref + rng.normal(scale=0.2, size=ref.shape)
    region = np.ones(ref.shape, bool)
    for data_range in (0.5, 2.0 * np.pi):
        expected = float(ssim_windows(img, ref, data_range).mean())
        assert ssim(img, ref, region, data_range) == pytest.approx(expected, abs=1e-6)
    with pytest.raises(ValueError, match="data_range must be positive"):
        ssim(img, ref, region, 0.0)


def test_phase_ssim_takes_the_phase_circle_as_its_range_after_removing_a_phase_plane() -> None:
    """As PtychoPINN scores phase: plane of the phase difference removed, [-pi, pi] mapped to a range of 1."""
    rng = np.random.default_rng(6)
    gt = _object(rng)
    region = np.ones(gt.shape, bool)
    ys, xs = np.mgrid[0:20, 0:20]
    noise = rng.normal(scale=0.3, size=gt.shape)
    noisy = gt * np.exp(1j * noise)
    ramped = noisy * np.exp(1j * (0.4 + 0.03 * xs - 0.02 * ys))
    s, s_ramped = score(noisy, gt, region), score(ramped, gt, region)
    # The plane goes, whatever the constant: the ramped copy scores as the plain one.
    assert s_ramped.phase_ssim == pytest.approx(s.phase_ssim, abs=1e-6)
    assert s_ramped.phase_ssim_strict < s.phase_ssim_strict  # the strict score sees the ramp
    flat_phase = np.angle(remove_phase_plane(noisy, gt, region))
    assert s.phase_ssim == pytest.approx(ssim(flat_phase, np.angle(gt), region, 2.0 * np.pi), abs=1e-6)
    aligned_phase = np.angle(np.vdot(noisy, gt) / np.vdot(noisy, noisy).real * noisy)
    assert s.phase_ssim_strict == pytest.approx(ssim(aligned_phase, np.angle(gt), region), abs=1e-6)
    assert s.phase_ssim_strict < s.phase_ssim < 1.0  # the object's phase spans less than 2 pi


def test_remove_phase_plane_removes_exactly_a_plane() -> None:
    gt = _object(np.random.default_rng(7))
    region = np.zeros(gt.shape, bool)
    region[3:17, 2:15] = True
    ys, xs = np.mgrid[0:20, 0:20]
    ramped = 1.7 * gt * np.exp(1j * (-0.5 + 0.05 * xs + 0.02 * ys))
    np.testing.assert_allclose(remove_phase_plane(ramped, gt, region), 1.7 * gt, atol=1e-9)
