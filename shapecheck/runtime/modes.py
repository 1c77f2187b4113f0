"""Checking modes: ``off``, ``trace`` (default) and ``strict``.

The mode is process-wide: it is read from ``SHAPECHECK_MODE`` when this module is first
imported and can be changed with :func:`set_mode` or, for a block, :func:`mode`.
``check(mode=...)`` pins one function to a mode regardless of the process-wide one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

ENV_VAR = "SHAPECHECK_MODE"


class Mode(str, Enum):
    OFF = "off"  # the decorator returns the function itself
    TRACE = "trace"  # checks at call/trace time only, never adds graph ops
    STRICT = "strict"  # also graph-time checks for dims unknown at trace time


MODE_NAMES: tuple[str, ...] = tuple(m.value for m in Mode)


def parse_mode(name: str | Mode, *, source: str = "mode") -> Mode:
    """``"off" | "trace" | "strict"`` (case and surrounding space ignored) → :class:`Mode`."""
    if isinstance(name, Mode):
        return name
    if not isinstance(name, str):
        raise TypeError(f"shapecheck {source} must be a string, one of {', '.join(MODE_NAMES)}; got {type(name).__name__}")
    try:
        return Mode(name.strip().lower())
    except ValueError:
        raise ValueError(f"shapecheck {source} {name!r} is not one of: {', '.join(MODE_NAMES)}") from None


def _mode_from_env() -> Mode:
    raw = os.environ.get(ENV_VAR, "")
    return parse_mode(raw, source=f"environment variable {ENV_VAR}") if raw.strip() else Mode.TRACE


# Read on every checked call: a plain module global is the cheapest thing to read.
current: Mode = _mode_from_env()


def set_mode(name: str | Mode) -> None:
    """Set the process-wide mode (``off``, ``trace`` or ``strict``)."""
    global current
    current = parse_mode(name)


def get_mode() -> str:
    """The process-wide mode's name."""
    return current.value


@contextmanager
def mode(name: str | Mode) -> Iterator[None]:
    """Run a block under another mode; the previous mode is restored on exit.

    Functions decorated while the mode is ``off`` stay undecorated: ``off`` is decided at
    decoration time, ``trace``/``strict`` at call time.
    """
    global current
    previous = current
    current = parse_mode(name)
    try:
        yield
    finally:
        current = previous
