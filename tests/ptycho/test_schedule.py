"""The training presets' learning-rate schedule (no TensorFlow needed)."""

from __future__ import annotations

import math

import pytest

from ptycho_core.train import PRESETS, cosine_learning_rate


def test_cosine_schedule_runs_from_the_initial_rate_down_to_its_final_fraction() -> None:
    rates = [cosine_learning_rate(epoch, 10, 2e-3, 0.05) for epoch in range(10)]
    assert rates[0] == pytest.approx(2e-3)
    assert rates[-1] == pytest.approx(1e-4)
    assert all(later < earlier for earlier, later in zip(rates, rates[1:]))
    assert rates[5] == pytest.approx(1e-4 + (2e-3 - 1e-4) * 0.5 * (1 + math.cos(math.pi * 5 / 9)))


def test_cosine_schedule_of_one_epoch_keeps_the_initial_rate() -> None:
    assert cosine_learning_rate(0, 1, 1e-3, 0.1) == pytest.approx(1e-3)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_have_a_usable_schedule_and_loss_weight(name: str) -> None:
    preset = PRESETS[name]
    assert 0.0 < preset.lr_final <= 1.0
    assert preset.mae_weight >= 0.0
