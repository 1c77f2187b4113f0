"""Which other project files matter for the files being checked: a cheap import graph.

When only some files are named (pre-commit, an editor), the rest of the project is
summarised for its contracts and compiled regions. Summarising everything costs a full
parse of the project on a cold cache, so the context is narrowed to the files connected
to the named ones through imports, in both directions and transitively: what they import
(contracts of the functions they call) and what imports them (callers that compile them
with XLA). Imports are found with a regular expression over the bytes, without parsing;
dynamic imports are not seen, so ``--project-context full`` is there for such projects.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

from shapecheck.cli.discovery import SourceFile

_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(?P<base>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#;]*)"
    rb"|import[ \t]+(?P<mods>[^\n#;]+))",
    re.MULTILINE,
)


def module_name(path: Path) -> tuple[str, bool]:
    """(dotted name, is a package): named from the nearest ancestor that is not a package."""
    is_package = path.name == "__init__.py"
    parts: list[str] = [] if is_package else [path.stem]
    parent = path.parent
    while (parent / "__init__.py").is_file() and parent != parent.parent:
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts), is_package


def _resolve(base: str, module: str, is_package: bool) -> str:
    if not base.startswith("."):
        return base
    level = len(base) - len(base.lstrip("."))
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        package = package[: max(len(package) - (level - 1), 0)]
    rest = base[level:]
    return ".".join([*package, rest] if rest else package)


def imported_names(data: bytes, module: str, is_package: bool) -> set[str]:
    """Every dotted name an import statement in ``data`` may refer to (modules and their members)."""
    out: set[str] = set()
    for m in _IMPORT.finditer(data):
        if m.group("mods") is not None:
            for part in m.group("mods").decode("utf-8", "replace").split(","):
                name = part.strip().split(" as ")[0].strip()
                if name:
                    out.add(name)
            continue
        base = _resolve(m.group("base").decode("utf-8", "replace"), module, is_package)
        if base:
            out.add(base)
        names = m.group("names").decode("utf-8", "replace").strip("()")
        for part in names.replace("\\\n", " ").split(","):
            name = part.strip().split(" as ")[0].strip()
            if name and name != "*" and name.isidentifier():
                out.add(f"{base}.{name}" if base else name)
    return out


def _graph(files: list[SourceFile], data: dict[Path, bytes]) -> tuple[dict[Path, set[Path]], dict[Path, set[Path]]]:
    """(imports, imported by) between ``files``, by path."""
    by_module: dict[str, SourceFile] = {}
    names: dict[Path, tuple[str, bool]] = {}
    for f in files:
        names[f.path] = module_name(f.path)
        by_module.setdefault(names[f.path][0], f)

    def providers(name: str) -> list[SourceFile]:
        """Files for ``a.b.c``: the module itself, or the package/module holding member ``c``, and parents."""
        out = []
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            hit = by_module.get(".".join(parts[:end]))
            if hit is not None:
                out.append(hit)
        return out

    forward: dict[Path, set[Path]] = {f.path: set() for f in files}
    backward: dict[Path, set[Path]] = {f.path: set() for f in files}
    for f in files:
        module, is_package = names[f.path]
        for name in imported_names(data.get(f.path, b""), module, is_package):
            for provider in providers(name):
                if provider.path != f.path:
                    forward[f.path].add(provider.path)
                    backward[provider.path].add(f.path)
    return forward, backward


def _reachable(starts: list[Path], edges: dict[Path, set[Path]]) -> set[Path]:
    queue = deque(starts)
    seen = set(starts)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def related(targets: list[SourceFile], candidates: list[SourceFile], data: dict[Path, bytes]) -> list[SourceFile]:
    """The candidates connected to ``targets`` through imports (either direction, transitively)."""
    forward, backward = _graph([*targets, *candidates], data)
    starts = [t.path for t in targets]
    wanted = _reachable(starts, forward) | _reachable(starts, backward)
    return [c for c in candidates if c.path in wanted]


def importers(targets: list[SourceFile], candidates: list[SourceFile], data: dict[Path, bytes]) -> list[SourceFile]:
    """The candidates that import one of ``targets``, directly or through other files."""
    _forward, backward = _graph([*targets, *candidates], data)
    wanted = _reachable([t.path for t in targets], backward)
    return [c for c in candidates if c.path in wanted]
