"""Stitch a whole object from a saved model and diffraction data: ``python -m ptycho_core.reconstruct``.

    python -m ptycho_core.reconstruct model.keras scan.npz --output object.npz [--png object.png]

``model.keras`` is a training model saved with ``model.save`` (see :mod:`ptycho_core.train`,
``--save-model``). ``scan.npz`` holds ``diffraction (K, N, N)``, the measured amplitudes
(square roots of the counts, as the model was trained on), ``offsets (K, 2)``, the global
``(dx, dy)`` offset of every pattern in the core's convention (a patch at offset ``o`` is
placed at ``(size - N) // 2 - o`` on the canvas), and optionally ``probe (N, N)`` (complex;
it weights the groups' phase synchronisation, default: the model's probe). Every pattern is
grouped with its ``C - 1`` nearest neighbours, the model (compiled with XLA unless
``--no-jit-compile``) reconstructs each group, and the groups are stitched in one phase frame
(:func:`ptycho_core.stitch.stitch_groups`). Writes ``object (S, S)`` complex64 and
``count (S, S)`` (patch centres covering each pixel) to ``--output``.
"""

from __future__ import annotations

import argparse
import math
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class ScanFileError(ValueError):
    """The scan file does not hold what the model needs; the message names the file and the array."""


@dataclass(frozen=True)
class Scan:
    diffraction: np.ndarray  # (K, N, N) float32
    offsets: np.ndarray  # (K, 2) float32
    probe: np.ndarray | None  # (N, N) complex64


def read_scan(path: Path, n: int) -> Scan:
    """Read and validate ``path`` for a model with ``N x N`` patterns."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise ScanFileError(f"{path}: not a readable .npz file ({error})") from None
    with archive:
        arrays = {name: archive[name] for name in archive.files}

    def require(name: str, expected: str, ok: bool, shape: tuple[int, ...]) -> None:
        if not ok:
            raise ScanFileError(f"{path}: array '{name}' has shape {shape}, expected {expected}")

    for name in ("diffraction", "offsets"):
        if name not in arrays:
            raise ScanFileError(f"{path}: no array '{name}' (found: {', '.join(sorted(arrays)) or 'none'})")
    diffraction, offsets = arrays["diffraction"], arrays["offsets"]
    require("diffraction", f"(K, N, N) with N = {n} for this model",
            diffraction.ndim == 3 and diffraction.shape[1:] == (n, n) and diffraction.shape[0] > 0, diffraction.shape)
    k = diffraction.shape[0]
    require("offsets", f"(K, 2) = ({k}, 2) to match 'diffraction'", offsets.shape == (k, 2), offsets.shape)
    probe = arrays.get("probe")
    if probe is not None:
        require("probe", f"(N, N) = ({n}, {n})", probe.shape == (n, n), probe.shape)
    for name, array in (("diffraction", diffraction), ("offsets", offsets), ("probe", probe)):
        if array is not None and not (np.issubdtype(array.dtype, np.number) and np.isfinite(array).all()):
            raise ScanFileError(f"{path}: array '{name}' must be numeric and finite (dtype {array.dtype})")
    return Scan(diffraction.astype(np.float32), offsets.astype(np.float32),
                None if probe is None else probe.astype(np.complex64))


def canvas_size(offsets: np.ndarray, n: int) -> int:
    """Smallest even canvas side that holds every patch at its offset, plus a pixel of margin."""
    reach = int(math.ceil(float(np.abs(offsets).max()))) if len(offsets) else 0
    size = n + 2 * reach + 2
    return size + size % 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ptycho_core.reconstruct", description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="a model saved with model.save('....keras')")
    parser.add_argument("scan", type=Path,
                        help=".npz with diffraction (K, N, N), offsets (K, 2), optional probe (N, N)")
    parser.add_argument("--output", type=Path, default=Path("object.npz"), help=".npz to write (object, count)")
    parser.add_argument("--png", type=Path, help="also write a PNG of the amplitude and phase")
    parser.add_argument("--size", type=int, help="canvas side (default: just large enough for the offsets)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--no-jit-compile", action="store_true", help="run inference without XLA")
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.size is not None and args.size < 1:
        parser.error(f"--size must be >= 1, got {args.size}")
    return args


def reconstruct(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """Load, group, infer, stitch; returns ``(object, count)`` and writes ``args.output``."""
    import keras

    import ptycho_core.layers  # noqa: F401  (registers the layers with Keras)
    from ptycho_core.groups import nearest_groups
    from ptycho_core.model import reconstruction_model
    from ptycho_core.stitch import stitch_groups

    if not args.model.is_file():
        raise ScanFileError(f"{args.model}: no such model file")
    train = keras.models.load_model(args.model, compile=False)  # inference only: no optimizer state
    _, n, _, c = train.inputs[0].shape
    scan = read_scan(args.scan, n)
    k = len(scan.diffraction)
    if k < c:
        raise ScanFileError(f"{args.scan}: {k} patterns, fewer than the model's C = {c} per group")
    size = args.size if args.size is not None else canvas_size(scan.offsets, n)
    probe = scan.probe if scan.probe is not None else train.get_layer("illuminate").probe.numpy()
    # Scan positions are minus the offsets (up to a constant): group on them.
    groups = nearest_groups(-scan.offsets.astype(np.float64), c)
    amplitudes = scan.diffraction[groups].transpose(0, 2, 3, 1)  # (K, N, N, C)
    offsets = scan.offsets[groups].transpose(0, 2, 1)[:, None]  # (K, 1, 2, C)
    model = reconstruction_model(train)
    model.compile(jit_compile=not args.no_jit_compile)
    patches = model.predict(amplitudes, batch_size=args.batch_size, verbose=0)
    image, count = stitch_groups(patches, offsets, size, probe, train.get_layer("reassemble").mask_fraction)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.output, object=image.astype(np.complex64), count=count.astype(np.float32))
    if args.png:
        save_png(args.png, image, count >= 1.0)
    return image, count


def save_png(path: Path, image: np.ndarray, region: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, values, label, cmap in ((axes[0], np.abs(image), "amplitude", "gray"),
                                    (axes[1], np.angle(image), "phase (rad)", "twilight")):
        handle = ax.imshow(np.where(region, values, np.nan), cmap=cmap)
        ax.set_title(label)
        ax.axis("off")
        plt.colorbar(handle, ax=ax, fraction=0.046)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        image, count = reconstruct(args)
    except ScanFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"stitched {image.shape[0]}x{image.shape[1]} object, {int((count >= 1).sum())} covered pixels: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
