"""Summaries of unannotated function bodies: the return shape as a function of parameter shapes."""

from __future__ import annotations

import dataclasses
import re

import libcst as cst

from shapecheck.static.checker import qualname_for
from shapecheck.static.infer import Analyzer, summarise_return
from shapecheck.static.packs import KnowledgePacks
from shapecheck.static.blocks import child_blocks
from shapecheck.static.parsed import ParsedFile
from shapecheck.static.summary import ModuleSummary


# A return shape can only be described from these: dims read from parameters, literal
# shapes, or calls into contracts (see prefilter.py for the literal-shape sources).
_SHAPE_WORDS = re.compile(r"\.shape\b|\bshape\s*\(|\bget_shape\b|\b(?:zeros|ones|fill|full|empty|normal|uniform|constant|array)\s*\(")
MAX_SUMMARISED_STATEMENTS = 30  # legacy helpers are short; long functions rarely have a describable return


def summarise_bodies(parsed: ParsedFile, summary: ModuleSummary, packs: KnowledgePacks) -> None:
    """Fill ``body_return`` for functions without contracts whose return can be described."""
    if not _SHAPE_WORDS.search(parsed.source):
        return
    analyzer: Analyzer | None = None
    for d in parsed.model.outer_functions:
        path, fn, in_class, qn = d.path, d.node, d.in_class, d.qualname
        info = summary.functions.get(qn)
        # methods are reached through their class, not by qualified name: no summary needed
        if info is None or info.has_contract or in_class or not _returns_something(fn):
            continue
        if isinstance(fn.body, cst.IndentedBlock) and len(fn.body.body) > MAX_SUMMARISED_STATEMENTS:
            continue
        if analyzer is None:
            analyzer = Analyzer(parsed, None, packs, summary_mode=True)
            analyzer.register_local(summary.functions)
        class_name = qualname_for(parsed, path[:-1]) if in_class else None
        try:
            result = summarise_return(analyzer, fn, info, class_name)
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - a summary is optional knowledge: without it the return is unknown;
            continue  # the function's own check reports the failure (SC005, see isolation.py)
        if result is not None:
            summary.functions[qn] = dataclasses.replace(info, body_return=result)


def _returns_something(fn: cst.FunctionDef) -> bool:
    """Whether a ``return <value>`` appears in the function's own statements (not nested defs)."""
    return _has_value_return(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else False


def _has_value_return(body: tuple[cst.CSTNode, ...] | list[cst.CSTNode]) -> bool:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            if any(isinstance(s, cst.Return) and s.value is not None for s in stmt.body):
                return True
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        else:
            for block in child_blocks(stmt):
                if _has_value_return(block):
                    return True
    return False
