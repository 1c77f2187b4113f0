"""Run the XLA analysis on its own over files or in-memory sources (tests, benchmarks, audits).

The CLI goes through ``shapecheck.static.api``; this is the same pipeline without the SC1xx
rules and without the cross-file project: parse, collect facts, build the region map, check
every module (SC204 runs the shape interpreter over the compiled functions, as the CLI does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from libcst.metadata import MetadataWrapper

from shapecheck.findings import Finding
from shapecheck.static.dynamism import check_compiled
from shapecheck.static.packs import load_packs
from shapecheck.static.parsed import AnalysisError, ParsedFile, parse_file
from shapecheck.static.xla.check import check_module
from shapecheck.static.xla.collect import collect
from shapecheck.static.xla.facts import XlaModuleFacts
from shapecheck.static.xla.regions import RegionMap, build


@dataclass
class XlaAnalysis:
    facts: list[XlaModuleFacts]
    region_map: RegionMap
    findings: list[Finding]
    errors: list[str]  # files that could not be parsed: "path: message"


def module_name_of(relative: str) -> str:
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod`` (``__init__.py`` names its package)."""
    parts = list(Path(relative).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def analyse_sources(sources: Mapping[str, str], root: str = "") -> XlaAnalysis:
    """``sources``: relative path (``pkg/mod.py``) -> source text."""
    parsed: list[tuple[str, str, MetadataWrapper]] = []
    files: dict[str, ParsedFile] = {}
    errors: list[str] = []
    for rel, text in sources.items():
        path = str(Path(root) / rel) if root else rel
        try:
            one = parse_file(path, text)
        except AnalysisError as exc:
            errors.append(f"{path}: {exc.message} at line {exc.line}")
            continue
        files[path] = one
        parsed.append((path, module_name_of(rel), one.wrapper))
    facts: list[XlaModuleFacts] = []
    for path, name, wrapper in parsed:
        try:
            facts.append(collect(name, path, wrapper))
        except RecursionError:
            errors.append(f"{path}: too deeply nested to analyse")
        except Exception as exc:  # noqa: BLE001 - one file's crash must not hide the others' findings
            errors.append(f"{path}: internal error while collecting facts: {type(exc).__name__}: {exc}")
    region_map = build(facts)
    findings: list[Finding] = []
    for path, name, wrapper in parsed:
        try:
            findings.extend(check_module(path, name, wrapper, region_map))
            findings.extend(check_compiled(files[path], region_map, None, load_packs(), name))
        except RecursionError:
            errors.append(f"{path}: too deeply nested to analyse")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{path}: internal error while checking: {type(exc).__name__}: {exc}")
    return XlaAnalysis(facts, region_map, sorted(findings), errors)


def analyse_paths(root: Path, files: Iterable[Path] | None = None) -> XlaAnalysis:
    """Every ``*.py`` under ``root`` (or the given files), module names relative to ``root``."""
    root = Path(root)
    chosen = sorted(files) if files is not None else sorted(root.rglob("*.py"))
    sources: dict[str, str] = {}
    errors: list[str] = []
    for f in chosen:
        try:
            sources[str(f.relative_to(root))] = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{f}: cannot read: {exc}")
    result = analyse_sources(sources, str(root))
    result.errors[:0] = errors
    return result
