"""Time and memory of the analysis of one long function, against libcst's parse of it.

One function of ``n`` statements (reshapes, arithmetic, ``if``/``else`` joins, loops, the
names in scope growing with ``n``) is analysed (summary + check, the whole static pass) in a
fresh process per size, so that the peak RSS is that size's. CPU time, min of ``--repeat``;
the machine is shared, so read ratios rather than seconds.

    PYTHONPATH=$PWD python3 benchmarks/bench_function_size.py [--sizes 1000,4000,8000,16000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def long_function(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    lines = ["import tensorflow as tf", "", "", "def f(x, y):", "    a0 = tf.zeros([4, 8])"]
    for i in range(1, n):
        r = rng.random()
        if r < 0.5:
            lines.append(f"    a{i} = tf.reshape(a{i - 1}, [-1, 8]) + tf.shape(x)[0]")
        elif r < 0.75:
            lines += [f"    if a{i - 1}.shape[0] > 2:", f"        a{i} = a{i - 1} * 2", "    else:",
                      f"        a{i} = tf.concat([a{i - 1}, a{i - 1}], axis=0)"]
        else:
            lines += ["    for k in range(3):", f"        a{i} = a{i - 1} + k"]
    lines.append(f"    return a{n - 1}")
    return "\n".join(lines) + "\n"


def measure_one(path: Path, repeat: int) -> dict[str, float]:
    import libcst as cst

    from shapecheck.static.api import build_project, check_module, load_packs, summarise_module

    source = path.read_text()
    packs = load_packs()
    parse: list[float] = []
    analysis: list[float] = []
    for _ in range(repeat):
        t = time.process_time()
        cst.parse_module(source)
        parse.append(time.process_time() - t)
        t = time.process_time()
        summary = summarise_module(path, source, packs)
        check_module(path, source, build_project([summary], packs), packs)
        analysis.append(time.process_time() - t)
    return {"parse": min(parse), "analysis": min(analysis), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,4000,8000,16000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        print(json.dumps(measure_one(args.child, args.repeat)))
        return 0
    print(f"{'statements':>10} {'parse s':>8} {'analysis s':>10} {'ratio':>6} {'per 1k stmts s':>14} {'peak RSS MB':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"f{n}.py"
            path.write_text(long_function(n))
            out = subprocess.run([sys.executable, __file__, "--child", str(path), "--repeat", str(args.repeat)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            print(f"{n:>10} {r['parse']:>8.2f} {r['analysis']:>10.2f} {r['analysis'] / r['parse']:>6.2f} "
                  f"{1000 * r['analysis'] / n:>14.3f} {r['rss_mb']:>11.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
