"""Running shape inference over a parsed file and collecting SC1xx findings."""

from __future__ import annotations

import re

import libcst as cst

from shapecheck.findings import Finding
from shapecheck.static import keras_models
from shapecheck.static.infer import Analyzer
from shapecheck.static.isolation import isolated
from shapecheck.static.packs import KnowledgePacks
from shapecheck.static.blocks import child_blocks
from shapecheck.static.parsed import ParsedFile
from shapecheck.static.prefilter import triggered_functions
from shapecheck.static.stub_contracts import checked_contracts
from shapecheck.static.summary import FunctionInfo
from shapecheck.static.values import FunctionRef, IntValue, LayerValue, Value


def qualname_for(parsed: ParsedFile, path: tuple[str, ...]) -> str:
    return ".".join((parsed.module_name, *path)) if parsed.module_name else ".".join(path)


def run_analysis(
    parsed: ParsedFile, project: object | None, packs: KnowledgePacks, analyzer: Analyzer, everything: bool = False,
    only: set[tuple[str, ...]] | None = None,
) -> list[Finding]:
    """Module-level code, then every function that has something to check.

    A function is analysed when it carries a contract or its text holds a shape source
    (``prefilter.triggered_functions``); the others can only produce unknowns. Functions
    that are skipped are still inlined when an analysed function calls them. ``only``: exactly
    these module-level functions and methods (by name path), and no layer-class checks.

    Returns the SC005 findings of functions on which the analysis itself failed (see
    ``isolation.py``); every other function is still analysed.
    """
    failures: list[Finding] = []
    infos: dict[str, FunctionInfo] = checked_contracts(parsed, packs)
    analyzer.register_local(infos)
    with isolated(failures.append, parsed.path, "shape", "<module>", lambda: (1, 1)):
        analyzer.analyse_module()
    if only is None and "compute_output_shape" in parsed.source:
        with isolated(failures.append, parsed.path, "shape", "<layer classes>", lambda: (1, 1)):
            keras_models.check_output_shapes(analyzer)
    functions = [(d.path, d.node, d.in_class) for d in parsed.model.outer_functions]
    spans = parsed.aligned_spans()
    if only is not None:
        wanted: set[tuple[str, ...]] | None = only
    elif everything or spans is None:
        wanted = None  # the token scan disagrees with the tree (never seen): analyse everything
    else:
        wanted = triggered_functions(parsed.source, _names(project), spans)
    attributes: dict[tuple[str, ...], dict[str, Value]] = {}
    for path, fn, in_class in functions:
        qn = qualname_for(parsed, path)
        info = infos.get(qn)
        if wanted is not None and path not in wanted and (only is not None or not (info is not None and info.has_contract)):
            continue
        class_name = qualname_for(parsed, path[:-1]) if in_class else None
        with isolated(failures.append, parsed.path, "shape", qn, lambda: parsed.position(fn.name)[:2]):
            closure = None
            if in_class and path[-1] != "__init__":
                owner = path[:-1]
                if owner not in attributes:
                    attributes[owner] = {}  # stays empty if the constructor's analysis fails
                    attributes[owner] = _constructor_attributes(parsed, analyzer, functions, owner, infos)
                if attributes[owner]:
                    closure = analyzer.module_env.child(attributes[owner])
            analyzer.analyse_function(fn, info, class_name, closure=closure)
    return failures


def _constructor_attributes(
    parsed: ParsedFile, analyzer: Analyzer, functions: list[tuple[tuple[str, ...], cst.FunctionDef, bool]],
    owner: tuple[str, ...], infos: dict[str, FunctionInfo],
) -> dict[str, Value]:
    """``self.x = ...`` set once in ``__init__`` and never elsewhere: layers, constants and functions
    (``self.translate = tf.function(translate, jit_compile=...)``: a call through it is a call of ``translate``).

    Keras models build their layers in ``__init__`` and apply them in ``call``; the layer's
    configuration (filters, strides, padding) is what gives ``call`` its shapes.
    """
    init = next((fn for path, fn, in_class in functions if in_class and path == (*owner, "__init__")), None)
    if init is None:
        return {}
    qn = qualname_for(parsed, (*owner, "__init__"))
    with analyzer.quiet():  # findings in __init__ come from its own analysis, not from here
        frame = analyzer.analyse_function(init, infos.get(qn), qualname_for(parsed, owner), check_returns=False)
    assigned_elsewhere = {
        key for path, fn, in_class in functions if in_class and path[:-1] == owner and path[-1] != "__init__"
        for key in _self_assignments(fn)
    }
    out: dict[str, Value] = {}
    for key, value in frame.env.items():
        if not key.startswith("self.") or key in assigned_elsewhere:
            continue
        if isinstance(value, (LayerValue, FunctionRef)) or (
                isinstance(value, IntValue) and value.expr is not None and value.expr.const_value is not None):
            out[key] = value
    return out


def _self_assignments(fn: cst.FunctionDef) -> set[str]:
    """``self.x`` targets assigned anywhere in a method (a cheap statement-level scan)."""
    found: set[str] = set()

    def visit(body: tuple[cst.CSTNode, ...] | list[cst.CSTNode]) -> None:
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    targets: list[cst.BaseExpression] = []
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                        targets = [small.target]
                    for t in targets:
                        if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self":
                            found.add(f"self.{t.attr.value}")
            else:
                for block in child_blocks(stmt):
                    visit(block)

    if isinstance(fn.body, cst.IndentedBlock):
        visit(fn.body.body)
    return found


def _names(project: object | None) -> re.Pattern[str] | None:
    getter = getattr(project, "names_pattern", None)
    return getter() if getter is not None else None


def check_parsed(parsed: ParsedFile, project: object | None, packs: KnowledgePacks) -> list[Finding]:
    return check_parsed_with_lookups(parsed, project, packs)[0]


def check_parsed_with_lookups(parsed: ParsedFile, project: object | None, packs: KnowledgePacks) -> tuple[list[Finding], frozenset[str]]:
    """Findings, and the names the analysis looked up in the project (see ModuleSummary)."""
    analyzer = Analyzer(parsed, project, packs)
    failures = run_analysis(parsed, project, packs, analyzer)
    return analyzer.finish() + failures, frozenset(analyzer.external_lookups)
