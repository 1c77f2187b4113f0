"""Cheap text tests that decide whether a file can produce any SC004/SC1xx finding at all.

A finding needs a *source* of shape knowledge: a contract annotation, a constructor or
literal with a literal shape, a call to something with a contract (project function, stub,
contracted layer class), a Keras ``Input``, or one of the silent-broadcast patterns of SC106.
Files with none of these are not parsed again by ``check_module`` (the summary pass already
parsed them once): that is what keeps the whole-tree lint near the parse time.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import Callable, Iterable

from shapecheck.static.annotation_contracts import DTYPE_ANNOTATORS

_BASE_PATTERNS = (
    # contract annotations (also where SC004 can fire)
    r"\b(?:" + "|".join(sorted(DTYPE_ANNOTATORS)) + r")\s*\[",
    r"\bShape\s*\(\s*[rbuRBU]?['\"]",
    # constructors and literals with literal shapes
    r"\b(?:zeros|ones|empty|full|fill|normal|uniform|truncated_normal|constant|array|asarray"
    r"|convert_to_tensor|Variable|stateless_normal|stateless_uniform)\s*\(\s*[\(\[]",
    r"\b(?:randn|rand)\s*\(\s*\d",
    r"\bensure_shape\s*\(",
    r"\bsize\s*=\s*[\(\[]|\br?fftfreq\s*\(",  # NumPy samplers' ``size=(...)``, frequency axes
    r"\bInput\s*\(",
    # SC106: cyclic gathers and ratio repeats
    r"\brange\s*\([^\n]*%",
    r"\bfloormod\b|\bmath\.mod\s*\(",
    r"\b(?:repeat|tile)\s*\([^\n]*//",
    # SC105: branches and loop bodies whose shapes are compared
    r"\b(?:cond|case|switch_case|while_loop)\s*\(",
)
_BASE = re.compile("|".join(_BASE_PATTERNS))


def base_pattern() -> re.Pattern[str]:
    return _BASE


def names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """Calls of any of ``names`` (last components of contracted callables), or the names passed
    on as a callable: ``tf.function(translate)`` makes a call of ``translate`` under another name."""
    words = sorted({n for n in names if n.isidentifier()})
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\s*[(),]")


def may_have_shape_findings(source: str, names: re.Pattern[str] | None) -> bool:
    if _BASE.search(source):
        return True
    return bool(names is not None and names.search(source))


FunctionPath = tuple[str, ...]
_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]", re.M)
SMALL_FILE_FUNCTIONS = 12


def triggered_functions(
    source: str, names: re.Pattern[str] | None, line_index: Callable[[], ast.Module | None] | None = None,
) -> set[FunctionPath] | None:
    """Module-level functions and methods whose text holds a shape source, by name path.

    ``None`` means "could not tell: analyse everything". Uses the standard library's
    ``ast`` only as a line index (about a sixth of libcst's parse time), so that functions
    with nothing to check are never walked by the analyser.
    """
    hits: list[int] = []
    line_starts = [0]
    pos = source.find("\n")
    while pos != -1:
        line_starts.append(pos + 1)
        pos = source.find("\n", pos + 1)
    for pattern in (_BASE, names):
        if pattern is None:
            continue
        for m in pattern.finditer(source):
            hits.append(bisect.bisect_right(line_starts, m.start()))
    if not hits:
        return set()
    hits.sort()
    if len(_DEF.findall(source)) <= SMALL_FILE_FUNCTIONS:
        return None  # few functions: analysing them all costs less than finding which to skip
    if line_index is not None:
        tree = line_index()  # the parsed file's shared index: no parse of its own
    else:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
    if tree is None:
        return None
    out: set[FunctionPath] = set()
    for path, start, end in _outer_functions(tree.body, ()):
        i = bisect.bisect_left(hits, start)
        if i < len(hits) and hits[i] <= end:
            out.add(path)
    return out


def _outer_functions(body: list[ast.stmt], prefix: FunctionPath) -> Iterable[tuple[FunctionPath, int, int]]:
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
            yield (*prefix, stmt.name), start, stmt.end_lineno or stmt.lineno
        elif isinstance(stmt, ast.ClassDef):
            yield from _outer_functions(stmt.body, (*prefix, stmt.name))
        elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            for block in (stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])):
                yield from _outer_functions(block, prefix)
            for handler in getattr(stmt, "handlers", []):
                yield from _outer_functions(handler.body, prefix)
