"""Lint a big real corpus (the installed keras and tensorflow Python sources) and compare with parsing.

    python benchmarks/bench_lint_corpus.py [--limit N] [--root DIR ...] [--show CODE] [--seed S]

Prints: files, libcst parse time of the same files, total lint time (summarise + build_project
+ check) split into its parts, files/s, the ratio lint/parse (target <= 1.5), and the number
and kinds of findings. CPU time (process time) is reported beside wall time because the
machine is shared; the ratio uses CPU time. ``--show SC101`` prints those findings in full
so they can be judged true or false positives by reading the code.
"""

from __future__ import annotations

import argparse
import collections
import gc
import importlib.util
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import libcst as cst  # noqa: E402

from shapecheck.static import api  # noqa: E402
from shapecheck.static.api import AnalysisError, build_project, check_module, load_packs, summarise_module  # noqa: E402

XLA_CLOCK_CPU = [0.0]


def _timed(fn):  # type: ignore[no-untyped-def]
    """Wrap an XLA-package entry point so its share of the lint time can be reported."""

    def wrapper(*a, **k):  # type: ignore[no-untyped-def]
        c = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            XLA_CLOCK_CPU[0] += time.process_time() - c

    return wrapper


PARSE_IN_LINT_CPU = [0.0]
_parse_file = api.parse_file


def _timed_parse(*a, **k):  # type: ignore[no-untyped-def]
    c = time.process_time()
    try:
        return _parse_file(*a, **k)
    finally:
        PARSE_IN_LINT_CPU[0] += time.process_time() - c


api.parse_file = _timed_parse  # type: ignore[assignment]

api._xla = type("XlaTimed", (), {  # type: ignore[assignment]
    "collect_module_facts": staticmethod(_timed(api._xla.collect_module_facts)),
    "build_region_map": staticmethod(_timed(api._xla.build_region_map)),
    "check_module_xla": staticmethod(_timed(api._xla.check_module_xla)),
    "xla_map": staticmethod(api._xla.xla_map),
})


def corpus_roots() -> list[Path]:
    roots = []
    for name in ("keras", "tensorflow"):
        spec = importlib.util.find_spec(name)  # locates the package without importing it
        if spec is not None and spec.submodule_search_locations:
            roots.append(Path(next(iter(spec.submodule_search_locations))))
    return roots


class Clock:
    def __init__(self) -> None:
        self.cpu = 0.0
        self.wall = 0.0

    def __enter__(self) -> Clock:
        self._c, self._w = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu += time.process_time() - self._c
        self.wall += time.perf_counter() - self._w


def measure_providers(sources: list[str], parse_cpu: float) -> None:
    """What each libcst metadata provider would cost per file, as a multiple of the parse."""
    from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider

    for provider in (PositionProvider, ScopeProvider, QualifiedNameProvider):
        clock = Clock()
        for s in sources:
            try:
                module = cst.parse_module(s)
            except Exception:
                continue
            with clock:
                MetadataWrapper(module, unsafe_skip_copy=True).resolve(provider)
        print(f"metadata {provider.__name__:24s} cpu {clock.cpu:8.2f} s = {clock.cpu / max(parse_cpu, 1e-9):.2f}x parse")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="analyse only N files (a random sample, see --seed)")
    ap.add_argument("--root", action="append", type=Path, help="corpus root (default: installed keras + tensorflow)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", action="append", default=[], help="print every finding of this code in full")
    ap.add_argument("--providers", action="store_true",
                    help="also measure libcst metadata providers (positions, scopes, qualified names) against the parse")
    args = ap.parse_args(argv)

    roots = args.root or corpus_roots()
    files = sorted(p for r in roots for p in r.rglob("*.py"))
    if args.limit:
        files = sorted(random.Random(args.seed).sample(files, min(args.limit, len(files))))
    sources: dict[str, str] = {}
    for p in files:
        try:
            sources[str(p)] = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    size = sum(len(s) for s in sources.values())
    print(f"corpus: {len(sources)} files, {size / 1e6:.1f} MB of source, roots: {', '.join(map(str, roots))}")

    gc.collect()
    parse = Clock()
    with parse:
        for s in sources.values():
            try:
                cst.parse_module(s)
            except Exception:
                pass
    if args.providers:
        measure_providers(list(sources.values()), parse.cpu)
    packs = load_packs()
    gc.collect()
    summ, build, check = Clock(), Clock(), Clock()
    summaries = []
    errors = 0
    with summ:
        for path, s in sources.items():
            try:
                summaries.append(summarise_module(path, s, packs))
            except AnalysisError:
                errors += 1
    with build:
        project = build_project(summaries, packs)
    findings = []
    with check:
        for path, s in sources.items():
            try:
                findings.extend(check_module(path, s, project, packs))
            except AnalysisError:
                pass
    total_cpu = summ.cpu + build.cpu + check.cpu
    total_wall = summ.wall + build.wall + check.wall
    print(f"libcst parse:     cpu {parse.cpu:8.2f} s   wall {parse.wall:8.2f} s")
    print(f"summarise:        cpu {summ.cpu:8.2f} s   wall {summ.wall:8.2f} s")
    print(f"build_project:    cpu {build.cpu:8.2f} s   wall {build.wall:8.2f} s")
    print(f"check:            cpu {check.cpu:8.2f} s   wall {check.wall:8.2f} s")
    print(f"lint total:       cpu {total_cpu:8.2f} s   wall {total_wall:8.2f} s   ({len(sources) / max(total_cpu, 1e-9):.1f} files/s cpu)")
    print(f"ratio lint/parse: {total_cpu / max(parse.cpu, 1e-9):.2f}x cpu   ({total_wall / max(parse.wall, 1e-9):.2f}x wall)   target <= 1.5x")
    print(f"  of which the XLA package (facts, region map, SC2xx/SC3xx): cpu {XLA_CLOCK_CPU[0]:.2f} s; "
          f"the rest (parse, SC004/SC1xx inference): cpu {total_cpu - XLA_CLOCK_CPU[0]:.2f} s "
          f"= {(total_cpu - XLA_CLOCK_CPU[0]) / max(parse.cpu, 1e-9):.2f}x parse")
    rest = total_cpu - XLA_CLOCK_CPU[0] - PARSE_IN_LINT_CPU[0]
    print(f"  parsing inside the lint: cpu {PARSE_IN_LINT_CPU[0]:.2f} s; SC004/SC1xx analysis alone: cpu {rest:.2f} s "
          f"= {rest / max(PARSE_IN_LINT_CPU[0], 1e-9):.2f}x of that parse time")
    print(f"unreadable files: {errors}")
    kinds = collections.Counter(f.code for f in findings)
    print(f"findings: {len(findings)}  " + "  ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    for f in findings:
        if f.code in args.show:
            print(f"\n{f.path}:{f.line}:{f.col}: {f.code} {f.message}")
            for n in f.notes:
                print(f"    {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
