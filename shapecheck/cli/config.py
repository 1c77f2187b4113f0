"""``[tool.shapecheck]`` in ``pyproject.toml``: discovery, validation and the resolved settings.

Discovery walks up from the common ancestor of the paths given on the command line (the
current directory when none are given) to the first ``pyproject.toml`` that has a
``[tool.shapecheck]`` table; ``--config FILE`` names one explicitly, ``--isolated``
ignores them all. The directory of that file is the *project root*: globs, pack paths,
the baseline's paths and the cache directory are relative to it. Without a config file
the root is the nearest directory holding a ``pyproject.toml`` or ``.git``, else the
common ancestor of the paths.

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
``runtime-mode``
    the project's default runtime checking mode, ``off`` | ``trace`` | ``strict``. The
    runtime checker reads ``SHAPECHECK_MODE``; ``shapecheck env`` prints the export line
    for this default (an explicit ``SHAPECHECK_MODE`` always wins).
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
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
    "packs", "runtime-mode",
)


@dataclass(frozen=True)
class Settings:
    """Everything a run needs from configuration (command-line overrides are applied later)."""

    root: Path
    config_path: Path | None = None
    layer: SelectionLayer = field(default_factory=SelectionLayer)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    packs: tuple[Path, ...] = ()
    runtime_mode: str | None = None

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return (*self.exclude, *self.extend_exclude)

    def analysis_digest(self) -> str:
        """Hash of the settings that change what the analyser itself reports (the packs)."""
        h = hashlib.sha256()
        for pack in self.packs:
            h.update(str(pack).encode())
            files = sorted(pack.rglob("*.toml")) if pack.is_dir() else [pack]
            for f in files:
                try:
                    h.update(f.read_bytes())
                except OSError:
                    h.update(b"<unreadable>")
        return h.hexdigest()


def common_ancestor(paths: list[Path]) -> Path:
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    base = Path(os.path.commonpath([str(p) for p in resolved]))
    return base if base.is_dir() else base.parent


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def find_config(start: Path) -> tuple[Path | None, Path]:
    """(pyproject with a [tool.shapecheck] table or None, project root)."""
    fallback_root: Path | None = None
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            data = _read_toml(candidate)
            if isinstance(data.get("tool"), dict) and "shapecheck" in data["tool"]:
                return candidate, directory
            fallback_root = fallback_root or directory
        elif fallback_root is None and (directory / ".git").exists():
            fallback_root = directory
    return None, fallback_root or start


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


def parse_table(table: Any, config_path: Path) -> Settings:
    """Validate ``[tool.shapecheck]``; every error names the file and the key."""
    root = config_path.parent
    if not isinstance(table, dict):
        raise ConfigError(f"{config_path}: [tool.shapecheck] must be a table")
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"{config_path}: unknown key {unknown[0]!r} in [tool.shapecheck] "
            f"(known keys: {', '.join(KNOWN_KEYS)})"
        )

    def where(key: str) -> str:
        return f"{config_path}: [tool.shapecheck] {key}"

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

    return Settings(
        root=root,
        config_path=config_path,
        layer=SelectionLayer(select, extend, ignore),
        per_file_ignores=tuple(per_file),
        exclude=exclude,
        extend_exclude=extend_exclude,
        packs=tuple(packs),
        runtime_mode=mode,
    )


def load_settings(paths: list[Path], config: Path | None = None, isolated: bool = False) -> Settings:
    """Settings for a run over ``paths`` (see the module docstring for the search order)."""
    start = common_ancestor(paths)
    if isolated:
        return Settings(root=start)
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"{config}: config file not found")
        data = _read_toml(config)
        if config.name == "pyproject.toml":
            table = data.get("tool", {}).get("shapecheck", {}) if isinstance(data.get("tool"), dict) else {}
        else:  # a dedicated shapecheck.toml: the table is the whole file
            table = data
        return parse_table(table, config.resolve())
    config_path, root = find_config(start)
    if config_path is None:
        return Settings(root=root)
    return parse_table(_read_toml(config_path)["tool"]["shapecheck"], config_path)
