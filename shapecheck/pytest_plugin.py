"""pytest plugin (entry point ``pytest11``): ``--shapecheck-mode {off,trace,strict}`` and
``--shapecheck-packages pkg[,pkg...]``.

``--shapecheck-mode`` sets ``SHAPECHECK_MODE`` for the session (so subprocesses inherit it)
and, if the runtime checker is already imported, its process-wide mode.
``--shapecheck-packages`` installs the import hook (``shapecheck.install_import_hook``) for
those packages before any test module is collected, so every contracted function in them is
checked in the session's mode, as jaxtyping's ``--jaxtyping-packages`` does. Imports nothing
heavy unless an option is given.
"""

from __future__ import annotations

import os

import pytest

_CHOICES = ("off", "trace", "strict")
_MODE_KEY = pytest.StashKey[str]()
_PACKAGES_KEY = pytest.StashKey[str]()


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
    group.addoption(
        "--shapecheck-packages",
        action="store",
        default=None,
        dest="shapecheck_packages",
        metavar="PKG[,PKG...]",
        help="check every function with contracts in these packages (comma-separated), without decorating them",
    )


def pytest_configure(config: pytest.Config) -> None:
    chosen = config.getoption("shapecheck_mode", default=None)
    if chosen is not None:
        os.environ["SHAPECHECK_MODE"] = chosen
        # Importing shapecheck.runtime is cheap (no TensorFlow); set it explicitly so that a
        # runtime already imported by a conftest follows the option too.
        from shapecheck.runtime.modes import set_mode

        set_mode(chosen)
        config.stash[_MODE_KEY] = chosen
    packages = config.getoption("shapecheck_packages", default=None)
    if packages:
        from shapecheck.runtime.import_hook import install_import_hook

        names = [name.strip() for name in packages.split(",") if name.strip()]
        install_import_hook(names)
        config.stash[_PACKAGES_KEY] = ",".join(names)


def pytest_report_header(config: pytest.Config) -> str | None:
    parts = []
    chosen = config.stash.get(_MODE_KEY, None)
    if chosen:
        parts.append(f"runtime mode {chosen}")
    packages = config.stash.get(_PACKAGES_KEY, None)
    if packages:
        parts.append(f"checking packages {packages}")
    return "shapecheck: " + ", ".join(parts) if parts else None


__all__ = ["pytest_addoption", "pytest_configure", "pytest_report_header"]
