"""One parsed file: the libcst module, its single ``MetadataWrapper``, and lazily resolved metadata.

Metadata is resolved only when asked for, once per file: positions when there is something
to report or explain, qualified names when a function is actually analysed.
"""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper

from shapecheck.static.guard import TokenScan, check_source
from shapecheck.static.file_model import FileModel, file_model
from shapecheck.static.imports import ImportTable
from shapecheck.static.lines import FunctionSpan, outer_functions
from shapecheck.static.modnames import module_name_for
from shapecheck.static.node_positions import NodePositions


# How many times each parser ran in this process (the speed benchmark reports parses per file).
PARSES: Counter[str] = Counter()


class AnalysisError(Exception):
    """Input the analyser cannot read at all (syntax error, nesting too deep)."""

    def __init__(self, path: str, line: int, col: int, message: str, code: str = "SC001") -> None:
        self.path = path
        self.line = line
        self.col = col
        self.message = message
        self.code = code  # SC001: not Python; SC003: Python the analyser cannot take
        super().__init__(f"{path}:{line}:{col}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        return (AnalysisError, (self.path, self.line, self.col, self.message, self.code))


@dataclass
class ParsedFile:
    path: str
    source: str
    module: cst.Module
    wrapper: MetadataWrapper
    module_name: str
    is_package: bool
    scan: TokenScan = field(default_factory=TokenScan, repr=False)  # the guard's: logical lines, strings, comments
    _positions: object = field(default=None, repr=False)
    memo: dict[str, object] = field(default_factory=dict, repr=False)  # per-file facts, derived once

    def function_spans(self) -> list[FunctionSpan]:
        """Module-level functions and methods with their lines, from the token scan (no parser)."""
        spans = self.memo.get("spans")
        if spans is None:
            self.memo["spans"] = spans = outer_functions(self.source, self.scan.logical_lines)
        return spans  # type: ignore[return-value]

    def aligned_spans(self) -> list[FunctionSpan] | None:
        """The spans of the model's ``outer_functions``, one for one; None when the token scan and the
        tree disagree on them (never seen; callers then take the slow, exact way)."""
        spans = self.function_spans()
        if [s.path for s in spans] != [d.path for d in self.model.outer_functions]:
            return None
        return spans

    def lines_text(self, first: int, last: int) -> str:
        """Lines ``first`` to ``last`` (1-based, as the token scan counts them) of the parsed text."""
        lines = self.memo.get("lines")
        if lines is None:
            self.memo["lines"] = lines = self.source.split("\n")
        return "".join(f"{line}\n" for line in lines[first - 1:last])  # type: ignore[index]

    def text_index(self) -> tuple[str, TokenScan]:
        """The parsed text with the guard's token scan of it (positions without a second parser)."""
        return self.source, self.scan

    @property
    def positions(self) -> NodePositions:
        """Node positions, regenerating only the top-level statements asked about."""
        if self._positions is None:
            self._positions = NodePositions(self.module, self.wrapper, self.source, self.scan)
        return self._positions  # type: ignore[return-value]

    def position(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """1-based (line, col, end_line, end_col) of ``node``."""
        rng: CodeRange | None = self.positions.get(node)  # type: ignore[attr-defined]
        if rng is None:
            return 1, 1, 1, 1
        return rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1

    def line_of(self, node: cst.CSTNode | None) -> int | None:
        if node is None:
            return None
        rng = self.positions.get(node)  # type: ignore[attr-defined]
        return rng.start.line if rng is not None else None

    def qualname(self, node: cst.CSTNode) -> str | None:
        """The qualified name a ``Name``/``Attribute`` chain refers to through this module's imports.

        Measured on the installed keras sources, libcst's ``QualifiedNameProvider`` costs about
        8x the parse of a file and ``ScopeProvider`` 4x, against a 1.5x budget for the whole
        lint; so names are resolved from one pass over the import statements instead, and
        locals that shadow an import are handled by the analyser's own environment, which is
        consulted first.
        """
        return self.imports().resolve_or_text(node)

    @property
    def model(self) -> FileModel:
        """The file's semantic model (imports, definitions, globals, contracts), shared by every rule."""
        model = self.memo.get("model")
        if model is None:  # held here for as long as the tree lives (file_model keeps only the last few)
            self.memo["model"] = model = file_model(self.module, self.module_name, self.is_package)
        return model  # type: ignore[return-value]

    def imports(self) -> ImportTable:
        """The file's one import table (its model's)."""
        return self.model.imports


def _parse_without_gc(source: str) -> cst.Module:
    """``cst.parse_module`` with the cycle collector paused.

    A libcst tree is millions of small acyclic objects (reference counting frees them);
    while they are built, every allocation threshold triggers a collection that walks all
    live objects, which in a whole-tree run include every summary so far. Measured on 150
    keras files with earlier trees alive: 4.8 s with the collector, 3.3 s without.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return cst.parse_module(source)
    finally:
        if was_enabled:
            gc.enable()


def parse_file(path: str | Path, source: str) -> ParsedFile:
    """Parse ``source``; raises :class:`AnalysisError` for code libcst cannot (safely) read.

    The token-level guard (``guard.py``) runs first, instead of a second parser, to refuse
    what would make libcst's native parser recurse without bound.
    """
    spath = str(path)
    scan = TokenScan()
    problem = check_source(source, scan)
    if problem is not None:
        raise AnalysisError(spath, problem.line, problem.col, problem.message, code=problem.code)
    PARSES["libcst"] += 1
    try:
        module = _parse_without_gc(source)
    except cst.ParserSyntaxError as exc:
        # CPython's own parser names the cause better ("'(' was never closed") and where it starts
        try:
            compile(source, spath, "exec", dont_inherit=True, flags=0x400)  # ast.PyCF_ONLY_AST
        except SyntaxError as py_exc:
            if py_exc.lineno:
                raise AnalysisError(spath, py_exc.lineno, py_exc.offset or 1, f"syntax error: {py_exc.msg}") from None
        except (ValueError, RecursionError, MemoryError):
            pass
        else:
            # valid Python that libcst's parser does not take (e.g. a backslash continuation
            # before an indented line): not the author's error, so not SC001
            raise AnalysisError(
                spath, exc.editor_line, exc.editor_column,
                f"valid Python that the analyser's parser (libcst) cannot read ({exc.message}); "
                "the file was not checked", code="SC003",
            ) from None
        raise AnalysisError(spath, exc.editor_line, exc.editor_column, f"syntax error: {exc.message}") from None
    except RecursionError:
        raise AnalysisError(spath, 1, 1, "too deeply nested to parse", code="SC003") from None
    except Exception as exc:  # libcst raises a few other types for exotic input
        raise AnalysisError(spath, 1, 1, f"cannot parse: {exc}") from None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    p = Path(spath)
    return ParsedFile(spath, source, module, wrapper, module_name_for(p), p.name == "__init__.py", scan)
