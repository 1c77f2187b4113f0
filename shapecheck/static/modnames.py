"""Dotted module names for analysed files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def module_name_for(path: str | Path) -> str:
    """``pkg/sub/mod.py`` → ``pkg.sub.mod``, walking up while directories hold ``__init__.py``.

    The name is taken relative to the nearest ancestor directory that is *not* a package,
    so ``ptycho_core/translate.py`` gives ``ptycho_core.translate`` and a loose script
    ``tools/run.py`` gives ``run``. ``__init__.py`` names its package.
    """
    p = Path(path)
    try:
        p = p.resolve()
    except OSError:
        pass
    package = _package_of_directory(p.parent)
    parts = [*package] if p.stem == "__init__" else [*package, p.stem]
    return ".".join(parts) if parts else p.parent.name


@lru_cache(maxsize=4096)
def _package_of_directory(directory: Path) -> tuple[str, ...]:
    """The dotted package a directory is (empty when it holds no ``__init__.py``)."""
    if directory == directory.parent or not (directory / "__init__.py").is_file():
        return ()
    return (*_package_of_directory(directory.parent), directory.name)


def package_of(module_name: str, is_package: bool) -> str:
    """The package relative imports in this module are resolved against."""
    if is_package:
        return module_name
    return module_name.rpartition(".")[0]


def resolve_relative(name: str, module_name: str, is_package: bool) -> str:
    """``..x.y`` seen in ``a.b.c`` → ``a.x.y``; absolute names are returned unchanged."""
    if not name.startswith("."):
        return name
    level = len(name) - len(name.lstrip("."))
    rest = name[level:]
    base = package_of(module_name, is_package).split(".") if module_name else []
    if level > 1:
        base = base[: len(base) - (level - 1)] if level - 1 <= len(base) else []
    return ".".join([*base, rest] if rest else base)
