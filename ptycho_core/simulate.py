"""Synthetic ptychography data: object, probe, jittered scan, neighbour groups, Poisson noise.

Everything is generated locally from a seed (no downloads). Offsets follow the core's
convention: the patch whose centre sits at object pixel ``p = (x, y)`` has offset
``o = c0 - p`` with ``c0 = (S - N) // 2 + N // 2``, so ``extract_patches(obj, o, N)`` returns
exactly that patch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from ptycho_core.groups import neighbour_groups
from ptycho_core.layouts import channel_to_flat
from ptycho_core.patches import extract_patches
from ptycho_core.physics import diffract, illuminate


@dataclass(frozen=True)
class SimConfig:
    N: int = 32
    gridsize: int = 2
    object_size: int = 128
    step: float = 6.0  # scan step in pixels
    jitter: float = 1.0  # uniform jitter of each scan position, pixels
    n_groups: int = 512
    neighbours: int = 6  # groups draw C positions from this many nearest
    photons: float = 1e4  # mean photons per diffraction pattern
    probe: str = "disk"  # "disk" or "gaussian"
    probe_radius: float | None = None  # default N / 4
    seed: int = 0

    def __post_init__(self) -> None:
        if self.gridsize < 1 or self.N < 4:
            raise ValueError(f"need gridsize >= 1 and N >= 4, got gridsize={self.gridsize}, N={self.N}")
        if self.object_size < self.N + 2 * self.step:
            raise ValueError(f"object_size={self.object_size} leaves no room to scan N={self.N} patches")
        if self.neighbours < self.gridsize**2:
            raise ValueError(f"neighbours={self.neighbours} must be >= C={self.gridsize**2}")
        if self.probe not in ("disk", "gaussian"):
            raise ValueError(f"probe must be 'disk' or 'gaussian', got {self.probe!r}")
        if self.photons <= 0:
            raise ValueError(f"photons must be positive, got {self.photons}")


@dataclass
class SimData:
    """One simulated experiment; arrays are NumPy, layouts as the model wants them."""

    amplitudes: np.ndarray  # (G, N, N, C) float32, sqrt of Poisson counts
    offsets: np.ndarray  # (G, 1, 2, C) float32, centred per group (model input)
    global_offsets: np.ndarray  # (G, 1, 2, C) float32, w.r.t. the object (stitching)
    groups: np.ndarray  # (G, C) int: scan-position index of each patch
    positions: np.ndarray  # (K, 2) float: (x, y) patch centres in object pixels
    obj: np.ndarray  # (S, S) complex64 ground truth
    probe: np.ndarray  # (N, N) complex64
    clean_amplitudes: np.ndarray  # (K, N, N) float32, noiseless, same scale as `amplitudes`
    measured: np.ndarray  # (K, N, N) float32, one noisy pattern per scan position (`amplitudes` groups them)
    scan_offsets: np.ndarray  # (K, 2) float32, global offset of each scan position
    P: int  # canvas side that holds every group

    @property
    def C(self) -> int:
        return int(self.offsets.shape[3])


def _smooth_noise(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    """White noise low-passed by a Gaussian of ``sigma`` pixels, scaled to [0, 1]."""
    freq = np.fft.fftfreq(size)
    fy, fx = np.meshgrid(freq, freq, indexing="ij")
    kernel = np.exp(-2 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))
    field = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(size, size))) * kernel))
    field -= field.min()
    return field / max(field.max(), 1e-12)


def _lines(rng: np.random.Generator, size: int, count: int, width: float) -> np.ndarray:
    """Anti-aliased random straight lines, values in [0, 1]."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    out = np.zeros((size, size))
    for _ in range(count):
        angle = rng.uniform(0, np.pi)
        cx, cy = rng.uniform(0, size, 2)
        dist = np.abs((xs - cx) * np.sin(angle) - (ys - cy) * np.cos(angle))
        out = np.maximum(out, np.clip(1.0 - (dist - width / 2), 0.0, 1.0))
    return out


def make_object(size: int, rng: np.random.Generator) -> np.ndarray:
    """Complex object: amplitude in [0.5, 1] from blobs and lines, phase in [-1, 1] rad from blobs."""
    amp = 0.5 * _smooth_noise(rng, size, size / 24) + 0.5 * _lines(rng, size, max(4, size // 12), 2.0)
    amp = 0.5 + 0.5 * amp / max(amp.max(), 1e-12)
    phase = 2.0 * _smooth_noise(rng, size, size / 16) - 1.0
    return (amp * np.exp(1j * phase)).astype(np.complex64)


def make_probe(n: int, kind: str = "disk", radius: float | None = None) -> np.ndarray:
    """Complex probe: soft-edged disk (or Gaussian) with a defocus-like quadratic phase."""
    r = radius if radius is not None else n / 4
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float64) - n / 2 + 0.5
    rho = np.hypot(xs, ys)
    if kind == "disk":
        amp = 1.0 / (1.0 + np.exp((rho - r) / 0.75))
    else:
        amp = np.exp(-(rho**2) / (2 * (r / 2) ** 2))
    phase = 1.5 * (rho / r) ** 2
    return (amp * np.exp(1j * phase)).astype(np.complex64)


def scan_positions(cfg: SimConfig, rng: np.random.Generator) -> np.ndarray:
    """Jittered raster of ``(x, y)`` patch centres that keeps every patch inside the object."""
    lo = cfg.N / 2 + cfg.jitter + 1
    hi = cfg.object_size - cfg.N / 2 - cfg.jitter - 1
    ticks = np.arange(lo, hi + 1e-9, cfg.step)
    ys, xs = np.meshgrid(ticks, ticks, indexing="ij")
    pos = np.stack([xs.ravel(), ys.ravel()], axis=1)
    return pos + rng.uniform(-cfg.jitter, cfg.jitter, size=pos.shape)


def simulate(cfg: SimConfig) -> SimData:
    """Simulate a full data set (deterministic for a given ``cfg.seed``)."""
    rng = np.random.default_rng(cfg.seed)
    obj = make_object(cfg.object_size, rng)
    probe = make_probe(cfg.N, cfg.probe, cfg.probe_radius)
    positions = scan_positions(cfg, rng)
    c = cfg.gridsize**2
    groups = neighbour_groups(positions, c, cfg.neighbours, cfg.n_groups, rng)

    centre = (cfg.object_size - cfg.N) // 2 + cfg.N // 2
    offsets_k = (centre - positions).astype(np.float32)  # (K, 2)
    patches = extract_patches(
        tf.constant(obj[None, :, :, None]), tf.constant(offsets_k.T[None, None]), cfg.N
    )  # (1, N, N, K)
    waves = illuminate(patches, tf.constant(probe))
    clean = diffract(channel_to_flat(waves)).numpy()[..., 0]  # (K, N, N)
    photons_per_unit = cfg.photons / float(np.mean(np.sum(clean**2, axis=(1, 2))))
    clean = (clean * math.sqrt(photons_per_unit)).astype(np.float32)
    counts = rng.poisson(clean.astype(np.float64) ** 2)
    measured = np.sqrt(counts).astype(np.float32)

    global_offsets = offsets_k[groups].transpose(0, 2, 1)[:, None]  # (G, 1, 2, C)
    rel = global_offsets - global_offsets.mean(axis=3, keepdims=True)
    reach = int(math.ceil(float(np.abs(rel).max()))) if c > 1 else 0
    p = cfg.N + 2 * reach + 2
    p += p % 2
    return SimData(
        amplitudes=measured[groups].transpose(0, 2, 3, 1).copy(),
        offsets=rel.astype(np.float32),
        global_offsets=global_offsets.astype(np.float32),
        groups=groups,
        positions=positions,
        obj=obj,
        probe=probe,
        clean_amplitudes=clean,
        measured=measured,
        scan_offsets=offsets_k,
        P=p,
    )
