"""Finding the files to check: directory walks, exclusion globs, symlinks that loop or dangle.

Directories are walked in sorted order (so output order never depends on the file
system), following symlinks; a symlink that leads back into a directory already on the
current walk is reported once and not followed, and a dangling one is reported. Files
named explicitly are checked whatever their suffix (pre-commit passes extensionless
scripts with a Python shebang); files found by walking end in ``.py`` or ``.pyi``.
Exclusions apply to explicitly named files too, so a pre-commit hook honours them.
Files that git ignores are left out of directory walks (git itself is asked, so every
``.gitignore`` rule applies); named files are checked even when ignored.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from shapecheck.cli.globs import first_match
from shapecheck.findings import Finding

PY_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True, order=True)
class SourceFile:
    """A file to check: ``display`` is what reports show, ``rel`` is project-relative POSIX."""

    display: str
    path: Path  # absolute, not resolved (symlinks kept, so the display path stays meaningful)
    rel: str


@dataclass
class Discovery:
    files: list[SourceFile] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)  # SC002 for paths that cannot be read
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, pattern) explicitly named but excluded


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def relative_to_root(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix().lstrip("/")


def _absolute(path: Path, cwd: Path) -> Path:
    return Path(os.path.normpath(cwd / path))


def _problem(display: str, message: str) -> Finding:
    return Finding(display, 1, 1, "SC002", message, "error")


def discover(
    paths: list[Path], root: Path, excludes: tuple[str, ...], cwd: Path | None = None, respect_gitignore: bool = True
) -> Discovery:
    """Every file to check under ``paths``, deduplicated by real path, in a stable order.

    Files found by walking that git ignores are left out (named files never are)."""
    cwd = cwd or Path.cwd()
    root = root.resolve()
    out = Discovery()
    seen: set[tuple[int, int]] = set()  # (device, inode): one file reached twice is checked once

    def rel_of(abs_path: Path) -> str:
        rel = relative_to_root(abs_path, root)
        if rel.startswith("../") or rel == "..":
            rel = abs_path.as_posix().lstrip("/")
        return rel

    def add_file(abs_path: Path, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key in seen:
            return
        seen.add(key)
        out.files.append(SourceFile(display_path(abs_path, cwd), abs_path, rel_of(abs_path)))

    def walk(directory: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            out.problems.append(_problem(display_path(directory, cwd), f"cannot list directory: {exc.strerror or exc}"))
            return
        for entry in entries:
            child = directory / entry.name
            rel = rel_of(child)
            if first_match(excludes, rel):
                continue
            is_link = False
            try:
                is_link = entry.is_symlink()
                st = os.stat(child)  # follows symlinks
            except OSError as exc:
                if is_link:
                    target = os.readlink(child) if os.path.islink(child) else "?"
                    if exc.errno == errno.ELOOP:  # ELOOP: the link chain itself loops
                        out.problems.append(_problem(display_path(child, cwd), f"symlink loop: {entry.name} -> {target} never resolves; skipped"))
                    else:
                        out.problems.append(_problem(display_path(child, cwd), f"broken symlink: {entry.name} -> {target} does not exist; skipped"))
                else:
                    out.problems.append(_problem(display_path(child, cwd), f"cannot stat: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in ancestors:
                    target = os.readlink(child) if is_link else entry.name
                    out.problems.append(_problem(
                        display_path(child, cwd),
                        f"symlink loop: {entry.name} -> {target} leads back into a directory already being walked; skipped",
                    ))
                    continue
                walk(child, ancestors | {key})
            elif stat.S_ISREG(st.st_mode) and entry.name.endswith(PY_SUFFIXES):
                add_file(child, st)

    for given in paths:
        abs_path = _absolute(given, cwd)
        rel = rel_of(abs_path)
        pattern = first_match(excludes, rel)
        if pattern is not None and abs_path != root:
            out.skipped.append((display_path(abs_path, cwd), pattern))
            continue
        if os.path.islink(abs_path) and not os.path.exists(abs_path):
            target = os.readlink(abs_path)
            try:
                os.stat(abs_path)
                kind = "broken symlink"
            except OSError as exc:
                kind = "symlink loop" if exc.errno == errno.ELOOP else "broken symlink"
            out.problems.append(_problem(display_path(abs_path, cwd), f"{kind}: -> {target} cannot be followed"))
            continue
        if abs_path.is_dir():
            st = os.stat(abs_path)
            walk(abs_path, frozenset({(st.st_dev, st.st_ino)}))
        elif abs_path.is_file():
            add_file(abs_path, os.stat(abs_path))
        elif abs_path.exists():
            out.problems.append(_problem(display_path(abs_path, cwd), "not a regular file (a FIFO, socket or device); skipped"))
        else:
            out.problems.append(_problem(display_path(abs_path, cwd), "no such file or directory"))
    if respect_gitignore:
        explicit = {_absolute(p, cwd) for p in paths}
        named_dirs = [p for p in explicit if p.is_dir()]
        walked = [f for f in out.files if f.path not in explicit]
        ignored = git_ignored([*named_dirs, *(f.path for f in walked)], root)
        # A directory named on the command line is checked even when git ignores all of it
        # (site-packages inside a dotfiles repository); rules below it still apply otherwise.
        kept_dirs = [d for d in named_dirs if str(d) in ignored]

        def keep(f: SourceFile) -> bool:
            if f.path in explicit or str(f.path) not in ignored:
                return True
            return any(f.path.is_relative_to(d) for d in kept_dirs)

        if ignored:
            out.files = [f for f in out.files if keep(f)]
    out.files.sort(key=lambda f: f.display)
    out.problems.sort()
    return out


def git_ignored(files: list[Path], root: Path) -> set[str]:
    """The subset of ``files`` that git ignores (``.gitignore``, ``info/exclude``, global
    excludes), asked of git itself in one call; empty when git or a work tree is absent."""
    if not files or shutil.which("git") is None:
        return set()
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--stdin", "-z"],
            input=b"\0".join(str(f).encode("utf-8", "surrogateescape") for f in files) + b"\0",
            capture_output=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if proc.returncode not in (0, 1):  # 128: not a git work tree
        return set()
    return {p.decode("utf-8", "surrogateescape") for p in proc.stdout.split(b"\0") if p}
