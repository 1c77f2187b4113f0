"""Findings a change to the named files causes in unchanged files that import them.

pre-commit names only the changed files, but a changed contract in ``ops.py`` can break an
unchanged ``use.py`` that calls it. Each such importer is checked twice: against the named
files as they are now and as they are in git's ``HEAD``; the findings that only the new
versions produce are reported in the importer, with a note naming the change. Files that
are new, unchanged since ``HEAD``, or outside a git work tree cause no such check.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from shapecheck.cli.discovery import SourceFile
from shapecheck.findings import Finding


def _git(args: list[str], cwd: Path) -> bytes | None:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def head_versions(files: list[SourceFile], current: dict[Path, bytes]) -> dict[Path, bytes]:
    """The ``HEAD`` content of each of ``files`` that git tracks and that has changed since."""
    if shutil.which("git") is None:
        return {}
    tops: dict[Path, Path | None] = {}
    out: dict[Path, bytes] = {}
    for f in files:
        real = Path(os.path.realpath(f.path))
        if real.parent not in tops:
            top = _git(["rev-parse", "--show-toplevel"], real.parent)
            tops[real.parent] = Path(os.fsdecode(top.strip())) if top else None
        top = tops[real.parent]
        if top is None or not real.is_relative_to(top):
            continue
        old = _git(["show", f"HEAD:{real.relative_to(top).as_posix()}"], top)
        if old is not None and old != current.get(f.path):
            out[f.path] = old
    return out


def caused(now: list[Finding], before: list[Finding], changed: list[str]) -> list[Finding]:
    """The findings of ``now`` at places where ``before`` had none of that code, with a note."""
    old = {(f.code, f.line, f.col) for f in before}
    note = f"caused by the change to {', '.join(changed)} (this file is unchanged but imports it)"
    return [replace(f, notes=(*f.notes, note)) for f in now if (f.code, f.line, f.col) not in old]
