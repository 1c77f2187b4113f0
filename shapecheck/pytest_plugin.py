"""pytest plugin (entry point ``pytest11``): ``--shapecheck-mode {off,trace,strict}``.

Sets ``SHAPECHECK_MODE`` for the session (so subprocesses inherit it) and, if the runtime
checker is already imported, its process-wide mode. Imports nothing heavy unless the option
is given.
"""

from __future__ import annotations

import os

import pytest

_CHOICES = ("off", "trace", "strict")
_MODE_KEY = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("shapecheck")
    group.addoption(
        "--shapecheck-mode",
        action="store",
        choices=_CHOICES,
        default=None,
        dest="shapecheck_mode",
        help="run shapecheck runtime contracts in this mode for the session (default: SHAPECHECK_MODE or 'trace')",
    )


def pytest_configure(config: pytest.Config) -> None:
    chosen = config.getoption("shapecheck_mode", default=None)
    if chosen is None:
        return
    os.environ["SHAPECHECK_MODE"] = chosen
    # Importing shapecheck.runtime is cheap (no TensorFlow); set it explicitly so that a
    # runtime already imported by a conftest follows the option too.
    from shapecheck.runtime.modes import set_mode

    set_mode(chosen)
    config.stash[_MODE_KEY] = chosen


def pytest_report_header(config: pytest.Config) -> str | None:
    chosen = config.stash.get(_MODE_KEY, None)
    return f"shapecheck: runtime mode {chosen}" if chosen else None


__all__ = ["pytest_addoption", "pytest_configure", "pytest_report_header"]
