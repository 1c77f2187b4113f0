"""Eager overhead of one checked call, against plain, beartype alone and jaxtyping+beartype.

The function takes two tensors and returns one, all three contracted:
``(B C) float32, (B*C 2) float32 -> (B C) float32``; its body returns its first argument so
only the checking is measured. Run: ``python benchmarks/bench_runtime_overhead.py``.
Prints microseconds per call (best of several repeats) and the overhead added by each
checker. Target: shapecheck adds at most 8 us per call.
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit
from pathlib import Path
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def best_us(fns: dict[str, Callable[..., Any]], args: tuple[Any, ...], number: int, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` microseconds per call, variants interleaved round by round so that
    load from other processes hits them all alike."""
    best = {name: float("inf") for name in fns}
    x, y = args
    for _ in range(repeat):
        for name, fn in fns.items():
            timer = timeit.Timer("fn(x, y)", globals={"fn": fn, "x": x, "y": y})
            best[name] = min(best[name], timer.timeit(number=number) / number * 1e6)
    return best


def build(array_type: Any) -> dict[str, Callable[..., Any]]:
    import jaxtyping
    from beartype import beartype

    import shapecheck

    def plain(x, y):  # type: ignore[no-untyped-def]
        return x

    @beartype
    def bear(x: array_type, y: array_type) -> array_type:  # type: ignore[valid-type]
        return x

    @jaxtyping.jaxtyped(typechecker=beartype)
    def jax_bear(
        x: jaxtyping.Float32[array_type, "B C"], y: jaxtyping.Float32[array_type, "B*C 2"]
    ) -> jaxtyping.Float32[array_type, "B C"]:
        return x

    @shapecheck.check
    def ours(
        x: shapecheck.Float32[array_type, "B C"], y: shapecheck.Float32[array_type, "B*C 2"]
    ) -> shapecheck.Float32[array_type, "B C"]:
        return x

    return {"undecorated": plain, "beartype alone": bear, "jaxtyping+beartype": jax_bear, "shapecheck (trace)": ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--backend", choices=["tensorflow", "numpy", "both"], default="both")
    opts = parser.parse_args()

    backends: list[tuple[str, Any, tuple[Any, Any]]] = []
    if opts.backend in ("numpy", "both"):
        import numpy as np

        backends.append(("numpy", np.ndarray, (np.zeros((4, 3), np.float32), np.zeros((12, 2), np.float32))))
    if opts.backend in ("tensorflow", "both"):
        import tensorflow as tf

        backends.append(("tensorflow eager", tf.Tensor, (tf.zeros((4, 3)), tf.zeros((12, 2)))))

    for label, array_type, args in backends:
        fns = build(array_type)
        for fn in fns.values():
            fn(*args)  # warm caches
        timings = best_us(fns, args, opts.number, opts.repeat)
        base = timings["undecorated"]
        print(f"\n{label}: 2 contracted arguments + contracted return, best of {opts.repeat} x {opts.number} calls")
        print(f"{'variant':<22} {'us/call':>9} {'added us':>9}")
        for name, us in timings.items():
            print(f"{name:<22} {us:9.2f} {us - base:9.2f}")
    print(f"\nload average while measuring: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
