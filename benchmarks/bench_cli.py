"""Command-line speed: start-up, and cold/warm whole-tree runs on a large corpus.

    python benchmarks/bench_cli.py                      # the installed keras sources
    python benchmarks/bench_cli.py --corpus PATH --limit 200 --jobs 2

Prints numbers; asserts nothing. Measures:

* ``shapecheck --version`` wall time (target ≤ 150 ms), next to ``python -c pass`` on the
  same interpreter (the floor: interpreter start-up and site initialisation);
* a cold ``shapecheck check`` over the corpus (empty cache directory), then a warm one
  (same cache, unchanged files: nothing is parsed);
* libcst parsing alone over the same files (one process), the yardstick for the design
  target "analysis adds at most half again the time of parsing";
* with ``--vs-ruff TREE ...``: cold and warm ``shapecheck check`` beside ``ruff check`` on the
  same trees (wall and CPU time; the variants interleaved, min and median of ``--repeat``).

    python benchmarks/bench_cli.py --skip-tree --vs-ruff . /work/corpus/keras-hub --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def _console_script() -> list[str]:
    candidate = Path(sys.executable).with_name("shapecheck")
    if candidate.is_file():
        return [str(candidate)]
    return [sys.executable, "-m", "shapecheck.cli"]


def _startup_runs(script: list[str], repeat: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    _timed([*script, "--version"], env=env)  # warm-up (writes .pyc files when allowed)
    floor = [_timed([sys.executable, "-c", "pass"], env=env)[0] for _ in range(repeat)]
    version = []
    for _ in range(repeat):
        seconds, proc = _timed([*script, "--version"], env=env)
        if proc.returncode != 0:
            raise SystemExit(f"shapecheck --version failed: {proc.stderr}")
        version.append(seconds)
    return version, floor


def bench_startup(repeat: int) -> None:
    script = _console_script()
    as_is = dict(os.environ)
    with_pyc = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    version, floor = _startup_runs(script, repeat, as_is)
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys; import shapecheck.cli.main as m; m.run(['--version'], open(__import__('os').devnull, 'w'), sys.stderr); "
         "print(','.join(x for x in ('libcst', 'tensorflow', 'numpy', 'jaxtyping') if x in sys.modules) or 'none')"],
        capture_output=True, text=True, cwd=REPO,
    ).stdout.strip()
    print(f"start-up ({' '.join(script)} --version, {repeat} runs)")
    print(f"  shapecheck --version   min {min(version) * 1000:6.0f} ms   median {statistics.median(version) * 1000:6.0f} ms   (target <= 150 ms)")
    print(f"  python -c pass         min {min(floor) * 1000:6.0f} ms   median {statistics.median(floor) * 1000:6.0f} ms   (interpreter floor)")
    print(f"  heavy modules imported by --version: {heavy}")
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        version, floor = _startup_runs(script, repeat, with_pyc)
        print("  with PYTHONDONTWRITEBYTECODE unset (bytecode cached, as in a normal install):")
        print(f"  shapecheck --version   min {min(version) * 1000:6.0f} ms   median {statistics.median(version) * 1000:6.0f} ms")
        print(f"  python -c pass         min {min(floor) * 1000:6.0f} ms   median {statistics.median(floor) * 1000:6.0f} ms")


ONE_FILE = '''\
from typing import Annotated

import tensorflow as tf

from shapecheck import Shape


def translate(
    images: Annotated[tf.Tensor, Shape("N H W 1")], offsets: Annotated[tf.Tensor, Shape("N 2")]
) -> Annotated[tf.Tensor, Shape("N H W 1")]:
    return images


def channel_to_flat(x: Annotated[tf.Tensor, Shape("B H W C")]) -> Annotated[tf.Tensor, Shape("B*C H W 1")]:
    b, h, w, c = tf.unstack(tf.shape(x))
    return tf.reshape(tf.transpose(x, (0, 3, 1, 2)), (b * c, h, w, 1))


def reassemble(patches: Annotated[tf.Tensor, Shape("B H W C")], offsets: Annotated[tf.Tensor, Shape("B 2")]):
    return translate(channel_to_flat(patches), offsets)
'''


def bench_one_file(repeat: int) -> None:
    """``shapecheck check FILE`` on one small file: without a cache, then warm."""
    script = _console_script()
    with tempfile.TemporaryDirectory(prefix="shapecheck-one-") as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("[tool.shapecheck]\n")
        (root / "model.py").write_text(ONE_FILE)
        cold = [_timed([*script, "check", "--no-cache", "model.py"], cwd=root)[0] for _ in range(repeat)]
        _timed([*script, "check", "model.py"], cwd=root)
        warm = [_timed([*script, "check", "model.py"], cwd=root)[0] for _ in range(repeat)]
    print(f"one file (shapecheck check model.py, {repeat} runs)")
    print(f"  no cache               min {min(cold) * 1000:6.0f} ms   median {statistics.median(cold) * 1000:6.0f} ms")
    print(f"  warm cache             min {min(warm) * 1000:6.0f} ms   median {statistics.median(warm) * 1000:6.0f} ms")


def _corpus_files(corpus: Path, limit: int | None) -> list[Path]:
    files = sorted(p for p in corpus.rglob("*.py") if "__pycache__" not in p.parts)
    return files[:limit] if limit else files


def bench_parse(files: list[Path]) -> float:
    code = (
        "import sys, time, libcst\n"
        "paths = sys.argv[1:]\n"
        "start = time.perf_counter()\n"
        "for p in paths:\n"
        "    try:\n"
        "        libcst.parse_module(open(p, 'rb').read())\n"
        "    except Exception:\n"
        "        pass\n"
        "print(time.perf_counter() - start)\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(code)
    try:
        out = subprocess.run([sys.executable, fh.name, *map(str, files)], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(fh.name)
    return float(out.strip())


def bench_tree(corpus: Path, limit: int | None, jobs: int | None, parse_baseline: bool = True) -> None:
    files = _corpus_files(corpus, limit)
    size = sum(p.stat().st_size for p in files)
    work = Path(tempfile.mkdtemp(prefix="shapecheck-bench-"))
    try:
        if limit:  # a subset: copy it, so the run (and its project context) covers exactly these files
            tree = work / "tree"
            for p in files:
                target = tree / p.relative_to(corpus)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, target)
        else:
            tree = corpus
        cache = work / "cache"
        # Run a frozen copy of shapecheck: the cache key includes the analyser's own files, and
        # in a shared checkout they may change between the cold and the warm run.
        snapshot = work / "snapshot"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(REPO / "shapecheck", snapshot / "shapecheck", ignore=ignore)
        shutil.copytree(REPO / "rules", snapshot / "rules", ignore=ignore)
        cmd = [sys.executable, "-m", "shapecheck.cli", "check", str(tree), "--cache-dir", str(cache),
               "--exit-zero", "--concise", "-v", "--isolated"]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(snapshot)}
        print(f"\ncorpus {corpus} ({len(files)} files, {size / 1e6:.1f} MB){' subset' if limit else ''}; jobs {jobs or 'all cores'}")
        cold, proc = _timed(cmd, cwd=work, env=env)  # not the checkout: `-m` puts the cwd first on sys.path
        if proc.returncode not in (0,):
            print(f"  cold run exit {proc.returncode}: {proc.stderr[-2000:]}")
        detail = [l for l in proc.stderr.splitlines() if l.startswith("shapecheck: jobs")]
        findings = sum(1 for l in proc.stdout.splitlines() if ": SC" in l)
        internal = sum(1 for l in proc.stderr.splitlines() if l.startswith("error: "))
        print(f"  cold  {cold:8.2f} s   findings {findings}, analyser failures {internal}")
        if detail:
            print(f"        {detail[0]}")
        warm, proc2 = _timed(cmd, cwd=work, env=env)
        detail = [l for l in proc2.stderr.splitlines() if l.startswith("shapecheck: jobs")]
        same = proc2.stdout == proc.stdout
        print(f"  warm  {warm:8.2f} s   identical output: {same}")
        if detail:
            print(f"        {detail[0]}")
        if parse_baseline:
            parse = bench_parse(files)
            print(f"  libcst parse only (1 process): {parse:8.2f} s  -> cold check / parse = {cold / parse:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _cpu_timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall s, CPU s of the child and its workers, result)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, proc = _timed(cmd, cwd=cwd, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc


def _ruff_rejects_a_wrong_input(ruff: str, work: Path) -> None:
    """The peer's variant must really lint: an undefined name has to fail it."""
    probe = work / "probe"
    probe.mkdir()
    (probe / "bad.py").write_text("def f():\n    return undefined_name\n")
    proc = subprocess.run([ruff, "check", "--no-cache", "--isolated", str(probe)], capture_output=True, text=True)
    if proc.returncode != 1 or "F821" not in proc.stdout:
        raise SystemExit(f"ruff did not reject an undefined name (exit {proc.returncode}): {proc.stdout}{proc.stderr}")


def bench_vs_ruff(trees: list[Path], ruff: str, repeat: int, jobs: int | None) -> None:
    """Cold (empty cache) and warm (same cache, unchanged files) runs of both tools, interleaved."""
    work = Path(tempfile.mkdtemp(prefix="shapecheck-vs-ruff-"))
    try:
        _ruff_rejects_a_wrong_input(ruff, work)
        snapshot = work / "snapshot"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(REPO / "shapecheck", snapshot / "shapecheck", ignore=ignore)
        shutil.copytree(REPO / "rules", snapshot / "rules", ignore=ignore)
        env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(snapshot)}
        version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"\nshapecheck vs {version} (cold: empty cache; warm: the cache of the cold run; {repeat} rounds, interleaved;"
              " CPU = user+sys of the process and its workers)")
        for given in trees:
            # A frozen copy: a tree edited between the cold and the warm run would be re-analysed.
            tree = work / "trees" / given.resolve().name
            shutil.copytree(given, tree, ignore=shutil.ignore_patterns(".git", "__pycache__", ".shapecheck_cache",
                                                                      ".ruff_cache", ".hypothesis", ".pytest_cache"))
            files = [p for p in tree.rglob("*.py")]
            jobs_args = ["--jobs", str(jobs)] if jobs else []
            times: dict[str, list[tuple[float, float]]] = {}
            counts: dict[str, int] = {}
            for round_ in range(repeat):
                for tool in ("shapecheck", "ruff"):
                    cache = work / f"{tool}-cache-{round_}"
                    if tool == "shapecheck":
                        cmd = [sys.executable, "-m", "shapecheck.cli", "check", str(tree), "--cache-dir", str(cache),
                               "--exit-zero", "--concise", "--isolated", *jobs_args]
                    else:
                        cmd = [ruff, "check", str(tree), "--cache-dir", str(cache), "--exit-zero", "--isolated",
                               "--output-format", "concise"]
                    for phase in ("cold", "warm"):
                        wall, cpu, proc = _cpu_timed(cmd, work, env)
                        if proc.returncode != 0:
                            raise SystemExit(f"{tool} {phase} failed (exit {proc.returncode}): {proc.stderr[-1000:]}")
                        times.setdefault(f"{tool} {phase}", []).append((wall, cpu))
                        counts[tool] = sum(1 for line in proc.stdout.splitlines() if line.count(":") >= 3)
            print(f"  {given} ({len(files)} .py files, copied)")
            for key, values in times.items():
                walls, cpus = [w for w, _ in values], [c for _, c in values]
                print(f"    {key:17s} wall min {min(walls):7.2f} s  median {statistics.median(walls):7.2f} s   "
                      f"CPU min {min(cpus):7.2f} s  median {statistics.median(cpus):7.2f} s")
            print(f"    findings: shapecheck {counts['shapecheck']}, ruff {counts['ruff']} (different rules: speed only)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="a source tree (default: the installed keras package)")
    parser.add_argument("--limit", type=int, help="only the first N files (sorted), copied to a temporary tree")
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--skip-tree", action="store_true")
    parser.add_argument("--skip-parse", action="store_true", help="do not time libcst parsing alone")
    parser.add_argument("--vs-ruff", type=Path, nargs="+", metavar="TREE", help="time shapecheck beside ruff on these trees")
    parser.add_argument("--ruff", default=shutil.which("ruff"), help="the ruff executable (default: ruff on PATH)")
    args = parser.parse_args()
    if args.vs_ruff:
        if not args.ruff:
            raise SystemExit("ruff not found: pip install ruff, or pass --ruff PATH")
        bench_vs_ruff(args.vs_ruff, args.ruff, args.repeat, args.jobs)
        return
    bench_startup(args.repeat)
    bench_one_file(max(3, args.repeat // 2))
    if args.skip_tree:
        return
    corpus = args.corpus
    if corpus is None:
        import importlib.util

        spec = importlib.util.find_spec("keras")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("keras is not installed; pass --corpus")
        corpus = Path(list(spec.submodule_search_locations)[0])
    bench_tree(corpus, args.limit, args.jobs, parse_baseline=not args.skip_parse)


if __name__ == "__main__":
    main()
