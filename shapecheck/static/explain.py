"""``shapecheck explain``: the source with what the analyser believes beside each assignment."""

from __future__ import annotations

import libcst as cst

from shapecheck.static.checker import run_analysis
from shapecheck.static.infer import Analyzer
from shapecheck.static.packs import KnowledgePacks
from shapecheck.static.parsed import ParsedFile
from shapecheck.static.values import IntValue, Sequence_, ShapeVector, Tensor, Value, describe


def _informative(value: Value) -> bool:
    if isinstance(value, Tensor):
        return value.dims is not None or bool(value.prefix)
    if isinstance(value, IntValue):
        return value.expr is not None
    if isinstance(value, ShapeVector):
        return value.dims is not None
    if isinstance(value, Sequence_):
        return any(_informative(v) for v in value.items)
    return False


def explain_parsed(parsed: ParsedFile, function: str | None, project: object | None, packs: KnowledgePacks) -> str:
    lines = parsed.source.splitlines()
    span: tuple[int, int] | None = None
    if function is not None:
        span = _function_span(parsed, function)

    records: dict[int, dict[str, str]] = {}
    analyzer = Analyzer(parsed, project, packs)

    def record(stmt: cst.CSTNode, target: str, value: Value) -> None:
        if analyzer.inlining or not _informative(value):
            if not analyzer.inlining:
                records.setdefault(parsed.position(stmt)[2], {}).pop(target, None)
            return
        end_line = parsed.position(stmt)[2]
        records.setdefault(end_line, {})[target] = describe(value)

    analyzer.record = record
    run_analysis(parsed, project, packs, analyzer, everything=True)

    out: list[str] = []
    first, last = span if span is not None else (1, len(lines))
    for number in range(first, last + 1):
        text = lines[number - 1] if number - 1 < len(lines) else ""
        notes = records.get(number)
        if notes:
            if len(notes) == 1:
                shape = next(iter(notes.values()))
            else:
                shape = ", ".join(f"{k}: {v}" for k, v in notes.items())
            text = f"{text}    # {shape}"
        out.append(text)
    return "\n".join(out) + "\n"


def _function_span(parsed: ParsedFile, function: str) -> tuple[int, int]:
    wanted = tuple(function.split("."))
    available: list[str] = []
    for d in parsed.model.functions:
        path, fn = d.path, d.node
        available.append(".".join(path))
        if path == wanted:
            start, _c, end, _e = parsed.position(fn)
            for dec in fn.decorators:
                start = min(start, parsed.position(dec)[0])
            return start, end
    raise ValueError(
        f"no function {function!r} in {parsed.path}; functions there: " + (", ".join(available) if available else "(none)")
    )

