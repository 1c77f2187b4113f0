"""Running shape inference over a parsed file and collecting SC1xx findings."""

from __future__ import annotations

import re
from typing import Iterator

import libcst as cst

from shapecheck.findings import Finding
from shapecheck.static.infer import Analyzer
from shapecheck.static.packs import KnowledgePacks
from shapecheck.static.parsed import ParsedFile, _blocks
from shapecheck.static.prefilter import triggered_functions
from shapecheck.static.signatures import collect_functions
from shapecheck.static.summary import FunctionInfo


def iter_outer_functions(
    body: tuple[cst.CSTNode, ...] | list[cst.CSTNode], prefix: tuple[str, ...] = (), in_class: bool = False
) -> Iterator[tuple[tuple[str, ...], cst.FunctionDef, bool]]:
    """Module-level functions and methods (functions nested in functions are analysed in place)."""
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef):
            yield (*prefix, stmt.name.value), stmt, in_class
        elif isinstance(stmt, cst.ClassDef):
            inner = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ()
            yield from iter_outer_functions(inner, (*prefix, stmt.name.value), True)
        elif isinstance(stmt, (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While)):
            for block in _blocks(stmt):
                yield from iter_outer_functions(block, prefix, in_class)


def qualname_for(parsed: ParsedFile, path: tuple[str, ...]) -> str:
    return ".".join((parsed.module_name, *path)) if parsed.module_name else ".".join(path)


def run_analysis(
    parsed: ParsedFile, project: object | None, packs: KnowledgePacks, analyzer: Analyzer, everything: bool = False
) -> None:
    """Module-level code, then every function that has something to check.

    A function is analysed when it carries a contract or its text holds a shape source
    (``prefilter.triggered_functions``); the others can only produce unknowns. Functions
    that are skipped are still inlined when an analysed function calls them.
    """
    infos: dict[str, FunctionInfo] = collect_functions(parsed)
    analyzer.register_local(infos)
    analyzer.analyse_module()
    wanted = None if everything else triggered_functions(parsed.source, _names(project))
    for path, fn, in_class in iter_outer_functions(parsed.module.body):
        qn = qualname_for(parsed, path)
        info = infos.get(qn)
        if wanted is not None and path not in wanted and not (info is not None and info.has_contract):
            continue
        class_name = qualname_for(parsed, path[:-1]) if in_class else None
        analyzer.analyse_function(fn, info, class_name)


def _names(project: object | None) -> re.Pattern[str] | None:
    getter = getattr(project, "names_pattern", None)
    return getter() if getter is not None else None


def check_parsed(parsed: ParsedFile, project: object | None, packs: KnowledgePacks) -> list[Finding]:
    return check_parsed_with_lookups(parsed, project, packs)[0]


def check_parsed_with_lookups(parsed: ParsedFile, project: object | None, packs: KnowledgePacks) -> tuple[list[Finding], frozenset[str]]:
    """Findings, and the names the analysis looked up in the project (see ModuleSummary)."""
    analyzer = Analyzer(parsed, project, packs)
    run_analysis(parsed, project, packs, analyzer)
    return analyzer.finish(), frozenset(analyzer.external_lookups)
