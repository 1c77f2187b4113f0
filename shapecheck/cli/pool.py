"""Worker processes that keep the trees they parsed: one libcst parse per file with ``--jobs`` > 1.

A plain process pool hands a file's check (phase 2) to whichever worker is free, which has
not parsed it, so it parses again. Here each worker is its own single-process executor, so
tasks sent to it run there in the order sent: phase 1 records which worker summarised each
file (and so holds its tree, ``static.api._PARSED``), the project index is sent to every
worker, and each file's check goes to its owner. Phase 1 balances by handing the next file
(largest first) to the first worker with a free slot.

A worker that dies (a native parser crash) is retired; what it had not finished is re-run
one file per fresh process (``isolated``), where a file that kills its process again is
reported as SC003.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from shapecheck.cli import workers
from shapecheck.findings import Finding

Task = Callable[[str, bytes], workers.TaskResult]
IN_FLIGHT = 2  # tasks queued per worker: one running, one ready, so no worker waits on the parent


def isolated(fn: Task, item: tuple[str, bytes], ctx: Any, init_kwargs: dict[str, Any]) -> workers.TaskResult:
    """``fn(*item)`` in a process of its own; a crash of that process is the file's SC003."""
    display = item[0]
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx, **init_kwargs) as pool:
            return pool.submit(fn, *item).result()
    except BrokenProcessPool:
        return workers.TaskResult(display, input_error=Finding(
            display, 1, 1, "SC003",
            "the parser crashed on this file (its worker process died); the file was not checked",
        ))
    except Exception as exc:  # noqa: BLE001
        return workers.TaskResult(display, internal=f"{display}: worker failed: {type(exc).__name__}: {exc}")


class PinnedPool:
    """``jobs`` single-process executors; the one that summarised a file also checks it."""

    def __init__(self, jobs: int, ctx: Any, init_kwargs: dict[str, Any]) -> None:
        self.ctx = ctx
        self.init_kwargs = init_kwargs
        self.executors: list[ProcessPoolExecutor | None] = [
            ProcessPoolExecutor(max_workers=1, mp_context=ctx, **init_kwargs) for _ in range(jobs)
        ]
        self.owner: dict[str, int] = {}  # file identity -> worker that holds its tree

    def close(self) -> None:
        for executor in self.executors:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self.executors = []

    def __enter__(self) -> PinnedPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _live(self) -> list[int]:
        return [i for i, e in enumerate(self.executors) if e is not None]

    def _retire(self, worker: int) -> None:
        executor = self.executors[worker]
        self.executors[worker] = None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def broadcast(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` in every live worker before anything sent to it later."""
        for i in self._live():
            executor = self.executors[i]
            assert executor is not None
            try:
                executor.submit(fn, *args).result()
            except BrokenProcessPool:
                self._retire(i)

    def run(self, fn: Task, items: list[tuple[str, bytes]], pinned: bool) -> list[workers.TaskResult]:
        """``fn`` over ``items``, results in input order. ``pinned``: each item goes to the worker
        that owns its file when that worker is alive; the others (and every item when not pinned)
        go to the first worker with a free slot, which then owns the file."""
        results: list[workers.TaskResult | None] = [None] * len(items)
        queues: dict[int | None, list[int]] = {None: []}
        order = sorted(range(len(items)), key=lambda i: -len(items[i][1]))
        for i in order:
            owner = self.owner.get(items[i][0]) if pinned else None
            if owner is not None and self.executors[owner] is None:
                owner = None
            queues.setdefault(owner, []).append(i)
        running: dict[Future[workers.TaskResult], tuple[int, int]] = {}
        load = {w: 0 for w in self._live()}

        def submit(worker: int) -> bool:
            mine = queues.get(worker)
            queue = mine if mine else queues[None]
            if not queue:
                return False
            i = queue.pop(0)
            executor = self.executors[worker]
            assert executor is not None
            try:
                future = executor.submit(fn, *items[i])
            except BrokenProcessPool:
                queue.insert(0, i)
                self._retire(worker)
                queues[None].extend(queues.pop(worker, []))
                return False
            running[future] = (i, worker)
            load[worker] = load.get(worker, 0) + 1
            self.owner[items[i][0]] = worker
            return True

        while True:
            for worker in self._live():
                while load[worker] < IN_FLIGHT and submit(worker):
                    pass
            if not running:
                break  # done, or every worker died (what is left runs isolated below)
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                i, worker = running.pop(future)
                load[worker] -= 1
                try:
                    results[i] = future.result()
                except BrokenProcessPool:
                    self.owner.pop(items[i][0], None)
                    self._retire(worker)
                    queues[None].extend(queues.pop(worker, []))
                except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
                    results[i] = workers.TaskResult(items[i][0], internal=f"{items[i][0]}: worker failed: {type(exc).__name__}: {exc}")
        out: list[workers.TaskResult] = []
        for i, result in enumerate(results):
            if result is None:
                result = isolated(fn, items[i], self.ctx, self.init_kwargs)
                self.owner.pop(items[i][0], None)
            out.append(result)
        return out
