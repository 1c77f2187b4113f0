"""The reconstruction score: invariant to global phase and scale, flat object as the baseline."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from ptycho_core.metrics import score  # noqa: E402


def _object(rng: np.random.Generator) -> np.ndarray:
    return (0.5 + rng.uniform(size=(20, 20))) * np.exp(1j * rng.uniform(-1, 1, size=(20, 20)))


def test_score_ignores_global_phase_and_scale() -> None:
    gt = _object(np.random.default_rng(0))
    region = np.ones(gt.shape, bool)
    s = score(2.5 * np.exp(1.3j) * gt, gt, region)
    assert s.rel_error == pytest.approx(0.0, abs=1e-9)
    assert s.amplitude_corr == pytest.approx(1.0) and s.phase_corr == pytest.approx(1.0)


def test_flat_object_scores_exactly_the_flat_baseline() -> None:
    gt = _object(np.random.default_rng(1))
    region = np.zeros(gt.shape, bool)
    region[2:18, 3:17] = True
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
    with pytest.raises(ValueError, match="shapes differ"):
        score(gt[:5], gt, region)
