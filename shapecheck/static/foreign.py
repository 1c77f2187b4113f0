"""Bodies of short unannotated helpers in other modules, analysed at each call site.

A return summary (``bodies.py``) says what a helper returns; it cannot say that the helper
*fails* for the arguments one caller passes (a swapped argument whose rank or dims conflict
inside the helper). So a short module-level function without contracts keeps its own text
in the module summary (picklable: a string): the module's import statements, then the
function. At a call site with something known about the arguments, that text is parsed
(once per process) and analysed with the caller's argument values, to a bounded depth; a
conflict inside is reported at the call, with the line inside the helper as a note.
"""

from __future__ import annotations

import dataclasses
import hashlib

import libcst as cst

from shapecheck.static.lines import DEF_HEAD
from shapecheck.static.parsed import AnalysisError, ParsedFile, parse_file
from shapecheck.static.summary import ModuleSummary

# Helpers worth re-analysing per call are short; long functions are analysed once, on their own.
MAX_INLINED_STATEMENTS = 30


@dataclasses.dataclass(frozen=True)
class ForeignBody:
    """A function's text with its module's imports; ``line_offset`` maps its lines back to the file."""

    path: str  # the file the function is in
    text: str
    line_offset: int  # line in the file = line in ``text`` + line_offset
    name: str


def store_bodies(parsed: ParsedFile, summary: ModuleSummary) -> None:
    """Give short unannotated module-level functions of ``parsed`` their ``body`` text."""
    header: str | None = None
    spans = parsed.aligned_spans()
    for i, d in enumerate(parsed.model.outer_functions):
        path, fn, in_class, qn = d.path, d.node, d.in_class, d.qualname
        if in_class or len(path) != 1 or not isinstance(fn.body, cst.IndentedBlock):
            continue
        if len(fn.body.body) > MAX_INLINED_STATEMENTS:
            continue
        info = summary.functions.get(qn)
        if info is None or (info.has_contract and info.hint is None) or not _returns_value(fn):
            continue
        if header is None:
            # the module's imports (the import table's own list of them), one per line
            header = "".join(f"{parsed.module.code_for_node(s)}\n" for s in parsed.imports().module_statements)
        # from the `def` line (decorators left out): the lines the token scan gives, else regenerated
        code = parsed.lines_text(spans[i].def_line, spans[i].end) if spans is not None else ""
        line: int | None = spans[i].def_line if spans is not None else None
        head = DEF_HEAD.match(code)
        if head is None or head.group(3) != fn.name.value:
            line = parsed.line_of(fn.name)
            if line is None:
                continue
            code = parsed.module.code_for_node(fn.with_changes(leading_lines=(), decorators=()))
        text = header + code
        offset = line - (header.count("\n") + 1)
        summary.functions[qn] = dataclasses.replace(info, body=ForeignBody(parsed.path, text, offset, fn.name.value))


def _returns_value(fn: cst.FunctionDef) -> bool:
    from shapecheck.static.bodies import _returns_something

    return _returns_something(fn)


_PARSED: dict[tuple[str, str], tuple[ParsedFile, cst.FunctionDef] | None] = {}


def parsed_body(body: ForeignBody) -> tuple[ParsedFile, cst.FunctionDef] | None:
    """The helper's text parsed (once per process), with its ``def`` node."""
    path = body.path
    key = (path, hashlib.sha256(body.text.encode("utf-8", "surrogatepass")).hexdigest())
    if key in _PARSED:
        return _PARSED[key]
    hit: tuple[ParsedFile, cst.FunctionDef] | None = None
    try:
        parsed = parse_file(path, body.text)
    except AnalysisError:
        parsed = None
    if parsed is not None:
        fn = next((s for s in parsed.module.body if isinstance(s, cst.FunctionDef) and s.name.value == body.name), None)
        hit = (parsed, fn) if fn is not None else None
    if len(_PARSED) > 4096:
        _PARSED.clear()
    _PARSED[key] = hit
    return hit
