"""``shapecheck check``: discovery → analysis → selection → suppressions → baseline → report."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from shapecheck.cli import baseline as baseline_mod
from shapecheck.cli.config import Settings, load_settings
from shapecheck.cli.discovery import Discovery, SourceFile, discover, relative_to_root
from shapecheck.cli.errors import UsageError
from shapecheck.cli.globs import compile_glob
from shapecheck.cli.selection import DEFAULT_SELECT, RuleSelection, SelectionLayer, code_matches
from shapecheck.cli.sources import Decoded, decode
from shapecheck.findings import Finding

_MARKER = re.compile(rb"shapecheck:", re.IGNORECASE)


@dataclass
class CheckOptions:
    paths: list[Path] = field(default_factory=list)
    output_format: str = "text"
    output_file: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exit_zero: bool = False
    statistics: bool = False
    baseline: Path | None = None
    write_baseline: Path | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    jobs: int | None = None
    config: Path | None = None
    isolated: bool = False
    color: str = "auto"
    verbose: bool = False
    quiet: bool = False
    project_context: str = "imports"  # imports | full | none
    respect_gitignore: bool = True
    show_settings: bool = False
    show_files: bool = False
    stdin_filename: Path | None = None  # check source read from stdin as if it were this file
    timeout: float = 300.0  # per file and phase; 0 = no limit


def context_files(
    targets: list[SourceFile], paths: list[Path], settings: Settings, cwd: Path, gitignore: bool, mode: str,
    overrides: dict[Path, bytes],
) -> list[SourceFile]:
    """The project's other files that the named ones may depend on: summarised, not reported.

    ``full``: every other file of the project; ``imports``: those connected to the named
    files through imports (see :mod:`shapecheck.cli.imports`); ``none``: no context."""
    if mode == "none" or not targets:
        return []
    root = settings.root.resolve()
    if any(Path(os.path.normpath(cwd / p)).resolve() == root for p in paths):
        return []  # the whole project is being checked already
    everything = discover([settings.root], settings.root, settings.all_excludes, cwd, gitignore).files
    if len(everything) > 20_000:  # not a project but a file system: stay with what was named
        return []
    named = {f.path for f in targets}
    candidates = [f for f in everything if f.path not in named]
    if mode == "full" or not candidates:
        return candidates
    from shapecheck.cli.imports import related

    data: dict[Path, bytes] = {}
    for f in [*targets, *candidates]:
        if f.path in overrides:
            data[f.path] = overrides[f.path]
            continue
        try:
            data[f.path] = f.path.read_bytes()
        except OSError:
            data[f.path] = b""
    return related(targets, candidates, data)


class _Sources:
    """Decoded text of checked files, on demand, for excerpts, suppressions and fingerprints."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self._text: dict[str, list[str] | None] = {}

    def lines(self, display: str) -> list[str] | None:
        if display not in self._text:
            raw = self.data.get(display)
            decoded = decode(raw, display) if raw is not None else None
            self._text[display] = decoded.text.splitlines() if isinstance(decoded, Decoded) else None
        return self._text[display]

    def text(self, display: str) -> str | None:
        raw = self.data.get(display)
        decoded = decode(raw, display) if raw is not None else None
        return decoded.text if isinstance(decoded, Decoded) else None

    def line(self, display: str, number: int) -> str:
        lines = self.lines(display)
        if not lines or number < 1 or number > len(lines):
            return ""
        return lines[number - 1]


def _use_color(opts: CheckOptions, stream: TextIO) -> bool:
    if opts.color == "always":
        return True
    if opts.color == "never" or opts.output_file is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def selection_for(settings: Settings, opts: CheckOptions) -> RuleSelection:
    return RuleSelection((
        SelectionLayer(DEFAULT_SELECT),
        settings.layer,
        SelectionLayer(opts.select, opts.extend_select, opts.ignore),
    ))


def _per_file_codes(settings: Settings, rel: str) -> tuple[str, ...]:
    codes: list[str] = []
    for pattern, selectors in settings.per_file_ignores:
        if compile_glob(pattern).matches(rel):
            codes.extend(selectors)
    return tuple(codes)


def _stdin_discovery(name: Path, settings: Settings, cwd: Path, overrides: dict[Path, bytes]) -> Discovery:
    """The one file read from stdin, under the name an editor gives it (it need not exist)."""
    from shapecheck.cli.discovery import display_path
    from shapecheck.cli.globs import first_match

    absolute = Path(os.path.normpath(cwd / name))
    rel = relative_to_root(absolute, settings.root.resolve())
    found = Discovery()
    pattern = first_match(settings.all_excludes, rel)
    if pattern is not None:
        found.skipped.append((display_path(absolute, cwd), pattern))
        return found
    overrides[absolute] = sys.stdin.buffer.read()
    found.files.append(SourceFile(display_path(absolute, cwd), absolute, rel))
    return found


def _print_settings(settings: Settings, selection: RuleSelection, known: set[str], opts: CheckOptions, out: TextIO) -> None:
    enabled = sorted(c for c in known if selection.enabled(c))
    lines = [
        f"config file:       {settings.config_path or '(none: defaults)'}",
        f"project root:      {settings.root}",
        f"cache directory:   {'(disabled)' if opts.no_cache else opts.cache_dir or settings.root / '.shapecheck_cache'}",
        f"enabled rules:     {' '.join(enabled)}",
        f"exclude:           {' '.join(settings.exclude)}",
        f"extend-exclude:    {' '.join(settings.extend_exclude) or '-'}",
        "per-file-ignores:  " + ("; ".join(f"{g} = {','.join(c)}" for g, c in settings.per_file_ignores) or "-"),
        f"packs:             {' '.join(str(p) for p in settings.packs) or '-'}",
        f"runtime-mode:      {settings.runtime_mode or '(not set; the runtime defaults to trace)'}",
        f"respect gitignore: {opts.respect_gitignore}",
        f"project context:   {opts.project_context}",
    ]
    out.write("\n".join(lines) + "\n")


def run_check(opts: CheckOptions, stdout: TextIO, stderr: TextIO) -> int:
    from shapecheck import __version__
    from shapecheck.cli.cache import Cache, engine_key
    from shapecheck.cli.engine import analyse, default_jobs
    from shapecheck.cli.reporters import render
    from shapecheck.cli.reporters.base import Report

    if opts.baseline is not None and opts.write_baseline is not None:
        raise UsageError("--baseline and --write-baseline cannot be used together")
    cwd = Path.cwd()
    if opts.stdin_filename is not None and opts.paths not in ([], [Path("-")]):
        raise UsageError("--stdin-filename reads the source from stdin: give no paths (or '-')")
    if opts.stdin_filename is None and Path("-") in opts.paths:
        raise UsageError("'-' (stdin) needs --stdin-filename PATH to name the file being checked")
    paths = [opts.stdin_filename] if opts.stdin_filename is not None else (opts.paths or [Path(".")])
    settings = load_settings(paths, opts.config, opts.isolated)
    selection = selection_for(settings, opts)
    from shapecheck import rules

    known = set(rules.codes())  # the registry: rules/catalogue/

    overrides: dict[Path, bytes] = {}
    if opts.stdin_filename is not None:
        found = _stdin_discovery(opts.stdin_filename, settings, cwd, overrides)
    else:
        found = discover(paths, settings.root, settings.all_excludes, cwd, opts.respect_gitignore)
    if found.skipped and (opts.verbose or (not found.files and not found.problems)) and not opts.quiet:
        for path, pattern in found.skipped:
            print(f"warning: {path} is excluded by the pattern {pattern!r}; not checked", file=stderr)

    if opts.show_files:
        for f in found.files:
            stdout.write(f"{f.display}\n")
        for problem in found.problems:
            print(f"{problem.path}: {problem.message}", file=stderr)
        return 0
    if opts.show_settings:
        _print_settings(settings, selection, known, opts, stdout)
        return 0
    context = context_files(found.files, paths, settings, cwd, opts.respect_gitignore, opts.project_context, overrides)
    cache_dir = opts.cache_dir or (settings.root / ".shapecheck_cache")
    cache = Cache(cache_dir, engine_key(__version__, settings.analysis_digest()), enabled=not opts.no_cache)
    jobs = opts.jobs if opts.jobs is not None else default_jobs()
    try:
        run = analyse(found.files, settings.packs, cache, jobs, context=context, overrides=overrides,
                      timeout=opts.timeout or None)
    except ImportError as exc:
        raise RuntimeError(f"the static analyser could not be imported: {exc}") from None
    except Exception as exc:
        if type(exc).__name__ == "PackError":
            raise UsageError(f"knowledge pack error: {exc}") from None
        raise

    sources = _Sources()
    for outcome in run.outcomes:
        if outcome.data is not None:
            sources.data[outcome.file.display] = outcome.data

    from shapecheck.cli import suppressions

    findings: list[Finding] = []
    for problem in found.problems:
        if selection.enabled(problem.code) and not code_matches(problem.code, _per_file_codes(settings, relative_to_root(cwd / problem.path, settings.root))):
            findings.append(problem)
    for outcome in run.outcomes:
        display = outcome.file.display
        file_ignores = _per_file_codes(settings, outcome.file.rel)

        def enabled(code: str, _ignores: tuple[str, ...] = file_ignores) -> bool:
            if code_matches(code, _ignores):
                return False
            if len(code) == 5:
                return selection.enabled(code)
            matching = [c for c in known if c.startswith(code)]
            return any(selection.enabled(c) for c in matching) if matching else True

        raw = list(outcome.findings)
        if outcome.input_error is not None:
            raw.append(outcome.input_error)
        kept = [f for f in raw if enabled(f.code)]
        has_marker = outcome.data is not None and _MARKER.search(outcome.data) is not None
        if has_marker:
            text = sources.text(display)
            if text is not None:
                report_unused = outcome.input_error is None and outcome.internal is None and enabled("SC901")
                kept, unused = suppressions.apply(kept, text, display, None, enabled, report_unused)
                kept.extend(unused)
        findings.extend(kept)
    findings.sort()

    if opts.write_baseline is not None or opts.baseline is not None:
        def rel_of(display: str) -> str:
            return relative_to_root(Path(os.path.normpath(cwd / display)), settings.root.resolve())

        keyed = baseline_mod.keys_for(findings, rel_of, sources.line)
        if opts.write_baseline is not None:
            baseline_mod.write(opts.write_baseline, keyed, __version__)
            if not opts.quiet:
                print(f"Wrote {len(keyed)} finding{'s' if len(keyed) != 1 else ''} to the baseline {opts.write_baseline}.", file=stderr)
            for message in run.internal_errors:
                print(f"error: {message}", file=stderr)
            return 2 if run.internal_errors else 0
        assert opts.baseline is not None
        before = len(findings)
        findings = baseline_mod.only_new(keyed, baseline_mod.read(opts.baseline))
        hidden = before - len(findings)
    else:
        hidden = 0

    out_stream = stdout
    report = Report(
        findings=findings, root=settings.root, cwd=cwd, tool_version=__version__, source_line=sources.line,
        files_checked=len(found.files), color=_use_color(opts, out_stream), statistics=opts.statistics,
        fixed_by_baseline=hidden, notes=list(run.internal_errors),
    )
    text = render(opts.output_format, report)
    if opts.output_file is not None:
        try:
            opts.output_file.parent.mkdir(parents=True, exist_ok=True)
            opts.output_file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {opts.output_file}: {exc.strerror or exc}") from None
        if not opts.quiet and opts.output_format in ("sarif", "json"):
            n = len(findings)
            print(f"Wrote {n} finding{'s' if n != 1 else ''} to {opts.output_file}.", file=stderr)
    elif not (opts.quiet and not findings):
        stdout.write(text)

    for message in cache.write_errors:
        print(f"warning: could not write the cache ({message}); use --no-cache or --cache-dir", file=stderr)
    for message in run.internal_errors:
        print(f"error: {message}", file=stderr)
    if run.internal_errors:
        print("error: shapecheck itself failed on the file(s) above; please report it with the file attached", file=stderr)
    if opts.verbose:
        timing = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in run.timings.items())
        counts = ", ".join(f"{k} {v}" for k, v in run.counts.items())
        print(f"shapecheck: jobs {jobs}; {counts}; {timing}", file=stderr)

    if run.internal_errors:
        return 2
    if findings and not opts.exit_zero:
        return 1
    return 0
