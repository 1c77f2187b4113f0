"""Running shape inference over a parsed file and collecting SC1xx findings."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from shapecheck.findings import Finding
from shapecheck.static.infer import Analyzer
from shapecheck.static.packs import KnowledgePacks
from shapecheck.static.parsed import ParsedFile, _blocks
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


def run_analysis(parsed: ParsedFile, project: object | None, packs: KnowledgePacks, analyzer: Analyzer) -> None:
    infos: dict[str, FunctionInfo] = collect_functions(parsed)
    analyzer.register_local(infos)
    analyzer.analyse_module()
    for path, fn, in_class in iter_outer_functions(parsed.module.body):
        qn = qualname_for(parsed, path)
        class_name = qualname_for(parsed, path[:-1]) if in_class else None
        analyzer.analyse_function(fn, infos.get(qn), class_name)


def check_parsed(parsed: ParsedFile, project: object | None, packs: KnowledgePacks) -> list[Finding]:
    analyzer = Analyzer(parsed, project, packs)
    run_analysis(parsed, project, packs, analyzer)
    return analyzer.finish()
