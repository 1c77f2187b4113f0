"""Scoring a stitched reconstruction against the ground truth.

The score is taken where the object is determined: pixels covered by the centre of at
least one patch. Ptychography cannot determine the global phase, and the unsupervised
model splits the overall amplitude between the object and the learnable intensity scale,
so the reconstruction is first aligned by the least-squares complex scalar
``alpha = <rec, gt> / <rec, rec>``.

* ``rel_error``: ``||alpha * rec - gt|| / ||gt||`` (complex, amplitude and phase at once);
* ``flat_rel_error``: the same for a flat object (``rec = 1``), i.e. ``||gt - mean(gt)|| / ||gt||``,
  the error of knowing nothing beyond the mean;
* ``amplitude_corr`` / ``phase_corr``: Pearson correlation of ``|alpha*rec|`` with ``|gt|``
  and of ``angle(alpha*rec)`` with ``angle(gt)``;
* ``amplitude_ssim`` / ``phase_ssim``: the structural similarity (Wang et al. 2004: Gaussian
  window of 11 pixels, sigma 1.5, ``K1 = 0.01``, ``K2 = 0.03``, computed by ``tf.image.ssim``),
  averaged over the windows that lie wholly inside the region (pixels outside it are
  undetermined and must not count). Both follow PtychoPINN's evaluation: the amplitude with
  the ground truth's peak-to-peak on the region as data range; the phase after removing the
  least-squares plane of the phase difference (a slow phase ramp moves a diffraction pattern
  by a small fraction of a pixel, so the data hardly fix it) and with the whole phase circle,
  ``2 pi``, as data range (PtychoPINN maps ``[-pi, pi]`` to ``[0, 1]`` and uses a range of 1).
  The range sets SSIM's stabilising constants ``(K * range)**2``;
* ``phase_ssim_strict``: the phase SSIM as earlier rounds reported it, stricter: no plane
  removed, the ground truth's own phase spread as data range.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import tensorflow as tf

from shapecheck import Bool, Complex, Float, check

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
PHASE_DATA_RANGE = 2.0 * np.pi


@check
def ssim(
    image: Float[np.ndarray, "H W"], reference: Float[np.ndarray, "H W"], region: Bool[np.ndarray, "H W"],
    data_range: float | None = None,
) -> float:
    """Mean SSIM of real ``image`` against ``reference`` over the windows wholly inside ``region``.

    ``data_range`` defaults to ``reference``'s peak-to-peak on the region. A clear error when
    no ``SSIM_WINDOW x SSIM_WINDOW`` window fits inside the region.
    """
    inside = np.lib.stride_tricks.sliding_window_view(region, (SSIM_WINDOW, SSIM_WINDOW)).all(axis=(2, 3))
    if not inside.any():
        raise ValueError(f"ssim: no {SSIM_WINDOW}x{SSIM_WINDOW} window fits inside the region")
    if data_range is None:
        data_range = float(np.ptp(reference[region]))
        if data_range == 0.0:
            raise ValueError("ssim: the reference is constant on the region")
    elif not data_range > 0.0:
        raise ValueError(f"ssim: data_range must be positive, got {data_range}")
    pair = [tf.constant(np.asarray(a, np.float64)[None, :, :, None]) for a in (image, reference)]
    index_map = tf.image.ssim(*pair, max_val=data_range, filter_size=SSIM_WINDOW, filter_sigma=SSIM_SIGMA,
                              return_index_map=True)
    return float(np.mean(index_map.numpy()[0][inside]))


@dataclass(frozen=True)
class Scores:
    rel_error: float
    flat_rel_error: float
    amplitude_corr: float
    phase_corr: float
    amplitude_ssim: float
    phase_ssim: float
    phase_ssim_strict: float
    pixels: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denom if denom > 0 else 0.0


def remove_phase_plane(rec: np.ndarray, gt: np.ndarray, region: np.ndarray) -> np.ndarray:
    """``rec`` times ``exp(-i * plane)``, the plane ``a + b*x + c*y`` fitted (least squares, on
    ``region``) to the phase difference ``angle(rec * conj(gt))``."""
    rows, cols = np.nonzero(region)
    design = np.stack([np.ones(len(rows)), cols, rows], axis=1).astype(np.float64)
    coef, *_ = np.linalg.lstsq(design, np.angle(rec[region] * np.conj(gt[region])), rcond=None)
    ys, xs = np.mgrid[0 : rec.shape[0], 0 : rec.shape[1]]
    return rec * np.exp(-1j * (coef[0] + coef[1] * xs + coef[2] * ys))


def align(rec: np.ndarray, gt: np.ndarray, region: np.ndarray | None = None) -> np.ndarray:
    """``alpha * rec`` with the least-squares complex ``alpha`` (global phase and scale).

    ``alpha`` is fitted on ``region`` (a boolean mask; everything when ``None``) and applied
    to the whole of ``rec``.
    """
    r, g = (rec, gt) if region is None else (rec[region], gt[region])
    power = float(np.vdot(r, r).real)
    if power == 0.0:
        return rec
    return rec * (np.vdot(r, g) / power)


@check
def score(rec: Complex[np.ndarray, "H W"], gt: Complex[np.ndarray, "H W"], region: Bool[np.ndarray, "H W"]) -> Scores:
    """Scores of ``rec`` against ``gt`` on the boolean ``region``."""
    if not region.any():
        raise ValueError("score: the region is empty")
    g_full = gt.astype(np.complex128)
    g = g_full[region]
    norm = float(np.linalg.norm(g))
    whole = align(rec.astype(np.complex128), g_full, region)
    aligned = whole[region]
    flat = align(np.ones_like(g), g)
    return Scores(
        rel_error=float(np.linalg.norm(aligned - g)) / norm,
        flat_rel_error=float(np.linalg.norm(flat - g)) / norm,
        amplitude_corr=_corr(np.abs(aligned), np.abs(g)),
        phase_corr=_corr(np.angle(aligned), np.angle(g)),
        amplitude_ssim=ssim(np.abs(whole), np.abs(g_full), region),
        phase_ssim=ssim(np.angle(remove_phase_plane(whole, g_full, region)), np.angle(g_full), region,
                        PHASE_DATA_RANGE),
        phase_ssim_strict=ssim(np.angle(whole), np.angle(g_full), region),
        pixels=int(region.sum()),
    )
