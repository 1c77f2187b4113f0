"""XLA dynamism (SC204) as a check on the shape interpreter's values.

Inside a compiled region, some ops give a *bounded-dynamic* dim: a size XLA only bounds at
compile time and sets at run time (``boolean_mask``, ``tf.where(c)``, ``unique``,
``dynamic_partition``, a slice whose bound is tensor data). The interpreter (``infer.py``,
``ops.py``) makes each such dim a fresh symbol and keeps its ``DimSource``
(``Analyzer.dynamic_dim``); the symbol then flows like any dim, through reassignment,
closures, helpers in this file or another, and the ops that keep or move it. Here, at each op
a compiled function applies, an operand whose dim carries such a symbol is reported when the
op is one XLA's dynamic padder cannot take (``rules/packs/xla_ops.toml``,
``[dynamic_dim_consumers]``), with the chain back to where the dim was made.

``check_compiled`` runs the interpreter over the compiled functions of one file (phase 2:
only then are the compiled regions known) and keeps only SC204.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import libcst as cst

from shapecheck.findings import Finding
from shapecheck.static.args import CallArgs
from shapecheck.static.values import DimSource, Origin, Tensor, Value

if TYPE_CHECKING:
    from shapecheck.static.infer import Analyzer
    from shapecheck.static.packs import KnowledgePacks
    from shapecheck.static.parsed import ParsedFile
    from shapecheck.static.xla.regions import RegionMap

CODE = "SC204"


def dynamic_dims(analyzer: Analyzer, t: Tensor) -> Iterator[tuple[int, DimSource]]:
    """(axis, source) of each bounded-dynamic dim of ``t`` (its leading dims when the rank is unknown)."""
    dims = t.dims if t.dims is not None else t.prefix
    for axis, d in enumerate(dims):
        if d is None:
            continue
        for name in d.names():
            source = analyzer.dynamic.get(name)
            if source is not None:
                yield axis, source


def check_op(analyzer: Analyzer, qualname: str, args: CallArgs, node: cst.CSTNode) -> None:
    """An op applied in a compiled region: report operands whose bounded-dynamic dims it rejects."""
    from shapecheck.static.xla.ops_pack import default_pack

    pack = default_pack()
    for value, arg_node in (*args.positional, *args.keywords.values()):
        if isinstance(value, Tensor):
            _check_operand(analyzer, qualname, value, arg_node, node, lambda src: pack.is_consumer(qualname, src.sliced))


def check_matmul_operator(analyzer: Analyzer, left: Value, right: Value, node: cst.CSTNode) -> None:
    """``a @ b``: a dot, rejected like ``tf.matmul`` when the pack says so."""
    from shapecheck.static.xla.ops_pack import default_pack

    pack = default_pack()
    if not pack.matmul_operator or not isinstance(node, cst.BinaryOperation):
        return
    for value, arg_node in ((left, node.left), (right, node.right)):
        if isinstance(value, Tensor):
            _check_operand(analyzer, "`@`", value, arg_node, node, lambda src: pack.is_consumer("tensorflow.matmul", src.sliced))


def _check_operand(analyzer: Analyzer, op: str, value: Tensor, arg_node: cst.CSTNode, node: cst.CSTNode,
                   rejects: object) -> None:
    for axis, source in dynamic_dims(analyzer, value):
        if source.key in analyzer.blamed or not rejects(source):  # type: ignore[operator]
            continue
        analyzer.blamed.add(source.key)
        short = op.replace("tensorflow.", "tf.")
        text = analyzer.parsed.module.code_for_node(arg_node).strip()
        text = text if len(text) <= 40 else text[:37] + "..."
        which = f"dim {axis}" if value.dims is not None else f"leading dim {axis}"
        made = _place(analyzer, source)
        here = _here(analyzer, node)
        cause = ("a slice whose bounds are tensor data" if source.sliced
                 else "an op whose output size depends on tensor values")
        notes: list[Origin | str] = [*(analyzer.region or ()), f"{made}: {source.what} makes a bounded-dynamic dim ({cause})",
                                     *value.origins]
        analyzer.report(
            CODE, node,
            f"{short} in a compiled region receives a bounded-dynamic dimension: {which} of `{text}` comes from "
            f"{source.what} ({made}) -> {short} ({here}); XLA's dynamic padder cannot propagate it into this op "
            "(\"Asked to propagate a dynamic dimension ... to hlo fft\", dynamic_padder RET_CHECK): pad to a static "
            "maximum and mask, or move the data-dependent step out of the compiled function",
            notes)


def _place(analyzer: Analyzer, source: DimSource) -> str:
    line = source.line() if source.line is not None else None
    if source.path == str(analyzer.parsed.path):
        return f"line {line}" if line else "here"
    return f"{source.path}:{line}" if line else str(source.path)


def _here(analyzer: Analyzer, node: cst.CSTNode) -> str:
    line = analyzer.parsed.line_of(node)
    if analyzer._call_site is None:
        return f"line {line}" if line else "here"
    return f"{analyzer.parsed.path}:{(line or 0) + analyzer._line_offset()}"


def check_compiled(parsed: ParsedFile, region_map: RegionMap | None, project: object | None,
                   packs: KnowledgePacks, module_name: str | None = None) -> list[Finding]:
    """SC204 in the compiled functions of one file (none when the file has no compiled function)."""
    from shapecheck.static.checker import run_analysis
    from shapecheck.static.infer import Analyzer
    from shapecheck.static.xla.check import in_test_file, region_notes

    if region_map is None:
        return []
    key = region_map.module_key(module_name or parsed.module_name, parsed.path)
    compiled = {qn for qn in region_map.module_functions.get(key, ()) if qn in region_map.compiled}
    if not compiled:
        return []
    analyzer = Analyzer(parsed, project, packs)
    analyzer.codes = frozenset({CODE})
    tops = {d.path for d in parsed.model.outer_functions}
    outer: set[tuple[str, ...]] = set()
    for d in parsed.model.functions:
        path = d.path
        qn = ".".join((key, *path)) if key else ".".join(path)
        if qn not in compiled:
            continue
        analyzer.compiled_fns[id(d.node)] = region_notes(region_map, qn)
        outer.update(path[:k] for k in range(1, len(path) + 1) if path[:k] in tops)
    failures = run_analysis(parsed, project, packs, analyzer, only=outer)
    return in_test_file(str(parsed.path), analyzer.finish() + failures)
