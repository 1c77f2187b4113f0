"""Stitching a whole object from the patches of many scan groups.

The network reconstructs each group of ``C`` neighbouring patches on its own. The
diffraction data cannot fix a group's constant phase (``|F(P * e^{i phi} O)| = |F(P * O)|``),
so every group comes out in its own phase frame. Averaged as they are, overlapping groups
then cancel in part: the phase loses its large-scale content and the amplitude is blurred.
:func:`group_phases` puts the groups into one frame first (angular synchronisation: the
leading eigenvector of the matrix of their pairwise overlaps, each group weighted by the
probe intensity), then :func:`stitch` averages the patch centres.

Canvas convention (``reassemble_patches(..., centre=False)``): a patch with global offset
``o`` is placed at ``(size - N) // 2 - o``; canvas pixel ``i`` is object pixel ``i`` when the
offsets were taken on a ``size x size`` object (as :mod:`ptycho_core.simulate` does).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shapecheck import Complex, Float, check
from ptycho_core.layouts import channel_to_flat, flatten_offsets
from ptycho_core.patches import central_mask, reassemble_normalised, reassemble_patches, reassemble_patches_chunked


@check
def stitch(
    patches: Complex[np.ndarray, "K N N"], offsets: Float[np.ndarray, "K 2"], size: int, mask_fraction: float = 0.5,
    chunk_size: int = 64,
) -> tuple[Complex[np.ndarray, "S S"], Float[np.ndarray, "S S"]]:
    """Average patches ``(K, N, N)`` at global offsets ``(K, 2)`` onto a ``size x size`` canvas.

    Returns the image and the per-pixel count of patch centres (central mask) covering it.
    Uses the chunked reassembly, so memory is bounded by ``chunk_size`` patches.
    """
    channel = tf.constant(patches.transpose(1, 2, 0)[None].astype(np.complex64))  # (1, N, N, K)
    channel_offsets = tf.constant(offsets.astype(np.float32).T[None, None])  # (1, 1, 2, K)
    image = reassemble_normalised(channel, channel_offsets, size, mask_fraction, 1e-3, chunk_size, False)
    n = patches.shape[1]
    ones = tf.ones((1, n, n, patches.shape[0])) * central_mask(n, mask_fraction)[None, :, :, None]
    count = reassemble_patches_chunked(ones, channel_offsets, size, chunk_size, False)
    return image.numpy()[0, :, :, 0], count.numpy()[0, :, :, 0]


@check
def group_phases(
    patches: Complex[np.ndarray, "G N N C"], offsets: Float[np.ndarray, "G 1 2 C"], size: int,
    weights: Float[np.ndarray, "N N"],
) -> Complex[np.ndarray, "G"]:
    """Unit phase factors ``z`` (one per group) that put the groups into one phase frame.

    Each group's patches, times ``weights`` (the probe intensity), are summed onto the
    canvas: ``A_g``. ``z`` maximises ``sum_gh conj(z_g A_g) . (z_h A_h)``, relaxed to the
    leading eigenvector of ``H = conj(A) A^T`` and projected back onto unit modulus.
    Memory: ``G * size**2`` complex64 for the group canvases.
    """
    weighted = tf.constant((patches * weights[None, :, :, None]).astype(np.complex64))
    canvases = reassemble_patches(weighted, tf.constant(offsets.astype(np.float32)), size, centre=False)
    a = canvases.numpy().reshape(len(patches), -1)
    overlaps = np.conj(a) @ a.T
    _, vectors = np.linalg.eigh(overlaps)
    leading = vectors[:, -1]
    magnitude = np.abs(leading)
    return np.where(magnitude > 0, leading / np.maximum(magnitude, 1e-30), 1.0).astype(np.complex64)


@check
def stitch_groups(
    patches: Complex[np.ndarray, "G N N C"], offsets: Float[np.ndarray, "G 1 2 C"], size: int,
    probe: Complex[np.ndarray, "N N"], mask_fraction: float = 0.5,
) -> tuple[Complex[np.ndarray, "S S"], Float[np.ndarray, "S S"]]:
    """The whole object from every group's patches at their global offsets, groups phase-synchronised.

    Returns the image and the count of patch centres covering each pixel (see :func:`stitch`).
    """
    phases = group_phases(patches, offsets, size, np.abs(probe).astype(np.float32) ** 2)
    flat = channel_to_flat(tf.constant(patches * phases[:, None, None, None], tf.complex64))
    flat_offsets = flatten_offsets(tf.constant(offsets, tf.float32))
    return stitch(flat.numpy()[..., 0], flat_offsets.numpy(), size, mask_fraction)
