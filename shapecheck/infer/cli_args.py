"""Arguments of ``shapecheck infer`` and ``shapecheck annotate`` (kept light: parsed on every run)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO


def _packages(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def add_infer_parsers(sub: Any) -> None:
    infer = sub.add_parser(
        "infer", help="record the shapes a command passes through a package and propose contracts (stub pack)",
        description="Run COMMAND with a recording import hook and generalise the shapes seen into contracts. "
                    "Example: shapecheck infer --packages mypkg -o mypkg_stubs.toml -- python -m pytest tests/",
    )
    infer.add_argument("--packages", type=_packages, action="extend", default=[], metavar="PKG[,PKG]",
                       help="the packages whose functions and Keras layer calls are recorded")
    infer.add_argument("-o", "--output", type=Path, default=Path("shapecheck_inferred.toml"), metavar="FILE",
                       help="the stub pack to write (default: shapecheck_inferred.toml)")
    infer.add_argument("--report", type=Path, metavar="FILE", help="also write the report as JSON")
    infer.add_argument("--observations", type=Path, metavar="FILE", help="save the raw observations (JSON)")
    infer.add_argument("--from-observations", type=Path, action="append", metavar="FILE",
                       help="generalise saved observations instead of running a command (repeatable)")
    infer.add_argument("--include-private", action="store_true", help="also propose contracts for _private functions")
    infer.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- COMMAND ...")

    annotate = sub.add_parser(
        "annotate", help="write a stub pack's contracts into the source as annotations (dry run by default)",
        description="Add contract annotations (and @check) from PACK to the functions it names. Prints a diff; "
                    "--apply writes the files. Existing annotations are never overwritten.",
    )
    annotate.add_argument("pack", type=Path, metavar="PACK")
    annotate.add_argument("--apply", action="store_true", help="write the changes (default: print a diff)")
    annotate.add_argument("--root", type=Path, action="append", metavar="DIR",
                          help="where the packages' sources live (repeatable; default: the current directory, "
                               "then the project root above it and its src/)")


def default_roots(cwd: Path) -> list[Path]:
    """Where ``annotate`` looks for sources without ``--root``: ``cwd``, then the project root
    above it (the nearest ``pyproject.toml`` or ``.git``, as ``check`` finds it) and its ``src/``
    (the src layout), so that it works from any subdirectory of a project."""
    from shapecheck.cli.config import SettingsResolver

    roots = [cwd]
    project = SettingsResolver(cwd=cwd).marker_root(cwd.resolve())
    if project is not None:
        roots += [project, project / "src"]
    return [r for i, r in enumerate(roots) if r.is_dir() and r not in roots[:i]]


def run_infer_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.command == "annotate":
        from shapecheck.infer.annotate import run_annotate

        return run_annotate(args.pack, args.root or default_roots(Path.cwd()), args.apply, stdout, stderr)
    from shapecheck.infer.command import InferOptions, run_infer

    command = list(args.cmd)
    if command[:1] == ["--"]:
        command = command[1:]
    return run_infer(
        InferOptions(args.packages, command, args.output, args.report, args.observations, args.from_observations,
                     args.include_private),
        stdout, stderr,
    )
