"""The ``shapecheck`` entry point: argument parsing and dispatch, with every heavy import lazy.

Exit codes: 0 clean, 1 findings, 2 usage error or a failure of shapecheck itself.
``shapecheck --version`` imports nothing beyond the ``shapecheck`` package itself.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import argparse

    from shapecheck.cli.check_command import CheckOptions

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


CHECK_EPILOG = """\
configuration: [tool.shapecheck] in the nearest pyproject.toml above each file, with the keys
  select, extend-select, ignore, per-file-ignores, exclude, extend-exclude, packs, runtime-mode
  (see `shapecheck check --show-settings`).
suppressions: `# shapecheck: ignore[SC101,SC2]` on the line, on the first line of a multi-line
  statement or on its own line above it; `# shapecheck: ignore-file[SC2]` for a whole file;
  unused ones are reported as SC901.
rules: `shapecheck rules`, `shapecheck rule SC101`.
"""


def _version() -> str:
    from shapecheck import __version__

    return __version__


def _codes(value: str) -> list[str]:
    return [v for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from shapecheck.cli.reporters import FORMATS

    parser = argparse.ArgumentParser(
        prog="shapecheck",
        description="Shape contracts for TensorFlow code: static checks (no TensorFlow import) and their reports.",
    )
    parser.add_argument("--version", action="version", version=f"shapecheck {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser(
        "check", help="check files and directories (default: the current directory)",
        description="Check Python files for shape-contract and XLA hazards. "
                    "Exit 0 clean, 1 findings, 2 usage error or internal failure.",
        epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="files or directories (default: the current directory)")
    check.add_argument("--output-format", choices=FORMATS, default=None,
                       help="text (default, with source excerpts), concise, json, json-lines, sarif, github, "
                            "gitlab (Code Quality), junit or pylint")
    check.add_argument("--concise", action="store_true", help="one line per finding (same as --output-format concise)")
    check.add_argument("-o", "--output-file", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--select", type=_codes, action="extend", default=None, metavar="CODES",
                       help="comma-separated rule codes or prefixes to enable (replaces the config's select)")
    check.add_argument("--extend-select", type=_codes, action="extend", default=[], metavar="CODES",
                       help="codes or prefixes to enable in addition")
    check.add_argument("--ignore", type=_codes, action="extend", default=[], metavar="CODES",
                       help="codes or prefixes to disable")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    base = check.add_mutually_exclusive_group()
    base.add_argument("--baseline", type=Path, metavar="FILE", help="report only findings not in the baseline FILE")
    base.add_argument("--write-baseline", type=Path, metavar="FILE", help="record today's findings in FILE and exit 0")
    check.add_argument("--cache-dir", type=Path, metavar="DIR", help="cache directory (default: .shapecheck_cache at the project root)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    check.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: the available cores)")
    check.add_argument("--config", action="append", default=[], metavar="FILE|KEY=VALUE",
                       help="use this pyproject.toml (or shapecheck.toml) for every file; or, as KEY=VALUE in TOML "
                            "syntax (e.g. 'select = [\"SC1\"]'), override one [tool.shapecheck] key (repeatable)")
    check.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    force = check.add_mutually_exclusive_group()
    force.add_argument("--force-exclude", dest="force_exclude", action="store_true", default=True,
                       help="apply exclude patterns to files named on the command line too (the default, for pre-commit)")
    force.add_argument("--no-force-exclude", dest="force_exclude", action="store_false",
                       help="check files named on the command line even when an exclude pattern matches them")
    check.add_argument("--project-context", choices=("imports", "full", "none"), default="imports",
                       help="which other files of the project are summarised (not reported) when only some are "
                            "named: those connected to them by imports (default), all, or none")
    check.add_argument("--no-project-context", dest="project_context", action="store_const", const="none",
                       help="same as --project-context none")
    check.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                       help="also check files that git ignores (named files are always checked)")
    check.add_argument("--stdin-filename", type=Path, metavar="PATH",
                       help="read the source from stdin and check it as PATH (editor integrations); "
                            "config, excludes and the project context are those of PATH")
    check.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                       help="give up on a file whose analysis takes longer (reported as SC003; default 300, 0 = none)")
    check.add_argument("-w", "--watch", action="store_true",
                       help="check again whenever a Python file under the paths changes (Ctrl-C to stop)")
    check.add_argument("--fix", action="store_true", help="remove unused suppression comments (SC901) from the files")
    check.add_argument("--add-noqa", action="store_true",
                       help="add '# shapecheck: ignore[CODE]' for every current finding to the files, then exit 0")
    check.add_argument("--show-settings", action="store_true", help="print the resolved configuration of each project and exit")
    check.add_argument("--show-files", action="store_true", help="print the files that would be checked and exit")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    verbosity = check.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="timings, cache hits, skipped paths")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print findings only")

    rule = sub.add_parser("rule", help="show a rule's documentation")
    rule.add_argument("code", metavar="CODE")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--output-format", choices=("text", "json"), default="text")

    explain = sub.add_parser("explain", help="show the inferred shape of every assignment in FILE[:FUNCTION]")
    explain.add_argument("target", metavar="FILE[:FUNCTION]")
    explain.add_argument("--config", type=Path, metavar="FILE")
    explain.add_argument("--no-cache", action="store_true")

    xla = sub.add_parser("xla-map", help="list compiled (XLA) regions, the call chains into them and their off-switches")
    xla.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    xla.add_argument("--output-format", choices=("text", "json"), default="text")
    xla.add_argument("--config", type=Path, metavar="FILE")
    xla.add_argument("--no-cache", action="store_true")

    clean = sub.add_parser("clean", help="remove the .shapecheck_cache directories under PATH (default: here)")
    clean.add_argument("path", nargs="?", type=Path, default=Path("."), metavar="PATH")

    env = sub.add_parser("env", help="print the shell export of the project's runtime-mode (eval \"$(shapecheck env)\")")
    from shapecheck.infer.cli_args import add_infer_parsers

    add_infer_parsers(sub)
    for command in (check, rule, rules, explain, xla, clean, env):
        command.set_defaults(subparser=command)  # errors in a command's options show that command's usage
    return parser


def _config_args(values: list[str]) -> tuple[Path | None, tuple[str, ...]]:
    """``--config`` values: at most one configuration file, any number of ``KEY=VALUE`` overrides
    (as in Ruff: a value that names an existing file is a file, else it must be ``KEY=VALUE``)."""
    from shapecheck.cli.errors import UsageError

    files = [Path(v) for v in values if Path(v).is_file() or "=" not in v]
    if len(files) > 1:
        raise UsageError(f"--config names more than one file ({', '.join(map(str, files))}); give one")
    return (files[0] if files else None), tuple(v for v in values if not (Path(v).is_file() or "=" not in v))


def _check_options(args: argparse.Namespace) -> CheckOptions:
    from shapecheck.cli.check_command import CheckOptions
    from shapecheck.cli.selection import parse_selectors

    fmt = args.output_format or ("concise" if args.concise else "text")
    if args.timeout < 0:
        from shapecheck.cli.errors import UsageError

        raise UsageError(f"--timeout must be 0 (no limit) or positive, got {args.timeout:g}")
    if args.jobs is not None and args.jobs < 1:
        from shapecheck.cli.errors import UsageError

        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    config, config_overrides = _config_args(args.config)
    try:
        select = parse_selectors(args.select, "--select") if args.select is not None else None
        extend = parse_selectors(args.extend_select, "--extend-select")
        ignore = parse_selectors(args.ignore, "--ignore")
    except ValueError as exc:
        from shapecheck.cli.errors import UsageError

        raise UsageError(str(exc)) from None
    return CheckOptions(
        paths=list(args.paths), output_format=fmt, output_file=args.output_file, select=select,
        extend_select=extend, ignore=ignore, exit_zero=args.exit_zero, statistics=args.statistics,
        baseline=args.baseline, write_baseline=args.write_baseline, cache_dir=args.cache_dir,
        no_cache=args.no_cache, jobs=args.jobs, config=config, config_overrides=config_overrides, isolated=args.isolated,
        color=args.color, verbose=args.verbose, quiet=args.quiet, project_context=args.project_context,
        respect_gitignore=args.respect_gitignore, show_settings=args.show_settings, show_files=args.show_files,
        stdin_filename=args.stdin_filename, timeout=args.timeout, fix=args.fix, add_noqa=args.add_noqa,
        force_exclude=args.force_exclude,
    )


def run(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """The whole command line, in-process; returns the exit code and never raises."""
    argv = list(argv)
    if argv in (["--version"], ["-V"]):
        stdout.write(f"shapecheck {_version()}\n")
        return EXIT_CLEAN
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            getattr(args, "subparser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse has already printed usage and the error
        return int(exc.code) if isinstance(exc.code, int) else EXIT_ERROR
    from shapecheck.cli.errors import UsageError

    try:
        if args.command == "check":
            from shapecheck.cli.check_command import run_check

            if args.watch:
                from shapecheck.cli.watch import watch

                return watch(_check_options(args), stdout, stderr)
            return run_check(_check_options(args), stdout, stderr)
        if args.command in ("rule", "rules"):
            from shapecheck.cli.rule_command import run_rule, run_rules

            if args.command == "rule":
                return run_rule(args.code, args.output_format, stdout, stderr)
            return run_rules(args.output_format, stdout, stderr)
        if args.command == "explain":
            from shapecheck.cli.project_commands import run_explain

            return run_explain(args.target, args.config, args.no_cache, stdout, stderr)
        if args.command == "xla-map":
            from shapecheck.cli.project_commands import run_xla_map

            return run_xla_map(list(args.paths), args.output_format, args.config, args.no_cache, stdout, stderr)
        if args.command == "clean":
            from shapecheck.cli.cache import clean as clean_caches

            if not args.path.is_dir():
                raise UsageError(f"{args.path}: not a directory")
            for removed in clean_caches(args.path):
                print(f"Removed {removed}", file=stderr)
            return EXIT_CLEAN
        if args.command in ("infer", "annotate"):
            from shapecheck.infer.cli_args import run_infer_command

            return run_infer_command(args, stdout, stderr)
        if args.command == "env":
            from shapecheck.cli.project_commands import run_env

            return run_env(stdout, stderr)
        parser.print_help(stdout)
        return EXIT_CLEAN if args.command is None and not argv else EXIT_ERROR
    except UsageError as exc:
        print(f"shapecheck: error: {exc}", file=stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("shapecheck: interrupted", file=stderr)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - a bug in shapecheck: say so, briefly, exit 2
        import os
        import traceback

        print(f"shapecheck: internal error: {type(exc).__name__}: {exc}", file=stderr)
        if os.environ.get("SHAPECHECK_DEBUG"):
            traceback.print_exc(file=stderr)
        else:
            print("(set SHAPECHECK_DEBUG=1 for the traceback; please report this)", file=stderr)
        return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
