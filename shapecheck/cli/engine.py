"""Running the analyser over many files: cache look-ups, the process pool, crash isolation.

Phase 1 summarises every file whose cached summary is missing or stale; the project
index is built from all summaries; phase 2 checks every file whose cached findings were
computed against another ``project.fingerprint()``. Both phases run on a process pool
(``--jobs``, default ``os.cpu_count()``) when there is enough work, else in-process.
Results are put back in input order, so output never depends on scheduling. A worker
that dies (a native parser crash) breaks the pool; the unfinished files are then re-run
one per process, and the file that kills its process is reported as SC003.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import time
from collections import Counter
from contextlib import nullcontext
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapecheck.cli import workers
from shapecheck.cli.cache import Cache, CacheEntry, content_hash
from shapecheck.cli.discovery import SourceFile
from shapecheck.cli.pool import PinnedPool
from shapecheck.findings import Finding

MIN_PARALLEL = 6  # fewer tasks than this run in-process: a pool costs more than it saves


@dataclass
class FileOutcome:
    file: SourceFile
    data: bytes | None = None
    entry: CacheEntry | None = None
    findings: list[Finding] = field(default_factory=list)  # raw: before selection and suppression
    input_error: Finding | None = None
    internal: str | None = None


@dataclass
class AnalysisRun:
    outcomes: list[FileOutcome]
    project: Any
    packs: Any
    internal_errors: list[str]
    timings: dict[str, float]
    counts: dict[str, int]


def _fork_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork") if "fork" in methods else None


def _pool_kwargs(ctx: Any, initargs: tuple[Any, ...]) -> dict[str, Any]:
    # Under fork the children inherit workers._STATE (set by the caller); otherwise initialise.
    forked = ctx is not None and ctx.get_start_method() == "fork"
    return {} if forked else {"initializer": workers.init_worker, "initargs": initargs}


def run_tasks(
    fn: Callable[[str, bytes], workers.TaskResult],
    items: list[tuple[str, bytes]],
    jobs: int,
    initargs: tuple[Any, ...],
    pool: PinnedPool | None = None,
    pinned: bool = False,
) -> list[workers.TaskResult]:
    """``fn`` over ``items`` in input order: on ``pool`` when given (``pinned``: each file on the
    worker that holds its tree), else in-process when small, else on a pool for this call."""
    if pool is not None:
        return pool.run(fn, items, pinned)
    if jobs <= 1 or len(items) < MIN_PARALLEL:
        return [fn(*item) for item in items]
    ctx = _fork_context()
    with PinnedPool(min(jobs, len(items)), ctx, _pool_kwargs(ctx, initargs)) as temporary:
        return temporary.run(fn, items, pinned=False)


def _read(file: SourceFile, overrides: dict[Path, bytes] | None = None) -> tuple[bytes | None, Finding | None]:
    if overrides and file.path in overrides:
        return overrides[file.path], None
    try:
        return file.path.read_bytes(), None
    except IsADirectoryError:
        return None, Finding(file.display, 1, 1, "SC002", "cannot read: is a directory")
    except OSError as exc:
        return None, Finding(file.display, 1, 1, "SC002", f"cannot read: {exc.strerror or exc}")


def analyse(
    files: list[SourceFile],
    pack_paths: tuple[Path, ...],
    cache: Cache,
    jobs: int,
    check: bool = True,
    context: list[SourceFile] | None = None,
    overrides: dict[Path, bytes] | None = None,
    timeout: float | None = None,
    cwd: Path | None = None,
    shape_hints: bool = True,
) -> AnalysisRun:
    """Summaries (and, with ``check``, raw findings) for ``files``; see the module docstring.

    ``context`` files are summarised (so their contracts and compiled regions are known)
    but neither checked nor reported: the rest of the project when only some files are named.
    With ``check`` and a fully warm cache (every file unchanged, the project fingerprint of
    this exact set of contents recorded) nothing is parsed and the analyser is not even
    imported; ``project`` and ``packs`` are then None. ``overrides`` gives the content of
    files that are not (or not yet) on disk as saved: an editor's buffer read from stdin.
    Every finding returned carries its file's display path, whoever filled the cache.
    """
    cwd = cwd or Path.cwd()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    outcomes: list[FileOutcome] = []
    context_outcomes: list[FileOutcome] = []
    to_summarise: list[FileOutcome] = []
    contents: dict[str, str] = {}
    for file in [*files, *(context or [])]:
        outcome = FileOutcome(file)
        (outcomes if len(outcomes) < len(files) else context_outcomes).append(outcome)
        data, error = _read(file, overrides)
        if error is not None:
            outcome.input_error = error
            continue
        outcome.data = data
        assert data is not None
        digest = content_hash(data)
        contents[file.rel] = digest
        entry = cache.get(file.rel, digest)
        if entry is None:
            entry = CacheEntry(file.rel, digest)
            to_summarise.append(outcome)
        outcome.entry = entry
        outcome.input_error = entry.input_error
    timings["read_and_lookup"] = time.perf_counter() - t0

    counts = {"files": len(files), "context_files": len(context_outcomes)}
    if check and not to_summarise:
        known = cache.get_manifest(contents)
        if known is not None and all(
            o.entry is None or o.entry.input_error is not None or known in o.entry.findings for o in outcomes
        ):
            for o in outcomes:
                if o.entry is not None and o.entry.input_error is None:
                    o.findings = list(o.entry.findings[known])
            counts.update(summarised=0, checked=0, cache_hits=cache.hits, cache_misses=cache.misses)
            _show(outcomes, cwd)
            return AnalysisRun(outcomes, None, None, [], timings, counts)

    from shapecheck.static import api

    t0 = time.perf_counter()
    packs = api.load_packs(extra=list(pack_paths), shape_hints=shape_hints)
    timings["load_packs"] = time.perf_counter() - t0
    pack_args = tuple(str(p) for p in pack_paths)
    transient: set[int] = set()

    # With a process pool, each file is checked by the worker that summarised it and still holds its tree.
    parallel = jobs > 1 and len(to_summarise) >= MIN_PARALLEL
    ctx = _fork_context()
    with (PinnedPool(min(jobs, len(to_summarise)), ctx, _pool_kwargs(ctx, (pack_args, None, timeout, shape_hints)))
          if parallel else nullcontext()) as pool:
        t0 = time.perf_counter()
        workers.set_state(packs, None, timeout)
        results = run_tasks(workers.summarise_task, [(_identity(o.file), o.data or b"") for o in to_summarise], jobs, (pack_args, None, timeout, shape_hints), pool)
        parses: Counter[str] = Counter()
        dirty: set[int] = set()
        summaries: dict[int, Any] = {}
        for outcome, result in zip(to_summarise, results):
            assert outcome.entry is not None
            parses.update(result.parses)
            if result.internal is not None:
                outcome.internal = result.internal
                outcome.entry = None  # never cache a crash
                continue
            if result.summary is not None:
                summaries[id(outcome)] = result.summary
                try:
                    outcome.entry.summary_blob = pickle.dumps(result.summary, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # noqa: BLE001 - an unpicklable summary is simply not cached
                    cache.write_errors.append(f"{outcome.file.rel}: summary cannot be pickled: {exc}")
            outcome.entry.input_error = result.input_error
            outcome.input_error = result.input_error
            if result.transient:
                transient.add(id(outcome))
            dirty.add(id(outcome))
        timings["summarise"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        everything = [*outcomes, *context_outcomes]
        for outcome in everything:
            entry = outcome.entry
            if id(outcome) not in summaries and entry is not None and entry.summary_blob is not None:
                try:
                    summaries[id(outcome)] = pickle.loads(entry.summary_blob)
                except Exception:  # noqa: BLE001 - a stale blob: summarise again below
                    entry.summary_blob = None
        stale = [o for o in everything if o.entry is not None and o.entry.input_error is None
                 and id(o) not in summaries and o.internal is None]
        if stale:  # blobs that no longer unpickle (the analyser's classes changed)
            results = run_tasks(workers.summarise_task, [(_identity(o.file), o.data or b"") for o in stale], jobs, (pack_args, None, timeout, shape_hints), pool)
            for outcome, result in zip(stale, results):
                parses.update(result.parses)
                if result.summary is not None:
                    summaries[id(outcome)] = result.summary
        summary_list = [summaries[id(o)] for o in everything if id(o) in summaries]
        project = api.build_project(summary_list, packs)
        fingerprint = project.fingerprint()
        timings["build_project"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        to_check: list[FileOutcome] = []
        if check:
            for outcome in outcomes:
                entry = outcome.entry
                if entry is None or id(outcome) not in summaries or outcome.internal is not None:
                    continue
                cached = entry.findings.get(fingerprint)
                if cached is None:
                    to_check.append(outcome)
                else:
                    outcome.findings = list(cached)
            workers.set_state(packs, project, timeout)
            if pool is not None and to_check:
                pool.broadcast(workers.install_project, project)
                pool.init_kwargs = _pool_kwargs(ctx, (pack_args, summary_list, timeout, shape_hints))  # for files re-run alone
            results = run_tasks(workers.check_task, [(_identity(o.file), o.data or b"") for o in to_check], jobs, (pack_args, summary_list, timeout, shape_hints), pool, pinned=True)
            for outcome, result in zip(to_check, results):
                assert outcome.entry is not None
                parses.update(result.parses)
                if result.internal is not None:
                    outcome.internal = result.internal
                    continue
                if result.transient:
                    outcome.input_error = result.input_error
                    transient.add(id(outcome))
                    continue
                if result.input_error is not None:
                    outcome.input_error = result.input_error
                    outcome.entry.input_error = result.input_error
                else:
                    outcome.findings = list(result.findings)
                    outcome.entry.findings = {fingerprint: outcome.findings}
                dirty.add(id(outcome))
        timings["check"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    for outcome in everything:
        if id(outcome) in dirty and outcome.entry is not None and outcome.internal is None and id(outcome) not in transient:
            cache.put(outcome.entry)
    _show(outcomes, cwd)
    internal = [o.internal for o in outcomes if o.internal is not None]
    if check and not internal and not transient:
        cache.put_manifest(contents, fingerprint)
    timings["cache_write"] = time.perf_counter() - t0

    counts.update(summarised=len(to_summarise), checked=len(to_check), cache_hits=cache.hits, cache_misses=cache.misses)
    counts.update({f"parses_{parser}": n for parser, n in sorted(parses.items())})
    gc.unfreeze()  # what workers.summarise_task froze in this process is collectable again
    return AnalysisRun(outcomes, project, packs, internal, timings, counts)


def _identity(file: SourceFile) -> str:
    """The name the analyser knows a file by: its absolute path, the same from every working
    directory, so summaries and findings cached by one run are right for any other."""
    return str(file.path)


def shown(text: str, cwd: Path) -> str:
    """``text`` with the absolute paths of files under ``cwd`` made relative, as reports show them."""
    prefix = str(cwd).rstrip(os.sep) + os.sep
    return text.replace(prefix, "") if prefix != os.sep else text


def _show(outcomes: list[FileOutcome], cwd: Path) -> None:
    """Give each outcome's findings (cached or fresh, named by :func:`_identity`) the file's
    display path, and the paths in their notes relative to ``cwd``."""
    from dataclasses import replace

    def one(finding: Finding, display: str) -> Finding:
        notes = tuple(shown(n, cwd) for n in finding.notes)
        if finding.path == display and notes == finding.notes:
            return finding
        return replace(finding, path=display, notes=notes)

    for o in outcomes:
        o.findings = [one(f, o.file.display) for f in o.findings]
        if o.input_error is not None:
            o.input_error = one(o.input_error, o.file.display)
        if o.internal is not None:
            o.internal = shown(o.internal, cwd)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
