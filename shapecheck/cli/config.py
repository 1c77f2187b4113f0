"""``[tool.shapecheck]`` in ``pyproject.toml``: discovery, validation and the resolved settings.

Configuration is hierarchical, as in Ruff: every file gets the settings of the nearest
``pyproject.toml`` above it that has a ``[tool.shapecheck]`` table, and that file's
directory is the file's *project root* (globs, pack paths, the baseline's paths and the
cache directory are relative to it). Two projects named in one run each keep their own
configuration. ``--config FILE`` names one file for every path, ``--isolated`` ignores
them all, and ``--config KEY=VALUE`` overrides one key on top of whatever was found.
A file with no table above it gets the defaults; its project root is the nearest directory
above it holding a ``pyproject.toml`` or ``.git`` (none when there is neither: the run
then never walks beyond the paths it was given, and paths are relative to the current
directory). Walks never enter ``/proc``, ``/sys`` or ``/dev``.

Keys (all optional):

``select``, ``extend-select``, ``ignore``
    rule codes or prefixes (``"SC"``, ``"SC1"``, ``"SC101"``).
``per-file-ignores``
    table of glob → codes, e.g. ``"tests/**" = ["SC205"]``.
``exclude``
    globs replacing the default exclusions (``.git``, ``.venv``, ``build`` ...).
``extend-exclude``
    globs added to the exclusions.
``packs``
    extra knowledge packs (TOML files or directories of them), passed to the analyser.
``shape-hints``
    ``true`` (default) | ``false``: read the shapes unannotated code writes in prose (docstrings
    such as ``imgs: (B, N, N, C)``, comments such as ``# (B, H, W, C)``) as soft contracts.
``runtime-mode``
    the project's default runtime checking mode, ``off`` | ``trace`` | ``strict``. The
    runtime checker reads ``SHAPECHECK_MODE``; ``shapecheck env`` prints the export line
    for this default (an explicit ``SHAPECHECK_MODE`` always wins).
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shapecheck.cli.errors import ConfigError
from shapecheck.cli.globs import compile_glob
from shapecheck.cli.selection import SelectionLayer, parse_selectors

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pants.d", ".pytest_cache", ".pytype", ".ruff_cache", ".shapecheck_cache", ".svn", ".tox",
    ".venv", "__pypackages__", "__pycache__", "_build", "build", "dist", "node_modules",
    "site-packages", "venv",
)
RUNTIME_MODES = ("off", "trace", "strict")
KNOWN_KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
    "packs", "runtime-mode", "shape-hints",
)


@dataclass(frozen=True)
class Settings:
    """Everything a run needs from configuration (command-line overrides are applied later)."""

    root: Path
    config_path: Path | None = None
    # False when no pyproject.toml or .git is above the files: ``root`` is then the current
    # directory (for relative paths and the cache) and is never walked for project context.
    is_project: bool = True
    layer: SelectionLayer = field(default_factory=SelectionLayer)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    packs: tuple[Path, ...] = ()
    runtime_mode: str | None = None
    shape_hints: bool = True

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return (*self.exclude, *self.extend_exclude)

    def analysis_digest(self) -> str:
        """Hash of the settings that change what the analyser itself reports (the packs, shape hints)."""
        h = hashlib.sha256(b"shape-hints" if self.shape_hints else b"no-shape-hints")
        for pack in self.packs:
            h.update(str(pack).encode())
            files = sorted(pack.rglob("*.toml")) if pack.is_dir() else [pack]
            for f in files:
                try:
                    h.update(f.read_bytes())
                except OSError:
                    h.update(b"<unreadable>")
        return h.hexdigest()


PSEUDO_FILESYSTEMS = ("/proc", "/sys", "/dev")


def is_pseudo_filesystem(path: Path) -> bool:
    """Whether ``path`` (symlinks followed) lies in a kernel file system that is never walked."""
    real = os.path.realpath(path)
    return any(real == top or real.startswith(top + "/") for top in PSEUDO_FILESYSTEMS)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _table_of(candidate: Path) -> dict[str, Any] | None:
    """The ``[tool.shapecheck]`` table of a ``pyproject.toml`` (None when it has none)."""
    data = _read_toml(candidate)
    tool = data.get("tool")
    if isinstance(tool, dict) and "shapecheck" in tool:
        table = tool["shapecheck"]
        return table if isinstance(table, dict) else {"": table}
    return None


def _override(text: str) -> dict[str, Any]:
    """``--config KEY=VALUE``: one key of ``[tool.shapecheck]`` in TOML syntax."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {text!r}: not a TOML 'key = value' pair: {exc}") from None
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(f"--config {text!r}: unknown key {unknown[0]!r} (known keys: {', '.join(KNOWN_KEYS)})")
    return data


class SettingsResolver:
    """The settings of each file or directory: the nearest configuration above it (cached per directory)."""

    def __init__(
        self, config: Path | None = None, isolated: bool = False, overrides: tuple[str, ...] = (), cwd: Path | None = None
    ) -> None:
        self._cwd = cwd or Path.cwd()
        self._overrides: dict[str, Any] = {}
        for text in overrides:
            self._overrides.update(_override(text))
        self._isolated = isolated
        self._fixed: Settings | None = None
        self._by_directory: dict[Path, Settings] = {}
        self._markers: dict[Path, Path | None] = {}
        if config is not None and not isolated:
            if not config.is_file():
                raise ConfigError(f"{config}: config file not found")
            data = _read_toml(config)
            if config.name == "pyproject.toml":
                table = data.get("tool", {}).get("shapecheck", {}) if isinstance(data.get("tool"), dict) else {}
            else:  # a dedicated shapecheck.toml: the table is the whole file
                table = data
            self._fixed = self._settings(table, config.resolve())

    def _settings(self, table: dict[str, Any], config_path: Path | None, root: Path | None = None) -> Settings:
        merged = {**table, **self._overrides}
        project = config_path is not None or root is not None
        if config_path is None and root is None:
            root = self._cwd
        if config_path is None and not merged:
            return Settings(root=root, is_project=project)
        return replace(parse_table(merged, config_path, root), is_project=project)

    def marker_root(self, directory: Path) -> Path | None:
        """The nearest directory at or above ``directory`` holding a ``pyproject.toml`` or ``.git``."""
        if directory not in self._markers:
            if (directory / "pyproject.toml").is_file() or (directory / ".git").exists():
                self._markers[directory] = directory
            elif directory.parent == directory:
                self._markers[directory] = None
            else:
                self._markers[directory] = self.marker_root(directory.parent)
        return self._markers[directory]

    def for_directory(self, directory: Path) -> Settings:
        """Settings of the files in ``directory`` (absolute; symlinks resolved here)."""
        directory = Path(os.path.realpath(directory))
        found = self._by_directory.get(directory)
        if found is not None:
            return found
        if self._fixed is not None:
            found = self._fixed
        elif self._isolated:
            found = self._settings({}, None, self.marker_root(directory))
        else:
            candidate = directory / "pyproject.toml"
            table = _table_of(candidate) if candidate.is_file() else None
            if table is not None:
                found = self._settings(table, candidate)
            elif directory.parent == directory:
                found = self._settings({}, None, None)
            else:
                found = self.for_directory(directory.parent)
                if found.config_path is None:
                    found = self._settings({}, None, self.marker_root(directory))
        self._by_directory[directory] = found
        return found

    def for_path(self, path: Path) -> Settings:
        """Settings of a file or directory given on the command line (need not exist)."""
        absolute = Path(os.path.abspath(path))
        return self.for_directory(absolute if absolute.is_dir() else absolute.parent)


def _string_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings, got {type(value).__name__}: {value!r}")
    return list(value)


def _globs(value: Any, where: str) -> tuple[str, ...]:
    out = _string_list(value, where)
    for text in out:
        try:
            compile_glob(text)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return tuple(out)


def parse_table(table: Any, config_path: Path | None, root: Path | None = None) -> Settings:
    """Validate ``[tool.shapecheck]``; every error names the file (or ``--config``) and the key."""
    if config_path is not None:
        root = config_path.parent
    assert root is not None
    source = config_path or "--config"
    if not isinstance(table, dict) or "" in table:
        raise ConfigError(f"{source}: [tool.shapecheck] must be a table")
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: unknown key {unknown[0]!r} in [tool.shapecheck] "
            f"(known keys: {', '.join(KNOWN_KEYS)})"
        )

    def where(key: str) -> str:
        return f"{source}: [tool.shapecheck] {key}"

    try:
        select = parse_selectors(_string_list(table["select"], where("select")), where("select")) if "select" in table else None
        extend = parse_selectors(_string_list(table.get("extend-select", []), where("extend-select")), where("extend-select"))
        ignore = parse_selectors(_string_list(table.get("ignore", []), where("ignore")), where("ignore"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None

    pfi_raw = table.get("per-file-ignores", {})
    if not isinstance(pfi_raw, dict):
        raise ConfigError(f"{where('per-file-ignores')} must be a table of glob = [codes]")
    per_file: list[tuple[str, tuple[str, ...]]] = []
    for pattern, codes in pfi_raw.items():
        key = f"per-file-ignores.{pattern!r}"
        _globs([pattern], where(key))
        try:
            per_file.append((pattern, parse_selectors(_string_list(codes, where(key)), where(key))))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    exclude = _globs(table["exclude"], where("exclude")) if "exclude" in table else DEFAULT_EXCLUDE
    extend_exclude = _globs(table.get("extend-exclude", []), where("extend-exclude"))

    packs: list[Path] = []
    for text in _string_list(table.get("packs", []), where("packs")):
        pack = (root / text).resolve()
        if not pack.exists():
            raise ConfigError(f"{where('packs')}: pack {text!r} does not exist (looked for {pack})")
        if pack.is_dir():
            inside = sorted(pack.glob("*.toml"))
            if not inside:
                raise ConfigError(f"{where('packs')}: directory {text!r} holds no .toml pack files")
            packs.extend(inside)
        else:
            packs.append(pack)

    mode = table.get("runtime-mode")
    if mode is not None and mode not in RUNTIME_MODES:
        raise ConfigError(f"{where('runtime-mode')} must be one of {', '.join(RUNTIME_MODES)}, got {mode!r}")
    hints = table.get("shape-hints", True)
    if not isinstance(hints, bool):
        raise ConfigError(f"{where('shape-hints')} must be true or false, got {hints!r}")

    return Settings(
        root=root,
        config_path=config_path,
        layer=SelectionLayer(select, extend, ignore),
        per_file_ignores=tuple(per_file),
        exclude=exclude,
        extend_exclude=extend_exclude,
        packs=tuple(packs),
        runtime_mode=mode,
        shape_hints=hints,
    )


def load_settings(paths: list[Path], config: Path | None = None, isolated: bool = False) -> Settings:
    """Settings of the first of ``paths`` (the current directory when none): for commands that
    take one project (``explain``, ``xla-map``, ``env``)."""
    return SettingsResolver(config, isolated).for_path(paths[0] if paths else Path.cwd())
