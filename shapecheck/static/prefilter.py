"""Cheap text tests that decide whether a file can produce any SC004/SC1xx finding at all.

A finding needs a *source* of shape knowledge: a contract annotation, a constructor or
literal with a literal shape, a call to something with a contract (project function, stub,
contracted layer class), a Keras ``Input``, or one of the silent-broadcast patterns of SC106.
Files with none of these are not parsed again by ``check_module`` (the summary pass already
parsed them once): that is what keeps the whole-tree lint near the parse time.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterable

from shapecheck.static.annotation_contracts import DTYPE_ANNOTATORS
from shapecheck.static.guard import TokenScan, check_source
from shapecheck.static.lines import FunctionPath, FunctionSpan, outer_functions

_BASE_PATTERNS = (
    # contract annotations (also where SC004 can fire)
    r"\b(?:" + "|".join(sorted(DTYPE_ANNOTATORS)) + r")\s*\[",
    r"\bShape\s*\(\s*[rbuRBU]?['\"]",
    # constructors and literals with literal shapes
    r"\b(?:zeros|ones|empty|full|fill|normal|uniform|truncated_normal|constant|array|asarray"
    r"|convert_to_tensor|Variable|stateless_normal|stateless_uniform)\s*\(\s*[\(\[]",
    r"\b(?:randn|rand)\s*\(\s*\d",
    r"\bensure_shape\s*\(",
    r"\bInput\s*\(",
    # Keras: a layer's declared output shape (SC107), a Sequential's declared input
    r"\bcompute_output_shape\b|\binput_shape\s*=",
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


_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]", re.M)
SMALL_FILE_FUNCTIONS = 12


def triggered_functions(source: str, names: re.Pattern[str] | None, spans: list[FunctionSpan] | None = None) -> set[FunctionPath] | None:
    """Module-level functions and methods whose text holds a shape source, by name path.

    ``None`` means "could not tell: analyse everything". ``spans`` are the file's functions with
    their lines (``lines.outer_functions``; the parsed file's, or made here from the guard's
    token scan): no parser runs, so that functions with nothing to check are never walked.
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
    if spans is None:
        scan = TokenScan()
        if check_source(source, scan) is not None:
            return None
        spans = outer_functions(source, scan.logical_lines)
    out: set[FunctionPath] = set()
    for span in spans:
        i = bisect.bisect_left(hits, span.start)
        if i < len(hits) and hits[i] <= span.end:
            out.add(span.path)
    return out
