"""``python -m ptycho_core.reconstruct``: a saved model and a scan ``.npz`` give a whole object."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from ptycho_core.model import ModelConfig, build_model  # noqa: E402
from ptycho_core.reconstruct import main  # noqa: E402
from ptycho_core.simulate import SimConfig, simulate  # noqa: E402

pytestmark = pytest.mark.tf
ROOT = Path(__file__).resolve().parents[2]
N = 16


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A saved (untrained: the CLI's mechanics do not need a good model) model and a scan ``.npz``."""
    folder = tmp_path_factory.mktemp("reconstruct")
    data = simulate(SimConfig(N=N, gridsize=2, object_size=40, step=4.0, n_groups=16, seed=2))
    keras.utils.set_random_seed(0)
    models = build_model(ModelConfig(N=N, gridsize=2, P=data.P, filters=(4, 8)), data.probe, 10.0)
    model = folder / "m.keras"
    models.train.save(model)
    scan = folder / "scan.npz"
    np.savez(scan, diffraction=data.measured, offsets=data.scan_offsets, probe=data.probe)
    return model, scan, data.obj.shape[0]


@pytest.mark.slow
def test_cli_stitches_the_whole_object(saved: tuple[Path, Path, int], tmp_path: Path) -> None:
    model, scan, size = saved
    out = tmp_path / "obj.npz"
    proc = subprocess.run([sys.executable, "-m", "ptycho_core.reconstruct", str(model), str(scan), "--output", str(out),
                           "--size", str(size), "--png", str(tmp_path / "obj.png"), "--batch-size", "5"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert f"stitched {size}x{size} object" in proc.stdout
    result = np.load(out)
    image, count = result["object"], result["count"]
    assert image.shape == count.shape == (size, size) and image.dtype == np.complex64
    # Every scan position is covered, and nothing far outside the scanned area is.
    with np.load(scan) as arrays:
        centres = (size - N) // 2 + N // 2 - arrays["offsets"]
    for x, y in np.rint(centres).astype(int):
        assert count[y, x] >= 1 and np.abs(image[y, x]) > 0
    assert count[0, 0] == 0 and image[0, 0] == 0
    assert (tmp_path / "obj.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The order of the patterns in the file does not matter (groups come from positions).
    with np.load(scan) as arrays:
        order = np.random.default_rng(1).permutation(len(arrays["offsets"]))
        np.savez(tmp_path / "shuffled.npz", diffraction=arrays["diffraction"][order], offsets=arrays["offsets"][order])
    assert main([str(model), str(tmp_path / "shuffled.npz"), "--output", str(tmp_path / "s.npz"),
                 "--size", str(size), "--no-jit-compile"]) == 0
    shuffled = np.load(tmp_path / "s.npz")["object"]
    region = count >= 1
    phase = np.vdot(shuffled[region], image[region])  # the global phase is arbitrary
    np.testing.assert_allclose(shuffled[region] * phase / abs(phase), image[region], atol=2e-4)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"diffraction": np.ones((5, N, N + 1)), "offsets": np.zeros((5, 2))},
         "array 'diffraction' has shape (5, 16, 17), expected (K, N, N) with N = 16 for this model"),
        ({"diffraction": np.ones((5, N, N)), "offsets": np.zeros((4, 2))},
         "array 'offsets' has shape (4, 2), expected (K, 2) = (5, 2) to match 'diffraction'"),
        ({"diffraction": np.ones((5, N, N)), "offsets": np.zeros((5, 2)), "probe": np.ones((8, 8))},
         "array 'probe' has shape (8, 8), expected (N, N) = (16, 16)"),
        ({"offsets": np.zeros((5, 2))}, "no array 'diffraction' (found: offsets)"),
        ({"diffraction": np.full((5, N, N), np.nan), "offsets": np.zeros((5, 2))},
         "array 'diffraction' must be numeric and finite"),
    ],
)
def test_cli_names_the_array_and_shape_that_do_not_match(
    saved: tuple[Path, Path, int], tmp_path: Path, arrays: dict[str, np.ndarray], message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model, _, _ = saved
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    assert main([str(model), str(bad), "--output", str(tmp_path / "o.npz")]) == 2
    err = capsys.readouterr().err
    assert f"error: {bad}: {message}" in err
    assert not (tmp_path / "o.npz").exists()


def test_cli_rejects_a_file_that_is_not_npz(saved: tuple[Path, Path, int], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    model, _, _ = saved
    bad = tmp_path / "scan.npz"
    bad.write_text("not a zip")
    assert main([str(model), str(bad)]) == 2
    assert f"error: {bad}: not a readable .npz file" in capsys.readouterr().err


def test_default_canvas_holds_every_patch() -> None:
    from ptycho_core.reconstruct import canvas_size

    rng = np.random.default_rng(6)
    for _ in range(20):
        offsets = rng.uniform(-30, 30, size=(rng.integers(1, 50), 2)) * rng.uniform(0, 1)
        size = canvas_size(offsets, N)
        corner = (size - N) // 2 - offsets  # where each patch lands (canvas convention of stitch)
        assert size % 2 == 0
        assert corner.min() >= 0 and corner.max() + N <= size
