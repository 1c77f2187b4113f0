"""Training: the quick preset learns (loss falls, reconstruction beats a flat object)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")

pytestmark = [pytest.mark.tf, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_quick_training_reconstructs_better_than_a_flat_object(tmp_path: Path) -> None:
    from ptycho_core.train import parse_args, run

    png = tmp_path / "recon.png"
    metrics = run(parse_args(["--quick", "--verbose", "0", "--output", str(png), "--metrics-json",
                              str(tmp_path / "m.json")]))
    assert metrics["loss_last_epoch"] < metrics["loss_first_epoch"] - 1.0
    # The reconstruction error must be clearly below that of a flat object (see metrics.py).
    assert metrics["rel_error"] < 0.8 * metrics["flat_rel_error"]
    # Seed 0 measured 0.91 / 0.96 correlation and 0.88 / 0.96 SSIM (amplitude / phase, 80 epochs);
    # the bounds leave room for other CPUs and TensorFlow builds.
    assert metrics["phase_corr"] > 0.8
    assert metrics["amplitude_corr"] > 0.6
    assert metrics["amplitude_ssim"] > 0.5 and metrics["phase_ssim"] > 0.5
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "m.json").read_text())["rel_error"] == pytest.approx(metrics["rel_error"])


def test_cli_rejects_bad_arguments() -> None:
    proc = subprocess.run([sys.executable, "-m", "ptycho_core.train", "--epochs", "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "--epochs must be >= 1, got 0" in proc.stderr


def test_full_preset_decays_the_learning_rate_to_its_final_fraction(tmp_path: Path) -> None:
    from ptycho_core.train import PRESETS, parse_args, run

    full = PRESETS["full"]
    assert full.lr_final < 1.0  # the full preset trains with the cosine decay
    metrics = run(parse_args(["--epochs", "3", "--n-groups", "32", "--verbose", "0",
                              "--output", str(tmp_path / "full.png")]))
    assert metrics["preset"]["mae_weight"] == full.mae_weight
    assert metrics["learning_rate_last_epoch"] == pytest.approx(full.learning_rate * full.lr_final, rel=1e-5)
