"""Analysis time and memory against the length of one function (1k / 4k / 16k statements).

    python benchmarks/bench_function_length.py [--sizes 1000 4000 16000] [--timeout 180] [--mem-gb 4]

Each size runs in a fresh process: one module holding one function of N statements of
TensorFlow-shaped code (reshapes, slices, shape reads, arithmetic on dims, reassignments and
an ``if`` every 50 statements), analysed through the API (summary, project, check) as the CLI
does. Printed per size: libcst parse CPU, analysis CPU and wall (parse excluded), analysis CPU
per 1,000 statements, and the process's peak resident memory. A run past ``--timeout`` seconds
or ``--mem-gb`` of address space is reported as such. Linear time shows as a flat
"per 1k statements" column. Timings are noisy on a shared machine: compare CPU, not wall.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r'''
import json, resource, sys, time
n, mem_gb = int(sys.argv[1]), float(sys.argv[2])
limit = int(mem_gb * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.path[:0] = [sys.argv[3], sys.argv[3] + "/benchmarks"]
from bench_function_length import module_source
import libcst
from shapecheck.static import api
source = module_source(n)
c = time.process_time(); libcst.parse_module(source); parse_cpu = time.process_time() - c
packs = api.load_packs()
c, w = time.process_time(), time.perf_counter()
summary = api.summarise_module("/tmp/long_function.py", source, packs)
project = api.build_project([summary], packs)
findings = api.check_module("/tmp/long_function.py", source, project, packs)
cpu, wall = time.process_time() - c, time.perf_counter() - w
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"n": n, "parse_cpu": parse_cpu, "cpu": cpu - 0.0, "wall": wall, "peak_mb": peak_mb, "findings": len(findings)}))
'''


def module_source(n: int) -> str:
    """One function of ``n`` statements (the ``def`` and imports aside)."""
    lines = ["import tensorflow as tf", "", "", "def long_function(x, y):", "    h = tf.shape(x)[0]"]
    kinds = [
        "    a{i} = tf.reshape(x, [h, -1, 4])",
        "    b{i} = a{i}[:, 1:, :]",
        "    x = tf.concat([x, y], axis=0)",
        "    n{i} = x.shape[0] // 2 + {i}",
        "    y = tf.zeros([n{i}, 3])",
        "    c{i} = tf.transpose(b{i}, [0, 2, 1])",
        "    x = tf.ensure_shape(x, [None, 3])",
    ]
    count = 1
    i = 0
    while count < n:
        if i % 50 == 49:
            lines += [f"    if n{i - 1} > {i}:", f"        y = tf.ones([{i}, 3])", "    else:", "        y = y[1:]"]
            count += 3
        else:
            lines.append(kinds[i % len(kinds)].format(i=i))
            count += 1
        i += 1
    lines.append("    return x")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000])
    ap.add_argument("--timeout", type=float, default=180.0)
    ap.add_argument("--mem-gb", type=float, default=4.0)
    args = ap.parse_args(argv)
    print(f"{'statements':>10s} {'parse cpu':>10s} {'lint cpu':>10s} {'lint wall':>10s} {'cpu/1k stmts':>13s} {'peak MB':>9s}")
    for n in args.sizes:
        try:
            out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(args.mem_gb), str(REPO)],
                                 capture_output=True, text=True, timeout=args.timeout, cwd=REPO)
        except subprocess.TimeoutExpired:
            print(f"{n:>10d}  past the {args.timeout:g} s time-out")
            continue
        if out.returncode != 0:
            reason = "out of memory (--mem-gb)" if "MemoryError" in out.stderr else out.stderr.strip().splitlines()[-1:]
            print(f"{n:>10d}  failed: {reason}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{n:>10d} {r['parse_cpu']:>9.2f}s {r['cpu']:>9.2f}s {r['wall']:>9.2f}s {r['cpu'] / n * 1000:>12.3f}s {r['peak_mb']:>9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
