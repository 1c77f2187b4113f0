"""Throughput of ``ptycho_core.translate`` and reassembly against two comparison warps.

Comparisons, on the same inputs, in eager, graph (``tf.function``) and XLA
(``tf.function(jit_compile=True)``) modes:

* ``native``: TensorFlow's ``ImageProjectiveTransformV3`` op (bilinear, constant zero fill)
  with a pure-translation transform;
* ``homography``: a general 3x3 homography warp written here the way the original core
  (PtychoPINN) did it: per-pixel homogeneous coordinates, perspective divide, four
  ``gather_nd`` taps;
* ``two gather passes`` (translation only): ptycho_core's previous XLA kernel, kept as its
  fallback, one :func:`ptycho_core.resample.resample_axis` pass per axis; under XLA its zero
  padding is materialised, so it makes three passes over memory;
* ``fused 4-gather`` (translation only): one fused pass that gathers the four bilinear taps of
  every output pixel element by element from the input (clipped indices, zero weight
  outside);
* ``bandwidth floor`` (translation only): one elementwise pass that reads the images and
  writes an image-sized result, the memory traffic any translation needs (under XLA a single
  loop fusion; a plain copy, ``tf.identity`` compiled, measured the same within noise).

Both comparison warps are real-valued: complex images go through them as two float
channels (real, imaginary), one call.

Reassembly compares ``reassemble_patches`` (fused separable passes)
and ``reassemble_patches_chunked`` with "pad every patch to P, warp it, sum the group"
built on each comparison warp. One run, variants interleaved round by round;
prints median and minimum wall milliseconds and median CPU milliseconds per call, and ratios
(``>1`` means ptycho_core is faster) by each of the three. On a loaded machine the wall
median is inflated by waiting for a core; the CPU median and the wall minimum are steadier.
Usage: ``python benchmarks/bench_translate.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import shapecheck  # noqa: E402
from ptycho_core import reassemble_patches, reassemble_patches_chunked, translate  # noqa: E402
from ptycho_core.resample import resample_axis  # noqa: E402


def homography_warp(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
    """General projective warp specialised to nothing: 3x3 matrix per image, four gathers."""
    h, w, k = images.shape[1], images.shape[2], images.shape[3]
    ones = tf.ones_like(offsets[:, 0])
    zeros = tf.zeros_like(ones)
    # Inverse map output -> input: [[1, 0, -dx], [0, 1, -dy], [0, 0, 1]].
    matrices = tf.reshape(tf.stack([ones, zeros, -offsets[:, 0], zeros, ones, -offsets[:, 1], zeros, zeros, ones],
                                   axis=1), [-1, 3, 3])
    ys, xs = tf.meshgrid(tf.range(h, dtype=tf.float32), tf.range(w, dtype=tf.float32), indexing="ij")
    grid = tf.stack([tf.reshape(xs, [-1]), tf.reshape(ys, [-1]), tf.ones([h * w])], axis=0)  # (3, HW)
    src = tf.einsum("mij,jp->mip", matrices, grid)
    sx, sy = src[:, 0] / src[:, 2], src[:, 1] / src[:, 2]
    x0f, y0f = tf.floor(sx), tf.floor(sy)
    fx, fy = sx - x0f, sy - y0f
    x0, y0 = tf.cast(x0f, tf.int32), tf.cast(y0f, tf.int32)
    batch = tf.broadcast_to(tf.range(tf.shape(images)[0])[:, None], tf.shape(x0))

    def tap(yy: tf.Tensor, xx: tf.Tensor) -> tf.Tensor:
        inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        idx = tf.stack([batch, tf.clip_by_value(yy, 0, h - 1), tf.clip_by_value(xx, 0, w - 1)], axis=-1)
        return tf.gather_nd(images, idx) * tf.cast(inside, images.dtype)[..., None]

    out = (tap(y0, x0) * ((1 - fx) * (1 - fy))[..., None] + tap(y0, x0 + 1) * (fx * (1 - fy))[..., None]
           + tap(y0 + 1, x0) * ((1 - fx) * fy)[..., None] + tap(y0 + 1, x0 + 1) * (fx * fy)[..., None])
    return tf.reshape(out, [-1, h, w, k])


def native_warp(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
    """``ImageProjectiveTransformV3`` with the translation's inverse map, bilinear, zero fill."""
    ones = tf.ones_like(offsets[:, 0])
    zeros = tf.zeros_like(ones)
    transforms = tf.stack([ones, zeros, -offsets[:, 0], zeros, ones, -offsets[:, 1], zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3], fill_value=0.0,
        interpolation="BILINEAR", fill_mode="CONSTANT")


def reassemble_with(warp: Callable[[tf.Tensor, tf.Tensor], tf.Tensor], p: int) -> Callable[..., tf.Tensor]:
    """The original recipe: flat patches, pad each to P, warp by -offset (centred), sum per group."""

    def fn(patches: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
        n, c = patches.shape[1], patches.shape[3]
        centred = offsets - tf.reduce_mean(offsets, axis=3, keepdims=True)
        flat = tf.reshape(tf.transpose(patches, [0, 3, 1, 2]), [-1, n, n, 1])
        flat_off = tf.reshape(tf.transpose(centred[:, 0], [0, 2, 1]), [-1, 2])
        top = (p - n) // 2
        padded = tf.pad(flat, [[0, 0], [top, p - n - top], [top, p - n - top], [0, 0]])
        moved = warp(padded, -flat_off)
        return tf.reduce_sum(tf.reshape(moved, [-1, c, p, p]), axis=1)[..., None]

    return fn


Warp = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]


def complex_as_channels(warp: Warp) -> Warp:
    """A real-only warp applied to complex images: real and imaginary parts as two float channels."""

    def fn(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
        parts = warp(tf.concat([tf.math.real(images), tf.math.imag(images)], axis=3), offsets)
        k = images.shape[3]
        return tf.complex(parts[..., :k], parts[..., k:])

    return fn


def fused_four_gather(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
    """One pass: every output pixel gathers its four bilinear taps from the flattened input."""
    h, w, k = images.shape[1], images.shape[2], images.shape[3]
    flat = tf.reshape(images, [-1, h * w, k])

    def taps(shift: tf.Tensor, size: int) -> list[tuple[tf.Tensor, tf.Tensor]]:
        src = tf.range(size, dtype=tf.float32)[None, :] - shift[:, None]
        floor = tf.floor(src)
        first = tf.cast(floor, tf.int32)
        pairs = []
        for step, weight in ((0, 1.0 - (src - floor)), (1, src - floor)):
            index = first + step
            inside = (index >= 0) & (index < size)
            pairs.append((tf.clip_by_value(index, 0, size - 1), tf.where(inside, weight, 0.0)))
        return pairs

    out = tf.zeros_like(flat)
    for rows, row_weight in taps(offsets[:, 1], h):
        for cols, col_weight in taps(offsets[:, 0], w):
            index = tf.reshape(rows[:, :, None] * w + cols[:, None, :], [-1, h * w])
            weight = tf.reshape(row_weight[:, :, None] * col_weight[:, None, :], [-1, h * w, 1])
            out += tf.gather(flat, index, axis=1, batch_dims=1) * tf.cast(weight, images.dtype)
    return tf.reshape(out, [-1, h, w, k])


def two_gather_passes(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
    """Width pass, then height pass, each a sub-pixel blur and an index gather."""
    shifted = resample_axis(images, offsets[:, 0], axis=2, out_size=images.shape[2])
    return resample_axis(shifted, offsets[:, 1], axis=1, out_size=images.shape[1])


def bandwidth_floor(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
    """Reads the images once and writes an image-sized result: what any translation must move."""
    return images * tf.cast(offsets[0, 0] * 0.0 + 1.0, images.dtype)


def modes(fn: Callable[..., tf.Tensor]) -> dict[str, Callable[..., tf.Tensor]]:
    # Measuring XLA is the point of this benchmark, so the literal is intended.
    xla = tf.function(fn, jit_compile=True)  # shapecheck: ignore[SC303]
    return {"eager": fn, "graph": tf.function(fn), "xla": xla}


def run_table(title: str, candidates: dict[str, Callable[..., tf.Tensor]], args: tuple[tf.Tensor, ...],
              items: int, repeats: int, reference_free: frozenset[str] = frozenset()) -> dict[tuple[str, str], Stats]:
    """Milliseconds per call of every (implementation, mode), measured interleaved.

    Every peer is first checked to compute what ptycho_core computes (a benchmark of a wrong
    answer is no comparison). One warm-up call each (tracing, compiling), then ``repeats``
    rounds in which every variant runs once, so a change in the machine's load hits all alike.
    """
    print(f"\n== {title} ==")
    reference = candidates["ptycho_core"](*args).numpy()
    for name, fn in candidates.items():
        if name != "ptycho_core" and name not in reference_free:
            diff = float(np.abs(fn(*args).numpy() - reference).max())
            print(f"  {name}: max |difference| to ptycho_core = {diff:.2e}")
            if not diff < 1e-3 * max(1.0, float(np.abs(reference).max())):
                raise SystemExit(f"{name} does not compute what ptycho_core computes: no comparison")
    runnable: dict[tuple[str, str], Callable[..., tf.Tensor]] = {}
    for name, fn in candidates.items():
        for mode, variant in modes(fn).items():
            try:
                variant(*args).numpy()
            except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as exc:
                print(f"  {name:<22}{mode:<7}n/a ({type(exc).__name__}: {str(exc).splitlines()[0][:70]})")
                continue
            runnable[(name, mode)] = variant
    wall: dict[tuple[str, str], list[float]] = {key: [] for key in runnable}
    cpu: dict[tuple[str, str], list[float]] = {key: [] for key in runnable}
    for _ in range(repeats):
        for key, variant in runnable.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            variant(*args).numpy()
            wall[key].append((time.perf_counter() - start) * 1e3)
            cpu[key].append((time.process_time() - start_cpu) * 1e3)
    results = {key: Stats(statistics.median(wall[key]), min(wall[key]), statistics.median(cpu[key])) for key in wall}
    print(f"  {'implementation':<22}{'mode':<7}{'median ms':>10}{'min ms':>9}{'cpu ms':>9}{'items/s':>11}"
          f"{'ptycho_core speed-up (median, min, cpu)':>42}")
    for mode in ("eager", "graph", "xla"):
        for name in candidates:
            if (name, mode) not in results:
                continue
            stats = results[(name, mode)]
            ratios = (ratio(results, (name, mode), ("ptycho_core", mode))
                      if ("ptycho_core", mode) in results else "n/a")
            print(f"  {name:<22}{mode:<7}{stats.median:>10.2f}{stats.minimum:>9.2f}{stats.cpu:>9.2f}"
                  f"{items / stats.median * 1e3:>11.0f}{ratios:>42}")
    return results


class Stats(NamedTuple):
    """Milliseconds per call: median wall, minimum wall, median CPU time of the process."""

    median: float
    minimum: float
    cpu: float


def ratio(results: dict[tuple[str, str], Stats], slow: tuple[str, str], fast: tuple[str, str]) -> str:
    """``slow / fast`` by median wall, minimum wall and median CPU time."""
    a, b = results[slow], results[fast]
    return f"{a.median / b.median:.2f}x, {a.minimum / b.minimum:.2f}x, {a.cpu / b.cpu:.2f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    shapecheck.set_mode("trace")
    rng = np.random.default_rng(0)
    m, side = (32, 78) if args.quick else (128, 78)
    b, n, c, p = (16, 64, 4, 96) if args.quick else (64, 64, 4, 96)
    repeats = args.repeats or (5 if args.quick else 21)
    load = os.getloadavg()[0]
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, load average {load:.1f}, shapecheck mode "
          f"{shapecheck.get_mode()}; median of {repeats} interleaved rounds after one warm-up")

    images = tf.constant((rng.normal(size=(m, side, side, 1)) + 1j * rng.normal(size=(m, side, side, 1)))
                         .astype(np.complex64))
    offsets = tf.constant(rng.uniform(-8, 8, size=(m, 2)).astype(np.float32))
    moved = 2 * images.shape.num_elements() * images.dtype.size
    t = run_table(f"translate: {m} images {side}x{side}x1 complex64, sub-pixel shifts ({moved / 1e6:.1f} MB in + out)",
                  {"ptycho_core": translate, "native": complex_as_channels(native_warp),
                   "homography": complex_as_channels(homography_warp), "two gather passes": two_gather_passes,
                   "fused 4-gather": fused_four_gather, "bandwidth floor": bandwidth_floor},
                  (images, offsets), m, repeats, reference_free=frozenset({"bandwidth floor"}))

    patches = tf.constant(rng.normal(size=(b, n, n, c)).astype(np.float32))
    offs = tf.constant(rng.uniform(-10, 10, size=(b, 1, 2, c)).astype(np.float32))
    r = run_table(f"reassembly: {b} groups x C={c} patches {n}x{n} onto P={p}",
                  {"ptycho_core": lambda x, o: reassemble_patches(x, o, p),
                   "ptycho_core chunked/2": lambda x, o: reassemble_patches_chunked(x, o, p, 2),
                   "native": reassemble_with(native_warp, p),
                   "homography": reassemble_with(homography_warp, p)},
                  (patches, offs), b * c, repeats)

    print("\n== summary: ptycho_core translate speed-up (>1 is faster), by median wall, min wall, median CPU ==")
    for mode in ("eager", "graph", "xla"):
        for other in ("native", "homography", "two gather passes"):
            if (other, mode) in t and ("ptycho_core", mode) in t:
                print(f"  {mode:<6} vs {other:<18} {ratio(t, (other, mode), ('ptycho_core', mode))}")
    floor = ("bandwidth floor", "xla")
    for name in ("ptycho_core", "two gather passes", "fused 4-gather"):
        if (name, "xla") in t:
            print(f"  xla    {name} / bandwidth floor: {ratio(t, (name, 'xla'), floor)}"
                  + ("  (target <= 1.25x)" if name == "ptycho_core" else ""))
    for other in ("homography", "native"):
        if (other, "xla") in r and ("ptycho_core", "xla") in r:
            print(f"  reassembly, xla, vs {other}: {ratio(r, (other, 'xla'), ('ptycho_core', 'xla'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
