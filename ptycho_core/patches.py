"""Patch extraction from an object and reassembly of patches onto a padded canvas.

Conventions (shared with the original core): a patch with offset ``o = (dx, dy)`` is the
central ``N x N`` crop of the object translated by ``+o``; reassembly zero-pads each patch
to ``P x P`` (patch at ``(P - N) // 2``), translates it by ``-o`` with the offsets of one
group centred on their mean, and sums the group. Extraction then reassembly with
zero-mean offsets and ``M == P`` gives back the object wherever the patches cover it.

Both directions are fused separable passes (see :mod:`ptycho_core.resample`): no
intermediate object copy per patch, no separately padded patch stack, static shapes only.
"""

from __future__ import annotations

import tensorflow as tf

from shapecheck import Float32, Inexact, check
from ptycho_core.dims import positive_int, static_dim
from ptycho_core.layouts import channel_to_flat, flat_to_channel
from ptycho_core.resample import axis_taps, resample_axis


@check
def extract_patches(
    obj: Inexact[tf.Tensor, "B M M 1"], offsets: Float32[tf.Tensor, "B 1 2 C"], N: int
) -> Inexact[tf.Tensor, "B N N C"]:
    """``N x N`` patches of each object at its group's offsets, in channel layout.

    Patch ``c`` of group ``b`` is the central ``N x N`` crop of ``obj[b]`` translated by
    ``offsets[b, 0, :, c]`` (bilinear, zero fill).
    """
    n = positive_int(N, "N", "extract_patches")
    m = static_dim(obj, 1, "extract_patches")
    c = static_dim(offsets, 3, "extract_patches")
    start = (m - n) // 2
    # Width pass straight from the un-repeated object: gather (B, C*N) columns per object.
    taps = axis_taps(offsets[:, 0, 0, :], m, n, start)  # (B, C, N)
    cols0 = tf.gather(obj[..., 0], tf.reshape(taps.index0, [-1, c * n]), axis=2, batch_dims=1)
    cols1 = tf.gather(obj[..., 0], tf.reshape(taps.index1, [-1, c * n]), axis=2, batch_dims=1)
    w0 = tf.cast(taps.weight0[:, None], obj.dtype)  # (B, 1, C, N)
    w1 = tf.cast(taps.weight1[:, None], obj.dtype)
    rows = tf.reshape(cols0, [-1, m, c, n]) * w0 + tf.reshape(cols1, [-1, m, c, n]) * w1
    flat = tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [-1, m, n, 1])  # (B*C, M, N, 1)
    dy = tf.reshape(offsets[:, 0, 1, :], [-1])  # row b*C + c
    patches = resample_axis(flat, dy, axis=1, out_size=n, origin=start)  # (B*C, N, N, 1)
    return flat_to_channel(patches, c)


def _centred(offsets: tf.Tensor) -> tf.Tensor:
    return offsets - tf.reduce_mean(offsets, axis=3, keepdims=True)


def _reassemble_uncentred(patches: tf.Tensor, offsets: tf.Tensor, p: int) -> tf.Tensor:
    """Sum over the group of each patch padded to ``p`` and shifted by ``-offset``.

    The zero padding is fused into the resampling (``origin``): width pass ``(B*C, N, P)``,
    height pass ``(B*C, P, P)``, then the sum over the group.
    """
    n = static_dim(patches, 1, "reassemble_patches")
    c = static_dim(patches, 3, "reassemble_patches")
    origin = -((p - n) // 2)
    flat = channel_to_flat(patches)  # (B*C, N, N, 1), row b*C + c
    dx = tf.reshape(offsets[:, 0, 0, :], [-1])
    dy = tf.reshape(offsets[:, 0, 1, :], [-1])
    wide = resample_axis(flat, -dx, axis=2, out_size=p, origin=origin)  # (B*C, N, P, 1)
    full = resample_axis(wide, -dy, axis=1, out_size=p, origin=origin)  # (B*C, P, P, 1)
    return tf.reduce_sum(tf.reshape(full, [-1, c, p, p]), axis=1)[..., None]


@check
def reassemble_patches(
    patches: Inexact[tf.Tensor, "B N N C"], offsets: Float32[tf.Tensor, "B 1 2 C"], P: int, centre: bool = True
) -> Inexact[tf.Tensor, "B P P 1"]:
    """Sum each group's patches onto a ``P x P`` canvas at ``-offset`` (offsets centred per group).

    ``centre=False`` uses the offsets as given: stitching patches at global positions onto
    a canvas the size of the object, where canvas pixel ``i`` is object pixel ``i``.
    """
    p = positive_int(P, "P", "reassemble_patches")
    return _reassemble_uncentred(patches, _centred(offsets) if centre else offsets, p)


@check
def reassemble_patches_chunked(
    patches: Inexact[tf.Tensor, "B N N C"],
    offsets: Float32[tf.Tensor, "B 1 2 C"],
    P: int,
    chunk_size: int,
    centre: bool = True,
) -> Inexact[tf.Tensor, "B P P 1"]:
    """:func:`reassemble_patches` over fixed-size chunks of the group's patches.

    Peak memory is bounded by ``chunk_size`` patches (``B*chunk*P*P`` elements) instead of
    ``C``. The last chunk is padded with zero patches (which add nothing); the chunk count
    is a Python integer and every chunk has the same static shape, so the loop compiles
    under XLA. Equals :func:`reassemble_patches` to float rounding.
    """
    p = positive_int(P, "P", "reassemble_patches_chunked")
    chunk = positive_int(chunk_size, "chunk_size", "reassemble_patches_chunked")
    n = static_dim(patches, 1, "reassemble_patches_chunked")
    c = static_dim(patches, 3, "reassemble_patches_chunked")
    centred = _centred(offsets) if centre else offsets  # centre on the real patches, before padding
    n_chunks = -(-c // chunk)
    extra = n_chunks * chunk - c
    if extra:
        patches = tf.pad(patches, [[0, 0], [0, 0], [0, 0], [0, extra]])
        centred = tf.pad(centred, [[0, 0], [0, 0], [0, 0], [0, extra]])
    # (n_chunks, B, N, N, chunk) and (n_chunks, B, 1, 2, chunk): chunk i is a static-shape gather.
    patch_chunks = tf.transpose(tf.reshape(patches, [-1, n, n, n_chunks, chunk]), [3, 0, 1, 2, 4])
    offset_chunks = tf.transpose(tf.reshape(centred, [-1, 1, 2, n_chunks, chunk]), [3, 0, 1, 2, 4])
    first = _reassemble_uncentred(patch_chunks[0], offset_chunks[0], p)
    if n_chunks == 1:
        return first

    def body(i: tf.Tensor, acc: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        part = _reassemble_uncentred(tf.gather(patch_chunks, i), tf.gather(offset_chunks, i), p)
        return i + 1, acc + part

    _, canvas = tf.while_loop(
        lambda i, acc: i < n_chunks, body, (tf.constant(1), first), parallel_iterations=1
    )
    return canvas


def central_mask(N: int, fraction: float = 0.5) -> tf.Tensor:
    """``(N, N)`` float32 mask: ones on the central square of side ``round(N * fraction)``."""
    n = positive_int(N, "N", "central_mask")
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"central_mask: fraction must be in (0, 1], got {fraction}")
    side = max(1, int(round(n * fraction)))
    lo = (n - side) // 2
    ramp = tf.range(n)
    inside = (ramp >= lo) & (ramp < lo + side)
    return tf.cast(inside[:, None] & inside[None, :], tf.float32)


@check
def reassemble_normalised(
    patches: Inexact[tf.Tensor, "B N N C"],
    offsets: Float32[tf.Tensor, "B 1 2 C"],
    P: int,
    mask_fraction: float = 0.5,
    eps: float = 1e-3,
    chunk_size: int | None = None,
    centre: bool = True,
) -> Inexact[tf.Tensor, "B P P 1"]:
    """Overlap-normalised reassembly: the mean of the overlapping patch centres.

    The central mask (side ``mask_fraction * N``) is applied to the patches and reassembled
    on its own; the sum is divided by that count plus ``eps``. Pixels no patch centre covers
    come out as zero. ``chunk_size`` switches to the chunked reassembly; ``centre`` as in
    :func:`reassemble_patches`.
    """
    n = static_dim(patches, 1, "reassemble_normalised")
    mask = central_mask(n, mask_fraction)[None, :, :, None]
    # The count does not depend on the patch values: keep it off the gradient tape.
    counts = tf.stop_gradient(tf.ones_like(tf.math.real(patches))) * mask
    if chunk_size is None:
        total = reassemble_patches(patches * tf.cast(mask, patches.dtype), offsets, P, centre)
        count = reassemble_patches(counts, offsets, P, centre)
    else:
        total = reassemble_patches_chunked(patches * tf.cast(mask, patches.dtype), offsets, P, chunk_size, centre)
        count = reassemble_patches_chunked(counts, offsets, P, chunk_size, centre)
    return total / tf.cast(count + eps, patches.dtype)
