"""Finding the files to check: directory walks, exclusion globs, symlinks that loop or dangle.

Directories are walked in sorted order (so output order never depends on the file
system), following symlinks; a symlink that leads back into a directory already on the
current walk is reported once and not followed, and a dangling one is reported. Files
named explicitly are checked when they end in ``.py``/``.pyi`` or are extensionless
scripts with a Python shebang (what pre-commit passes); files found by walking end in
``.py`` or ``.pyi``.
Exclusions apply to explicitly named files too, so a pre-commit hook honours them.
Files that git ignores are left out of directory walks (git itself is asked, so every
``.gitignore`` rule applies); named files are checked even when ignored. Each file's
exclusions and project-relative name come from its own settings (the nearest
configuration above it); walks never enter ``/proc``, ``/sys`` or ``/dev``.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from shapecheck.cli.config import Settings, SettingsResolver, is_pseudo_filesystem
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
    not_python: list[str] = field(default_factory=list)  # named files that are not Python source (README.md)


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


def rel_in(abs_path: Path, settings: Settings) -> str:
    """``abs_path`` relative to the project root of ``settings`` (its absolute path when outside).

    The path as walked is tried first (a symlinked directory inside the project keeps its
    in-project name), then with its directory's symlinks resolved."""
    if abs_path.is_relative_to(settings.root):
        return abs_path.relative_to(settings.root).as_posix()
    real_parent = Path(os.path.realpath(abs_path.parent))
    return relative_to_root(real_parent / abs_path.name, Path(os.path.realpath(settings.root)))


def discover(
    paths: list[Path], resolver: SettingsResolver, cwd: Path | None = None, respect_gitignore: bool = True,
    force_exclude: bool = True,
) -> Discovery:
    """Every file to check under ``paths``, deduplicated by real path, in a stable order.

    Files found by walking that git ignores are left out (named files never are); exclude
    patterns apply to named paths too unless ``force_exclude`` is off."""
    cwd = cwd or Path.cwd()
    out = Discovery()
    # (device, inode) -> (index in out.files, reached through a symlink): one file reached
    # twice is checked once, under its own name rather than a link's when both are seen.
    seen: dict[tuple[int, int], tuple[int, bool]] = {}

    def excluded(abs_path: Path, settings: Settings) -> str | None:
        return first_match(settings.all_excludes, rel_in(abs_path, settings))

    def add_file(abs_path: Path, st: os.stat_result, settings: Settings, via_link: bool) -> None:
        key = (st.st_dev, st.st_ino)
        source = SourceFile(display_path(abs_path, cwd), abs_path, rel_in(abs_path, settings))
        if key in seen:
            index, linked = seen[key]
            if linked and not via_link:
                out.files[index] = source
                seen[key] = (index, False)
            return
        seen[key] = (len(out.files), via_link)
        out.files.append(source)

    def walk(directory: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            out.problems.append(_problem(display_path(directory, cwd), f"cannot list directory: {exc.strerror or exc}"))
            return
        settings = resolver.for_directory(directory)
        for entry in entries:
            child = directory / entry.name
            if excluded(child, settings):
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
                if is_link and is_pseudo_filesystem(child):
                    continue  # a link into /proc or /sys: kernel state, not source
                if key in ancestors:
                    target = os.readlink(child) if is_link else entry.name
                    out.problems.append(_problem(
                        display_path(child, cwd),
                        f"symlink loop: {entry.name} -> {target} leads back into a directory already being walked; skipped",
                    ))
                    continue
                walk(child, ancestors | {key})
            elif stat.S_ISREG(st.st_mode) and entry.name.endswith(PY_SUFFIXES):
                add_file(child, st, settings, is_link)

    for given in paths:
        abs_path = _absolute(given, cwd)
        settings = resolver.for_path(abs_path)
        pattern = excluded(abs_path, settings) if force_exclude else None
        if pattern is not None and Path(os.path.realpath(abs_path)) != Path(os.path.realpath(settings.root)):
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
        if abs_path.is_dir() and is_pseudo_filesystem(abs_path):
            out.problems.append(_problem(display_path(abs_path, cwd), "a kernel file system (/proc, /sys, /dev), not source code; not walked"))
        elif abs_path.is_dir():
            st = os.stat(abs_path)
            walk(abs_path, frozenset({(st.st_dev, st.st_ino)}))
        elif abs_path.is_file() and not _python_source(abs_path):
            out.not_python.append(display_path(abs_path, cwd))
        elif abs_path.is_file():
            add_file(abs_path, os.stat(abs_path), settings, os.path.islink(abs_path))
        elif abs_path.exists():
            out.problems.append(_problem(display_path(abs_path, cwd), "not a regular file (a FIFO, socket or device); skipped"))
        else:
            out.problems.append(_problem(display_path(abs_path, cwd), "no such file or directory"))
    if respect_gitignore:
        explicit = {_absolute(p, cwd) for p in paths}
        named_dirs = [p for p in explicit if p.is_dir()]
        walked = [f for f in out.files if f.path not in explicit]
        ignored = git_ignored([*named_dirs, *(f.path for f in walked)], resolver)
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
    out.problems = sorted(set(out.problems))  # a path both named and walked is reported once
    return out


def _python_source(path: Path) -> bool:
    """A named file is checked when it ends in .py/.pyi, or has no suffix and a Python shebang
    (what pre-commit's ``types: [python]`` passes); README.md or setup.cfg are not."""
    if path.name.endswith(PY_SUFFIXES):
        return True
    if path.suffix:
        return False
    try:
        with path.open("rb") as fh:
            first = fh.readline(200)
    except OSError:
        return True  # let the read report why it cannot be read
    return first.startswith(b"#!") and b"python" in first


def git_ignored(files: list[Path], resolver: SettingsResolver) -> set[str]:
    """The subset of ``files`` that git ignores (``.gitignore``, ``info/exclude``, global
    excludes), asked of git itself once per project root; empty where git or a work tree is absent."""
    if not files or shutil.which("git") is None:
        return set()
    by_root: dict[Path, list[Path]] = {}
    for f in files:
        by_root.setdefault(resolver.for_path(f).root, []).append(f)
    ignored: set[str] = set()
    for root, group in by_root.items():
        try:
            proc = subprocess.run(
                ["git", "-C", str(root), "check-ignore", "--stdin", "-z"],
                input=b"\0".join(str(f).encode("utf-8", "surrogateescape") for f in group) + b"\0",
                capture_output=True, timeout=60,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if proc.returncode in (0, 1):  # 128: not a git work tree
            ignored.update(p.decode("utf-8", "surrogateescape") for p in proc.stdout.split(b"\0") if p)
    return ignored
