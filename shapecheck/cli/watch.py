"""``shapecheck check --watch``: run the check, then again each time a Python file under the
paths (or a ``pyproject.toml``) is added, removed or changed; Ctrl-C ends it (exit 130)."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from shapecheck.cli.check_command import CheckOptions, run_check
from shapecheck.cli.config import is_pseudo_filesystem

POLL_SECONDS = 0.5
_SKIP = {".git", ".shapecheck_cache", "__pycache__", ".venv", "venv", "node_modules", ".mypy_cache", ".ruff_cache"}


def _state(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every .py/.pyi file and pyproject.toml under ``paths``."""
    out: dict[str, tuple[int, int]] = {}
    for given in paths:
        if given.is_file():
            candidates = [(str(given.parent), [given.name])]
        elif given.is_dir() and not is_pseudo_filesystem(given):
            candidates = []
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = [d for d in dirnames if d not in _SKIP]
                candidates.append((dirpath, filenames))
        else:
            continue
        for dirpath, names in candidates:
            for name in names:
                if name.endswith((".py", ".pyi")) or name == "pyproject.toml":
                    full = os.path.join(dirpath, name)
                    try:
                        st = os.stat(full)
                    except OSError:
                        continue
                    out[full] = (st.st_mtime_ns, st.st_size)
    return out


def watch(opts: CheckOptions, stdout: TextIO, stderr: TextIO) -> int:
    if opts.stdin_filename is not None or Path("-") in opts.paths or opts.fix or opts.add_noqa:
        from shapecheck.cli.errors import UsageError

        raise UsageError("--watch cannot be combined with stdin, --fix or --add-noqa")
    paths = opts.paths or [Path(".")]
    seen = _state(paths)
    while True:
        print(f"[{time.strftime('%H:%M:%S')}] checking ...", file=stderr)
        run_check(replace(opts, paths=list(paths)), stdout, stderr)
        stdout.flush()
        print("watching for changes (Ctrl-C to stop)", file=stderr)
        stderr.flush()
        while True:
            time.sleep(POLL_SECONDS)
            now = _state(paths)
            if now != seen:
                seen = now
                break
