"""``shapecheck check``: discovery → analysis → selection → suppressions → baseline → report."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from shapecheck.cli import baseline as baseline_mod
from shapecheck.cli.config import Settings, SettingsResolver
from shapecheck.cli.discovery import Discovery, SourceFile, discover, rel_in
from shapecheck.cli.errors import UsageError
from shapecheck.cli.globs import compile_glob
from shapecheck.cli.selection import DEFAULT_SELECT, RuleSelection, SelectionLayer, code_matches
from shapecheck.cli.sources import Decoded, decode
from shapecheck.findings import Finding

if TYPE_CHECKING:
    from shapecheck.cli.engine import AnalysisRun, FileOutcome

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
    config_overrides: tuple[str, ...] = ()  # --config KEY=VALUE
    isolated: bool = False
    color: str = "auto"
    verbose: bool = False
    quiet: bool = False
    project_context: str = "imports"  # imports | full | none
    respect_gitignore: bool = True
    show_settings: bool = False
    show_files: bool = False
    stdin_filename: Path | None = None  # check source read from stdin as if it were this file
    fix: bool = False  # remove unused suppressions (SC901) from the files
    add_noqa: bool = False  # add suppression comments for every current finding, then exit 0
    force_exclude: bool = True  # exclude patterns apply to named files too
    timeout: float = 300.0  # per file and phase; 0 = no limit


@dataclass
class Context:
    """The project's other files that the named ones may depend on (summarised, not reported),
    and among them those that import a named file (where a change to it can cause findings)."""

    files: list[SourceFile] = field(default_factory=list)
    importers: list[SourceFile] = field(default_factory=list)


def context_files(
    targets: list[SourceFile], paths: list[Path], settings: Settings, resolver: SettingsResolver, cwd: Path,
    gitignore: bool, mode: str, overrides: dict[Path, bytes],
) -> Context:
    """``full``: every other file of the project; ``imports``: those connected to the named
    files through imports (see :mod:`shapecheck.cli.imports`); ``none``: no context. Only a
    real project (a configuration, ``pyproject.toml`` or ``.git`` above the files) is walked."""
    if mode == "none" or not targets or not settings.is_project:
        return Context()
    root = os.path.realpath(settings.root)
    if any(os.path.realpath(cwd / p) == root for p in paths):  # realpath: a symlink loop does not raise
        return Context()  # the whole project is being checked already
    everything = discover([settings.root], resolver, cwd, gitignore).files
    if len(everything) > 20_000:  # not a project but a file system: stay with what was named
        return Context()
    named = {f.path for f in targets}
    candidates = [f for f in everything if f.path not in named]
    if mode == "full" or not candidates:
        return Context(candidates)
    from shapecheck.cli.imports import importers, related

    data: dict[Path, bytes] = {}
    for f in [*targets, *candidates]:
        if f.path in overrides:
            data[f.path] = overrides[f.path]
            continue
        try:
            data[f.path] = f.path.read_bytes()
        except OSError:
            data[f.path] = b""
    return Context(related(targets, candidates, data), importers(targets, candidates, data))


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
    rel = rel_in(absolute, settings)
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
        f"project root:      {settings.root if settings.is_project else '(none: no pyproject.toml or .git above; paths relative to ' + str(settings.root) + ')'}",
        f"cache directory:   {'(disabled)' if opts.no_cache else opts.cache_dir or settings.root / '.shapecheck_cache'}",
        f"enabled rules:     {' '.join(enabled)}",
        f"exclude:           {' '.join(settings.exclude)}",
        f"extend-exclude:    {' '.join(settings.extend_exclude) or '-'}",
        "per-file-ignores:  " + ("; ".join(f"{g} = {','.join(c)}" for g, c in settings.per_file_ignores) or "-"),
        f"packs:             {' '.join(str(p) for p in settings.packs) or '-'}",
        f"runtime-mode:      {settings.runtime_mode or '(not set; the runtime defaults to trace)'}",
        f"shape-hints:       {'true' if settings.shape_hints else 'false'} (docstring shapes and shape comments as soft contracts)",
        f"respect gitignore: {opts.respect_gitignore}",
        f"project context:   {opts.project_context}",
    ]
    out.write("\n".join(lines) + "\n")


def _caused_in_importers(
    files: list[SourceFile], context: Context, overrides: dict[Path, bytes], run: AnalysisRun,
    run_on: Callable[..., AnalysisRun],
) -> list[FileOutcome]:
    """Outcomes for the unchanged importers of the named files, holding only the findings that
    the named files' changes since git's HEAD cause there (see :mod:`shapecheck.cli.dependents`)."""
    from shapecheck.cli.dependents import caused, head_versions

    current = {o.file.path: o.data for o in run.outcomes if o.data is not None}
    before = head_versions(files, current)
    if not before:
        return []
    importers = context.importers
    others = [f for f in context.files if f not in importers]
    now = run_on(importers, [*files, *others], overrides)
    then = run_on(importers, [*files, *others], {**overrides, **before}, cached=False)  # keep today's entries
    changed = [f.display for f in files if f.path in before]
    for new, old in zip(now.outcomes, then.outcomes):
        new.findings = caused(new.findings, old.findings, changed)
        new.input_error = None  # only what the change causes is reported here
    return [o for o in now.outcomes if o.findings]


@dataclass
class _ProjectsRun:
    """The analysis of every project of a run, merged."""

    outcomes: list[tuple[FileOutcome, Settings, RuleSelection]] = field(default_factory=list)
    only_caused: set[int] = field(default_factory=set)  # importers' outcomes: only what a change caused, no SC901
    internal_errors: list[str] = field(default_factory=list)
    write_errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _analyse_projects(
    groups: dict[tuple[Path | None, Path], tuple[Settings, list[SourceFile]]], paths: list[Path],
    resolver: SettingsResolver, opts: CheckOptions, cwd: Path, overrides: dict[Path, bytes], jobs: int,
) -> _ProjectsRun:
    """Each project's files with its own settings, context and cache (see :func:`context_files`)."""
    from shapecheck import __version__
    from shapecheck.cli.cache import Cache, engine_key
    from shapecheck.cli.engine import analyse

    out = _ProjectsRun()
    for settings, files in groups.values():
        selection = selection_for(settings, opts)
        context = context_files(files, paths, settings, resolver, cwd, opts.respect_gitignore, opts.project_context, overrides)
        cache_dir = opts.cache_dir or (settings.root / ".shapecheck_cache")
        cache = Cache(cache_dir, engine_key(__version__, settings.analysis_digest()), enabled=not opts.no_cache)

        def run_on(targets: list[SourceFile], others: list[SourceFile], contents: dict[Path, bytes],
                   cached: bool = True, _settings: Settings = settings, _cache: Cache = cache) -> AnalysisRun:
            try:
                return analyse(targets, _settings.packs, _cache if cached else Cache(_cache.directory, _cache.engine, False),
                               jobs, context=others, overrides=contents, timeout=opts.timeout or None, cwd=cwd,
                               shape_hints=_settings.shape_hints)
            except ImportError as exc:
                raise RuntimeError(f"the static analyser could not be imported: {exc}") from None
            except Exception as exc:
                if type(exc).__name__ == "PackError":
                    raise UsageError(f"knowledge pack error: {exc}") from None
                raise

        run = run_on(files, context.files, overrides)
        out.outcomes.extend((o, settings, selection) for o in run.outcomes)
        if context.importers:  # pre-commit's view: what the named files' changes break elsewhere
            elsewhere = _caused_in_importers(files, context, overrides, run, run_on)
            out.outcomes.extend((o, settings, selection) for o in elsewhere)
            out.only_caused.update(id(o) for o in elsewhere)
        out.internal_errors.extend(run.internal_errors)
        out.write_errors.extend(cache.write_errors)
        for k, v in run.timings.items():
            out.timings[k] = out.timings.get(k, 0.0) + v
        for k, c in run.counts.items():
            out.counts[k] = out.counts.get(k, 0) + c
    return out


def _rewrite(outcome: FileOutcome, text: str, stderr: TextIO) -> bool:
    """Write a fixed source back in its own encoding; False (with a warning) when that fails."""
    from shapecheck.cli.atomic_write import write_bytes

    decoded = decode(outcome.data or b"", outcome.file.display)
    encoding = decoded.encoding if isinstance(decoded, Decoded) else "utf-8"
    try:
        data = text.encode(encoding)
        write_bytes(outcome.file.path, (b"\xef\xbb\xbf" if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else b"") + data)
    except (OSError, UnicodeEncodeError, LookupError) as exc:
        print(f"warning: {outcome.file.display}: not rewritten: {exc}", file=stderr)
        return False
    return True


def _write_report(target: Path, text: str) -> None:
    from shapecheck.cli.atomic_write import write_text

    try:
        write_text(target, text)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


def run_check(opts: CheckOptions, stdout: TextIO, stderr: TextIO) -> int:
    from shapecheck import __version__
    from shapecheck.cli.engine import default_jobs
    from shapecheck.cli.reporters import render
    from shapecheck.cli.reporters.base import Report

    if opts.baseline is not None and opts.write_baseline is not None:
        raise UsageError("--baseline and --write-baseline cannot be used together")
    cwd = Path.cwd()
    if opts.stdin_filename is not None and opts.paths not in ([], [Path("-")]):
        raise UsageError("--stdin-filename reads the source from stdin: give no paths (or '-')")
    if opts.stdin_filename is None and Path("-") in opts.paths:
        if opts.paths != [Path("-")]:
            raise UsageError("'-' reads the source from stdin: give it alone (with --stdin-filename PATH to name the file)")
    # '-' alone reads stdin too, checked under the name '-' (as Ruff does)
    stdin_name = opts.stdin_filename or (Path("-") if opts.paths == [Path("-")] else None)
    paths = [stdin_name] if stdin_name is not None else (opts.paths or [Path(".")])
    resolver = SettingsResolver(opts.config, opts.isolated, opts.config_overrides, cwd)
    from shapecheck import rules

    known = set(rules.codes())  # the registry: rules/catalogue/

    overrides: dict[Path, bytes] = {}
    if stdin_name is not None:
        found = _stdin_discovery(stdin_name, resolver.for_path(cwd / stdin_name), cwd, overrides)
    else:
        found = discover(paths, resolver, cwd, opts.respect_gitignore, opts.force_exclude)
    if found.skipped and (opts.verbose or (not found.files and not found.problems)) and not opts.quiet:
        for path, pattern in found.skipped:
            print(f"warning: {path} is excluded by the pattern {pattern!r}; not checked", file=stderr)
    if not opts.quiet:
        for path in found.not_python:
            print(f"warning: {path} is not Python source (no .py/.pyi suffix or Python shebang); not checked", file=stderr)

    # Files are checked project by project: each with its own settings, context and cache.
    groups: dict[tuple[Path | None, Path], tuple[Settings, list[SourceFile]]] = {}
    for f in found.files:
        settings = resolver.for_path(f.path)
        groups.setdefault((settings.config_path, settings.root), (settings, []))[1].append(f)
    if not groups:
        first = resolver.for_path(cwd / paths[0])
        groups[(first.config_path, first.root)] = (first, [])

    if opts.show_files:
        for f in found.files:
            stdout.write(f"{f.display}\n")
        for problem in found.problems:
            print(f"{problem.path}: {problem.message}", file=stderr)
        return 0
    if opts.show_settings:
        for n, (settings, files) in enumerate(groups.values()):
            if len(groups) > 1:
                stdout.write(("\n" if n else "") + f"# {len(files)} file{'s' if len(files) != 1 else ''}, from {files[0].display}\n")
            _print_settings(settings, selection_for(settings, opts), known, opts, stdout)
        return 0

    jobs = opts.jobs if opts.jobs is not None else default_jobs()
    projects = _analyse_projects(groups, paths, resolver, opts, cwd, overrides, jobs)
    outcomes, only_caused = projects.outcomes, projects.only_caused
    internal_errors, write_errors = projects.internal_errors, projects.write_errors
    timings, counts = projects.timings, projects.counts

    sources = _Sources()
    for outcome, _settings, _selection in outcomes:
        if outcome.data is not None:
            sources.data[outcome.file.display] = outcome.data

    from shapecheck.cli import suppressions

    def rel_of(display: str) -> str:
        absolute = Path(os.path.normpath(cwd / display))
        return rel_in(absolute, resolver.for_path(absolute))

    findings: list[Finding] = []
    fixed = added = 0
    for problem in found.problems:
        settings = resolver.for_path(Path(os.path.normpath(cwd / problem.path)))
        if selection_for(settings, opts).enabled(problem.code) and not code_matches(problem.code, _per_file_codes(settings, rel_of(problem.path))):
            findings.append(problem)
    for outcome, settings, selection in outcomes:
        display = outcome.file.display
        file_ignores = _per_file_codes(settings, outcome.file.rel)

        def enabled(code: str, _ignores: tuple[str, ...] = file_ignores, _selection: RuleSelection = selection) -> bool:
            if code_matches(code, _ignores):
                return False
            if len(code) == 5:
                return _selection.enabled(code)
            matching = [c for c in known if c.startswith(code)]
            return any(_selection.enabled(c) for c in matching) if matching else True

        raw = list(outcome.findings)
        if outcome.input_error is not None:
            raw.append(outcome.input_error)
        kept = [f for f in raw if enabled(f.code)]
        has_marker = outcome.data is not None and _MARKER.search(outcome.data) is not None
        if has_marker:
            text = sources.text(display)
            if text is not None:
                report_unused = (outcome.input_error is None and outcome.internal is None and enabled("SC901")
                                 and id(outcome) not in only_caused)
                before = kept
                kept, unused = suppressions.apply(kept, text, display, enabled, report_unused)
                if opts.fix and unused and outcome.file.path not in overrides:
                    fixed_text, n = suppressions.without_unused(before, text, display, enabled)
                    if n and _rewrite(outcome, fixed_text, stderr):
                        fixed += n
                        unused = [u for u in unused if not u.message.startswith("unused suppression")]
                kept.extend(unused)
        if opts.add_noqa and outcome.input_error is None and outcome.file.path not in overrides and id(outcome) not in only_caused:
            wanted: dict[int, set[str]] = {}
            for f in kept:
                if f.code not in ("SC001", "SC002", "SC003", "SC901"):
                    wanted.setdefault(f.line, set()).add(f.code)
            text = sources.text(display)
            if wanted and text is not None:
                new_text, n = suppressions.with_suppressions(text, wanted)
                if n and _rewrite(outcome, new_text, stderr):
                    added += n
                    continue
        findings.extend(kept)
    findings.sort()
    if opts.add_noqa:
        if not opts.quiet:
            print(f"Added {added} suppression comment{'s' if added != 1 else ''}.", file=stderr)
        return 0
    if fixed and not opts.quiet:
        print(f"Fixed {fixed} unused suppression{'s' if fixed != 1 else ''} (SC901).", file=stderr)

    if opts.write_baseline is not None or opts.baseline is not None:
        keyed = baseline_mod.keys_for(findings, rel_of, sources.line)
        if opts.write_baseline is not None:
            baseline_mod.write(opts.write_baseline, keyed, __version__)
            if not opts.quiet:
                print(f"Wrote {len(keyed)} finding{'s' if len(keyed) != 1 else ''} to the baseline {opts.write_baseline}.", file=stderr)
            for message in internal_errors:
                print(f"error: {message}", file=stderr)
            return 2 if internal_errors else 0
        assert opts.baseline is not None
        before = len(findings)
        findings = baseline_mod.only_new(keyed, baseline_mod.read(opts.baseline))
        hidden = before - len(findings)
    else:
        hidden = 0

    out_stream = stdout
    report = Report(
        findings=findings, root=next(iter(groups.values()))[0].root, cwd=cwd, tool_version=__version__, source_line=sources.line,
        files_checked=len(found.files), color=_use_color(opts, out_stream), statistics=opts.statistics,
        fixed_by_baseline=hidden, notes=list(internal_errors),
    )
    text = render(opts.output_format, report)
    if opts.output_file is not None:
        _write_report(opts.output_file, text)
        if not opts.quiet and opts.output_format not in ("text", "concise"):
            n = len(findings)
            print(f"Wrote {n} finding{'s' if n != 1 else ''} to {opts.output_file}.", file=stderr)
    elif not (opts.quiet and not findings):
        stdout.write(text)

    for message in write_errors:
        print(f"warning: could not write the cache ({message}); use --no-cache or --cache-dir", file=stderr)
    for message in internal_errors:
        print(f"error: {message}", file=stderr)
    if internal_errors:
        print("error: shapecheck itself failed on the file(s) above; please report it with the file attached", file=stderr)
    if opts.verbose:
        timing = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items())
        counted = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"shapecheck: jobs {jobs}; {counted}; {timing}", file=stderr)

    if internal_errors:
        return 2
    if findings and not opts.exit_zero:
        return 1
    return 0
