"""Commands that need the project index: ``explain``, ``xla-map``; and ``env`` (runtime mode)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, TextIO

from shapecheck.cli.errors import UsageError

_FUNCTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _project(
    paths: list[Path], config: Path | None, no_cache: bool, stderr: TextIO, context: str = "none"
) -> tuple[Any, Any, Any]:
    """Summaries of every file under ``paths`` (and, with ``context="imports"``, of the project
    files connected to them by imports), through the cache, and the project index."""
    from shapecheck import __version__
    from shapecheck.cli.cache import Cache, engine_key
    from shapecheck.cli.check_command import context_files
    from shapecheck.cli.config import SettingsResolver
    from shapecheck.cli.discovery import discover
    from shapecheck.cli.engine import analyse, default_jobs

    cwd = Path.cwd()
    resolver = SettingsResolver(config, cwd=cwd)
    settings = resolver.for_path(paths[0])
    found = discover(paths, resolver, cwd)
    files = list(found.files)
    others = context_files(files, paths, settings, resolver, cwd, True, context, {}).files
    cache = Cache(settings.root / ".shapecheck_cache", engine_key(__version__, settings.analysis_digest()), enabled=not no_cache)
    run = analyse([*files, *others], settings.packs, cache, default_jobs(), check=False, cwd=cwd,
                  shape_hints=settings.shape_hints)
    for problem in found.problems:
        print(f"warning: {problem.path}:{problem.line}:{problem.col}: {problem.code} {problem.message}", file=stderr)
    for outcome in run.outcomes:
        e = outcome.input_error
        if e is not None:
            print(f"warning: {e.path}:{e.line}:{e.col}: {e.code} {e.message} (left out of the project)", file=stderr)
    for message in run.internal_errors:
        print(f"error: {message}", file=stderr)
    return run, settings, found


def run_explain(target: str, config: Path | None, no_cache: bool, stdout: TextIO, stderr: TextIO) -> int:
    from shapecheck.cli.sources import Decoded, decode, preflight

    file_part, function = target, None
    if not Path(target).exists() and ":" in target:
        head, _, tail = target.rpartition(":")
        if _FUNCTION.match(tail):
            file_part, function = head, tail
    path = Path(file_part)
    if path.is_dir():
        raise UsageError(f"{file_part} is a directory: explain takes one file (FILE or FILE:FUNCTION)")
    if not path.is_file():
        raise UsageError(f"{file_part}: no such file" + (f" (read {target!r} as FILE:FUNCTION)" if function else ""))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{file_part}: cannot read: {exc.strerror or exc}") from None
    display = file_part
    decoded = decode(data, display)
    if not isinstance(decoded, Decoded):
        print(f"{decoded.path}:{decoded.line}:{decoded.col}: {decoded.code} {decoded.message}", file=stderr)
        return 1
    problem = preflight(decoded.text, display)
    if problem is not None:
        print(f"{problem.path}:{problem.line}:{problem.col}: {problem.code} {problem.message}", file=stderr)
        return 1

    from shapecheck.static import api

    from shapecheck.cli.engine import shown

    run, _settings, _found = _project([path], config, no_cache, stderr, context="imports")
    identity = str(Path(os.path.normpath(Path.cwd() / path)))  # as the project index knows it
    try:
        text = shown(api.explain_module(identity, decoded.text, function, run.project, run.packs), Path.cwd())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except api.AnalysisError as exc:
        print(f"{display}:{getattr(exc, 'line', 1)}:{getattr(exc, 'col', 1)}: {exc}", file=stderr)
        return 1
    stdout.write(text if text.endswith("\n") else text + "\n")
    return 2 if run.internal_errors else 0


def _region_dict(region: Any) -> Any:
    return region.to_dict() if hasattr(region, "to_dict") else str(region)


def _region_text(region: Any) -> str:
    return region.format() if hasattr(region, "format") else str(region)


def run_xla_map(paths: list[Path], output_format: str, config: Path | None, no_cache: bool, stdout: TextIO, stderr: TextIO) -> int:
    from shapecheck.static import api

    paths = paths or [Path(".")]
    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise UsageError(f"{p}: no such file or directory")
    from shapecheck.cli.engine import shown

    run, _settings, found = _project(paths, config, no_cache, stderr)
    regions = api.xla_map(run.project)
    cwd = Path.cwd()
    if output_format == "json":
        stdout.write(shown(json.dumps([_region_dict(r) for r in regions], indent=2, default=str), cwd) + "\n")
    elif regions:
        stdout.write(shown("\n\n".join(_region_text(r) for r in regions), cwd) + "\n")
        compiled = sum(1 for r in regions if getattr(r, "compiled", True))
        stdout.write(f"\n{len(regions)} region{'s' if len(regions) != 1 else ''} ({compiled} compiled by XLA) in {len(found.files)} files.\n")
    else:
        stdout.write(f"No compiled or traced regions in {len(found.files)} file{'s' if len(found.files) != 1 else ''}.\n")
    return 2 if run.internal_errors else 0


def run_env(stdout: TextIO, stderr: TextIO) -> int:
    from shapecheck.cli.config import load_settings

    settings = load_settings([Path.cwd()])
    mode = settings.runtime_mode
    current = os.environ.get("SHAPECHECK_MODE")
    if mode is None:
        where = settings.config_path or "any pyproject.toml"
        print(f"no runtime-mode in [tool.shapecheck] of {where}; the runtime default is 'trace'", file=stderr)
        return 0
    if current:  # an explicit setting always wins: keep it
        if current != mode:
            print(f"note: SHAPECHECK_MODE={current} is set in this environment and wins over the configured {mode!r}", file=stderr)
        stdout.write(f"export SHAPECHECK_MODE={current}\n")
        return 0
    stdout.write(f"export SHAPECHECK_MODE={mode}\n")
    return 0
