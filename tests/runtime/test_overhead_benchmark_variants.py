"""Defect 11: the overhead benchmark times only variants that provably check."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_runtime_overhead.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_runtime_overhead", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _make(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    return np.zeros(shape, dtype)


def test_every_timed_variant_rejects_the_wrong_calls() -> None:
    bench = _bench()
    fns = bench.build(np.ndarray)
    right = (_make((4, 3), "float32"), _make((12, 2), "float32"))
    bench.verify(fns, right, bench.wrong_calls(_make))  # raises SystemExit if one lets a wrong call through
    assert set(bench.MUST_REJECT) <= set(fns)


def test_a_variant_that_checks_nothing_stops_the_benchmark() -> None:
    bench = _bench()
    fns = bench.build(np.ndarray)
    fns["jaxtyping+beartype"] = lambda x, y: x  # what the old variant amounted to
    right = (_make((4, 3), "float32"), _make((12, 2), "float32"))
    with pytest.raises(SystemExit, match="jaxtyping\\+beartype accepted a call with wrong rows"):
        bench.verify(fns, right, bench.wrong_calls(_make))
