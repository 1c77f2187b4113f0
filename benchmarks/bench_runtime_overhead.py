"""Eager overhead of one checked call, against plain, beartype alone and jaxtyping+beartype.

The function takes two arrays and returns one, all three contracted:
``(B C) float32, (B*C 2) float32 -> (B C) float32``; its body returns its first argument so
only the checking is measured. Run: ``python benchmarks/bench_runtime_overhead.py``.

Before anything is timed, every checking variant must prove that it checks: each is called
with wrong inputs and must raise (shapecheck and jaxtyping+beartype: wrong rows, wrong dtype,
wrong type; beartype alone, which knows no shapes: wrong type). A variant that lets one
through stops the run: comparing against a checker that checks nothing means nothing.
(This file deliberately has no ``from __future__ import annotations``: with it, the
variants' annotations are strings naming a local ``array_type`` that jaxtyping could not
resolve, and its variant checked nothing.)

Timing: CPU time of this process (``time.process_time``, the clock other processes' load
disturbs least) and wall time, read together; variants interleaved round by round so
background load hits them alike; min and median per call over the rounds.
Target: shapecheck adds at most 2 us per eager call.
"""

import argparse
import os
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

Variant = Callable[[Any, Any], Any]


def build(array_type: Any) -> dict[str, Variant]:
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


def wrong_calls(make: Callable[[tuple[int, ...], str], Any]) -> dict[str, tuple[Any, Any]]:
    """Calls every shape checker must reject (the right call is (4, 3), (12, 2) float32)."""
    return {
        "wrong rows": (make((4, 3), "float32"), make((11, 2), "float32")),
        "wrong dtype": (make((4, 3), "float64"), make((12, 2), "float64")),
        "wrong type": ([[0.0] * 3] * 4, make((12, 2), "float32")),
    }


MUST_REJECT = {
    "beartype alone": ("wrong type",),
    "jaxtyping+beartype": ("wrong rows", "wrong dtype", "wrong type"),
    "shapecheck (trace)": ("wrong rows", "wrong dtype", "wrong type"),
}


def verify(fns: dict[str, Variant], right: tuple[Any, Any], wrong: dict[str, tuple[Any, Any]]) -> None:
    """Every variant accepts the right call and rejects the wrong ones it claims to check."""
    for name, fn in fns.items():
        fn(*right)
        for case in MUST_REJECT.get(name, ()):
            try:
                fn(*wrong[case])
            except Exception:  # noqa: BLE001 - each checker raises its own error type
                continue
            raise SystemExit(f"{name} accepted a call with {case}: it checks nothing there, so timing it is meaningless")
    print("verified: " + "; ".join(f"{n} rejects {', '.join(c)}" for n, c in MUST_REJECT.items()))


class _Stamp:
    """CPU and wall time read together; the difference of two stamps is (CPU, wall) seconds."""

    __slots__ = ("cpu", "wall")

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def __sub__(self, earlier: "_Stamp") -> tuple[float, float]:
        return self.cpu - earlier.cpu, self.wall - earlier.wall


def per_call_us(fns: dict[str, Variant], args: tuple[Any, Any], number: int, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """(CPU, wall) microseconds per call, one sample per round, variants interleaved within a round."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in fns}
    x, y = args
    for _ in range(rounds):
        for name, fn in fns.items():
            timer = timeit.Timer("fn(x, y)", timer=_Stamp, globals={"fn": fn, "x": x, "y": y})
            cpu, wall = timer.timeit(number=number)  # type: ignore[misc]
            samples[name].append((cpu / number * 1e6, wall / number * 1e6))
    return samples


def report(samples: dict[str, list[tuple[float, float]]], clock: int) -> None:
    """Min and median per call, and what each adds to the undecorated call."""
    base = [s[clock] for s in samples["undecorated"]]
    base_min, base_med = min(base), statistics.median(base)
    print(f"{('CPU', 'wall')[clock]:<5}{'variant':<22} {'min us':>8} {'median us':>10} {'added (min)':>12} {'added (median)':>15}")
    for name, pairs in samples.items():
        values = [s[clock] for s in pairs]
        low, mid = min(values), statistics.median(values)
        print(f"{'':<5}{name:<22} {low:8.2f} {mid:10.2f} {low - base_min:12.2f} {mid - base_med:15.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--number", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--backend", choices=["tensorflow", "numpy", "both"], default="both")
    opts = parser.parse_args()

    backends: list[tuple[str, Any, Callable[[tuple[int, ...], str], Any]]] = []
    if opts.backend in ("numpy", "both"):
        import numpy as np

        backends.append(("numpy", np.ndarray, lambda shape, dtype: np.zeros(shape, dtype)))
    if opts.backend in ("tensorflow", "both"):
        import tensorflow as tf

        backends.append(("tensorflow eager", tf.Tensor, lambda shape, dtype: tf.zeros(shape, dtype)))

    for label, array_type, make in backends:
        fns = build(array_type)
        right = (make((4, 3), "float32"), make((12, 2), "float32"))
        print(f"\n{label}:")
        verify(fns, right, wrong_calls(make))
        samples = per_call_us(fns, right, opts.number, opts.rounds)
        print(f"2 contracted arguments + contracted return; {opts.rounds} rounds x {opts.number} calls")
        report(samples, 0)
        report(samples, 1)
    print(f"\nload average while measuring: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
