"""Recording overhead of ``shapecheck infer`` on the fast ptycho test suite.

    python benchmarks/bench_infer_overhead.py [--repeat 3] [--suite tests/ptycho]

Runs ``python -m pytest SUITE -q`` plainly and under ``shapecheck infer --packages ptycho_core``,
alternating the two ``--repeat`` times so that machine load hits both alike, and prints wall
time and CPU time (the children's user+sys) of each run, then min and median per variant and
the overhead. The recorded variant also pays for starting the recorder, generalising and
writing the pack; those are part of what a user waits for, so they are included.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--suite", default="tests/ptycho")
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    pytest_cmd = [sys.executable, "-m", "pytest", args.suite, "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as tmp:
        variants = {
            "plain": pytest_cmd,
            "recorded": [sys.executable, "-m", "shapecheck.cli", "infer", "--packages", "ptycho_core",
                         "-o", str(Path(tmp) / "pack.toml"), "--", *pytest_cmd],
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        for round_ in range(args.repeat):
            for name, cmd in variants.items():
                wall, cpu, code = _timed(cmd, env)
                if code != 0:
                    print(f"{name}: exit {code}; the suite must pass for the timing to mean anything")
                    return 2
                times[name].append((wall, cpu))
                print(f"round {round_ + 1} {name:9s} wall {wall:6.1f} s  cpu {cpu:6.1f} s", flush=True)
    summary = {}
    for name, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        summary[name] = (min(walls), statistics.median(walls), min(cpus), statistics.median(cpus))
        print(f"{name:9s} wall min {summary[name][0]:6.1f} s median {summary[name][1]:6.1f} s | "
              f"cpu min {summary[name][2]:6.1f} s median {summary[name][3]:6.1f} s")
    plain, rec = summary["plain"], summary["recorded"]
    print(f"overhead: wall min {rec[0] / plain[0] - 1:+.0%}, median {rec[1] / plain[1] - 1:+.0%}; "
          f"cpu min {rec[2] / plain[2] - 1:+.0%}, median {rec[3] / plain[3] - 1:+.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
