"""Cold and warm lint against a libcst parse of the same files: CPU and wall, parses per file.

    python benchmarks/bench_engine_speed.py [--rounds 3] [--corpus DIR ...] [--skip-repo]

For (a) this repository and (b) a corpus of real files (default: the tensorflow-addons, gpflow,
deepxde and tensorflow-recommenders sources unpacked by ``benchmarks/build_corpus.py`` under
/work/corpus, 501 files), each round runs, every one in a fresh process so that nothing is warm:

* ``parse``: read, decode and ``libcst.parse_module`` every file the CLI would check;
* ``cold``:  ``shapecheck check --no-cache --jobs 1`` on the same files;
* ``warm``:  the same with a cache directory filled by a previous run.

The variants are interleaved (parse, cold, warm, parse, cold, warm, ...) so that load from the
other users of the machine falls on all of them alike; min and median over the rounds are
printed. Timings are taken inside the child around the work (imports of libcst and of the
CLI entry point excluded for both; the analyser itself is imported inside the timed lint, as
in real use). ``parses/file`` counts libcst parses in the cold lint (target: exactly 1) and,
separately, CPython ``ast`` parses used as a line index. Target: cold lint <= 1.5x the parse.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path("/work/corpus")
DEFAULT_CORPUS = ["tensorflow-addons", "gpflow", "deepxde", "tensorflow-recommenders"]

CHILD = r'''
import io, json, sys, time
mode, root, cache, files_json = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
files = json.loads(open(files_json).read())
if mode == "parse":
    import libcst
    from shapecheck.cli.sources import decode, Decoded
    c, w = time.process_time(), time.perf_counter()
    n = 0
    for f in files:
        d = decode(open(f, "rb").read(), f)
        if isinstance(d, Decoded):
            try:
                libcst.parse_module(d.text); n += 1
            except Exception:
                pass
    out = {"cpu": time.process_time() - c, "wall": time.perf_counter() - w, "parsed": n}
else:
    import os
    import libcst  # imported before the clock, as for the parse: both sides pay it outside the timing
    from shapecheck.cli.main import run
    os.chdir(root)
    args = ["check", "--jobs", "1", "--exit-zero", "--output-format", "json", "--isolated", "--project-context", "none"]
    args += ["--no-cache"] if mode == "cold" else ["--cache-dir", cache]
    buf, err = io.StringIO(), io.StringIO()
    c, w = time.process_time(), time.perf_counter()
    run([*args, *files], buf, err)
    out = {"cpu": time.process_time() - c, "wall": time.perf_counter() - w, "findings": len(json.loads(buf.getvalue() or "[]"))}
    try:
        from shapecheck.static.parsed import PARSES  # not in versions before the parse counter
        out["parses"] = dict(PARSES)
    except ImportError:
        out["parses"] = {}
print(json.dumps(out))
'''


def _files(root: Path, dirs: list[Path]) -> list[str]:
    """What the CLI itself would check there (its own discovery, gitignore and excludes honoured)."""
    out = subprocess.run(
        [sys.executable, "-m", "shapecheck.cli", "check", "--show-files", "--isolated", *map(str, dirs)],
        cwd=root, capture_output=True, text=True, env=_env(),
    )
    return [str((root / line).resolve()) for line in out.stdout.splitlines() if line.strip()]


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _child(mode: str, root: Path, cache: Path, files_json: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(root), str(cache), str(files_json)],
                         capture_output=True, text=True, env=_env(), cwd=root)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} child failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(label: str, root: Path, dirs: list[Path], rounds: int) -> None:
    files = _files(root, dirs)
    size = sum(Path(f).stat().st_size for f in files)
    print(f"\n== {label}: {len(files)} files, {size / 1e6:.2f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        files_json = Path(tmp) / "files.json"
        files_json.write_text(json.dumps(files))
        cache = Path(tmp) / "cache"
        _child("warm", root, cache, files_json)  # fill the cache once
        runs: dict[str, list[dict[str, object]]] = {"parse": [], "cold": [], "warm": []}
        for _ in range(rounds):
            for mode in ("parse", "cold", "warm"):
                runs[mode].append(_child(mode, root, cache, files_json))
    for mode, results in runs.items():
        cpu = [float(r["cpu"]) for r in results]  # type: ignore[arg-type]
        wall = [float(r["wall"]) for r in results]  # type: ignore[arg-type]
        print(f"{mode:6s} cpu min {min(cpu):7.2f} s  median {statistics.median(cpu):7.2f} s   "
              f"wall min {min(wall):7.2f} s  median {statistics.median(wall):7.2f} s")
    p_cpu = min(float(r["cpu"]) for r in runs["parse"])  # type: ignore[arg-type]
    p_wall = min(float(r["wall"]) for r in runs["parse"])  # type: ignore[arg-type]
    for mode in ("cold", "warm"):
        c = min(float(r["cpu"]) for r in runs[mode])  # type: ignore[arg-type]
        w = min(float(r["wall"]) for r in runs[mode])  # type: ignore[arg-type]
        print(f"{mode} lint / parse: {c / p_cpu:.2f}x cpu, {w / p_wall:.2f}x wall (min over {rounds}; target cold <= 1.5x)")
    parses = runs["cold"][0].get("parses", {})
    assert isinstance(parses, dict)
    parsed = int(runs["parse"][0]["parsed"])  # type: ignore[arg-type]
    print(f"cold run parses: libcst {parses.get('libcst', 0)} for {parsed} parseable files "
          f"({parses.get('libcst', 0) / max(parsed, 1):.2f}/file); ast line index {parses.get('ast', 0)} "
          f"({parses.get('ast', 0) / max(parsed, 1):.2f}/file); findings {runs['cold'][0]['findings']}")
    warm_parses = runs["warm"][0].get("parses", {})
    print(f"warm run parses: {warm_parses or 'none'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--corpus", action="append", type=Path, help="corpus directories (default: four packages in /work/corpus)")
    ap.add_argument("--skip-repo", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_repo:
        bench("this repository", REPO, [REPO], args.rounds)
    dirs = args.corpus or [CORPUS / name for name in DEFAULT_CORPUS]
    missing = [d for d in dirs if not d.is_dir()]
    if missing:
        print(f"corpus not found: {', '.join(map(str, missing))} (run benchmarks/build_corpus.py)")
        return 1
    bench("real corpus", dirs[0].parent, dirs, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
