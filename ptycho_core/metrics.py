"""Stitching whole-field images and scoring a reconstruction against the ground truth.

The score is taken where the object is determined: pixels covered by the centre of at
least one patch. Ptychography cannot determine the global phase, and the unsupervised
model splits the overall amplitude between the object and the learnable intensity scale,
so the reconstruction is first aligned by the least-squares complex scalar
``alpha = <rec, gt> / <rec, rec>``.

* ``rel_error``: ``||alpha * rec - gt|| / ||gt||`` (complex, amplitude and phase at once);
* ``flat_rel_error``: the same for a flat object (``rec = 1``), i.e. ``||gt - mean(gt)|| / ||gt||``,
  the error of knowing nothing beyond the mean;
* ``amplitude_corr`` / ``phase_corr``: Pearson correlation of ``|alpha*rec|`` with ``|gt|``
  and of ``angle(alpha*rec)`` with ``angle(gt)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import tensorflow as tf

from ptycho_core.patches import central_mask, reassemble_normalised, reassemble_patches_chunked


def stitch(
    patches: np.ndarray, offsets: np.ndarray, size: int, mask_fraction: float = 0.5, chunk_size: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Average patches ``(K, N, N)`` at global offsets ``(K, 2)`` onto a ``size x size`` canvas.

    Returns the image and the per-pixel count of patch centres (central mask) covering it.
    Uses the chunked reassembly, so memory is bounded by ``chunk_size`` patches.
    """
    pats = np.asarray(patches)
    if pats.ndim != 3:
        raise ValueError(f"stitch: patches must be (K, N, N), got shape {pats.shape}")
    offs = np.asarray(offsets, np.float32)
    if offs.shape != (pats.shape[0], 2):
        raise ValueError(f"stitch: offsets must be (K, 2) = ({pats.shape[0]}, 2), got {offs.shape}")
    channel = tf.constant(pats.transpose(1, 2, 0)[None].astype(np.complex64))  # (1, N, N, K)
    channel_offsets = tf.constant(offs.T[None, None])  # (1, 1, 2, K)
    image = reassemble_normalised(channel, channel_offsets, size, mask_fraction, 1e-3, chunk_size, False)
    n = pats.shape[1]
    ones = tf.ones((1, n, n, pats.shape[0])) * central_mask(n, mask_fraction)[None, :, :, None]
    count = reassemble_patches_chunked(ones, channel_offsets, size, chunk_size, False)
    return image.numpy()[0, :, :, 0], count.numpy()[0, :, :, 0]


@dataclass(frozen=True)
class Scores:
    rel_error: float
    flat_rel_error: float
    amplitude_corr: float
    phase_corr: float
    pixels: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denom if denom > 0 else 0.0


def align(rec: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """``alpha * rec`` with the least-squares complex ``alpha`` (global phase and scale)."""
    power = float(np.vdot(rec, rec).real)
    if power == 0.0:
        return rec
    return rec * (np.vdot(rec, gt) / power)


def score(rec: np.ndarray, gt: np.ndarray, region: np.ndarray) -> Scores:
    """Scores of ``rec`` against ``gt`` on the boolean ``region`` (same 2-D shape)."""
    if rec.shape != gt.shape or region.shape != gt.shape:
        raise ValueError(f"score: shapes differ: rec {rec.shape}, gt {gt.shape}, region {region.shape}")
    if not region.any():
        raise ValueError("score: the region is empty")
    r = rec[region].astype(np.complex128)
    g = gt[region].astype(np.complex128)
    norm = float(np.linalg.norm(g))
    aligned = align(r, g)
    flat = align(np.ones_like(g), g)
    return Scores(
        rel_error=float(np.linalg.norm(aligned - g)) / norm,
        flat_rel_error=float(np.linalg.norm(flat - g)) / norm,
        amplitude_corr=_corr(np.abs(aligned), np.abs(g)),
        phase_corr=_corr(np.angle(aligned), np.angle(g)),
        pixels=int(region.sum()),
    )
