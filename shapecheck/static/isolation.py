"""Failure isolation: an unexpected exception in one rule on one function becomes an SC005 finding.

The rest of the file (other functions, other rule families) is still checked; the run goes on.
Recursion-limit errors are not caught here: they mean the whole file is too deep to analyse
(SC003, reported by the caller), and neither are time-outs (``BaseException``).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from shapecheck import rules
from shapecheck.findings import Finding


def failure_message(family: str, function: str, exc: Exception) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    return (f"the analyser failed on `{function}` while running the {family} rules "
            f"({type(exc).__name__}: {exc}{where}); this function was not checked by them, the rest of the file was")


@contextmanager
def isolated(
    report: Callable[[Finding], None], path: str, family: str, function: str,
    position: Callable[[], tuple[int, int]],
) -> Iterator[None]:
    """Run one rule family on one function; a crash is reported as SC005 at ``position()``."""
    try:
        yield
    except RecursionError:
        raise
    except Exception as exc:  # noqa: BLE001 - one function's crash must not end the file or the run
        line, col = position()
        report(rules.get("SC005").finding(path, line, col, failure_message(family, function, exc)))
