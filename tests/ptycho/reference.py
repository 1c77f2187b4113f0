"""NumPy references for the ptycho_core numerics, written independently of the TF code."""

from __future__ import annotations

import numpy as np


def bilinear_shift(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``out(x, y) = in(x - dx, y - dy)`` for one ``(H, W, K)`` image, zero outside."""
    h, w = image.shape[:2]
    out = np.zeros_like(image)
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    sx, sy = xs - dx, ys - dy
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = sx - x0, sy - y0
    for oy, ox, weight in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)), (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        yy, xx = y0 + oy, x0 + ox
        ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        vals = np.zeros_like(image)
        vals[ok] = image[yy[ok], xx[ok]]
        out += vals * weight[..., None]
    return out


def zero_filled_roll(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Integer shift of ``(H, W, K)``: ``np.roll`` with the wrapped-around part zeroed."""
    h, w = image.shape[:2]
    out = np.roll(image, (dy, dx), axis=(0, 1))
    if dy > 0:
        out[:dy] = 0
    elif dy < 0:
        out[h + dy :] = 0
    if dx > 0:
        out[:, :dx] = 0
    elif dx < 0:
        out[:, w + dx :] = 0
    return out


def centre_pad(image: np.ndarray, size: int) -> np.ndarray:
    """Zero-pad ``(H, W, K)`` to ``(size, size, K)`` with the image at ``(size - H) // 2``."""
    h, w = image.shape[:2]
    out = np.zeros((size, size) + image.shape[2:], image.dtype)
    top, left = (size - h) // 2, (size - w) // 2
    out[top : top + h, left : left + w] = image
    return out


def centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    h, w = image.shape[:2]
    top, left = (h - size) // 2, (w - size) // 2
    return image[top : top + size, left : left + size]


def extract_patches(obj: np.ndarray, offsets: np.ndarray, n: int) -> np.ndarray:
    """Literal spec: repeat the object, translate by +offset, crop the centre. ``(B,N,N,C)``."""
    b, c = offsets.shape[0], offsets.shape[3]
    out = np.zeros((b, n, n, c), obj.dtype)
    for i in range(b):
        for j in range(c):
            dx, dy = offsets[i, 0, :, j]
            out[i, :, :, j] = centre_crop(bilinear_shift(obj[i], dx, dy), n)[..., 0]
    return out


def reassemble_patches(patches: np.ndarray, offsets: np.ndarray, p: int) -> np.ndarray:
    """Literal spec: centre offsets per group, pad each patch to P, shift by -offset, sum."""
    b, c = offsets.shape[0], offsets.shape[3]
    centred = offsets - offsets.mean(axis=3, keepdims=True)
    out = np.zeros((b, p, p, 1), patches.dtype)
    for i in range(b):
        for j in range(c):
            dx, dy = centred[i, 0, :, j]
            out[i] += bilinear_shift(centre_pad(patches[i, :, :, j : j + 1], p), -dx, -dy)
    return out


def ssim_windows(x: np.ndarray, y: np.ndarray, data_range: float, size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """SSIM of every ``size x size`` window (Wang et al. 2004, Gaussian weights), loop by loop.

    Entry ``[i, j]`` is the window whose top-left pixel is ``(i, j)``.
    """
    ramp = np.arange(size) - (size - 1) / 2
    g = np.exp(-(ramp**2) / (2 * sigma**2))
    weights = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    out = np.empty((x.shape[0] - size + 1, x.shape[1] - size + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            a, b = x[i : i + size, j : j + size], y[i : i + size, j : j + size]
            mu_a, mu_b = (weights * a).sum(), (weights * b).sum()
            var_a = (weights * a * a).sum() - mu_a**2
            var_b = (weights * b * b).sum() - mu_b**2
            cov = (weights * a * b).sum() - mu_a * mu_b
            out[i, j] = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return out
