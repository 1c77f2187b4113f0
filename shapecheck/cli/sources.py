"""Reading a source file safely: decoding (SC002) and a pre-flight parse (SC001, SC003).

The pre-flight uses CPython's own parser (``ast``, in C, fast): it gives precise syntax
error positions and rejects the inputs that would make libcst recurse without bound or
take minutes (measured here with libcst 1.9: a left-deep ``1+1+…`` chain of 8 000 terms
segfaults the native parser and 2 000 terms take 1.5 s; a 400 kB list literal takes 18 s).
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from dataclasses import dataclass

from shapecheck.findings import Finding

MAX_FILE_CHARS = 8_000_000  # a whole file
MAX_EXPRESSION_CHARS = 100_000  # one expression (header, argument, right-hand side ...)
MAX_EXPRESSION_DEPTH = 300  # syntax-tree nesting inside one expression
_DEPTH_CHECK_FROM = 1_000  # expressions shorter than this cannot nest deeper than the limit


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def decode(data: bytes, display: str) -> Decoded | Finding:
    """Text of ``data`` (PEP 263 coding cookie honoured, UTF-8 by default) or an SC002 finding."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in str(exc):
            return Finding(display, getattr(exc, "lineno", None) or 1, 1, "SC002", f"cannot decode: {exc.msg}")
        encoding = "utf-8"  # bad bytes in the first two lines: let the decoder say where
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        bad = data[exc.start : exc.end][:4].hex(" ")
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        return Finding(
            display, line, col, "SC002",
            f"not valid {name}: byte(s) {bad} at line {line}, column {col} cannot be decoded ({exc.reason}); "
            "save the file as UTF-8 or declare its encoding with a '# -*- coding: ... -*-' line",
        )
    except LookupError:
        return Finding(display, 1, 1, "SC002", f"cannot decode: unknown encoding {encoding!r}")
    if encoding == "utf-8-sig" and text.startswith("\ufeff"):
        text = text[1:]
    nul = text.find("\0")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        col = nul - (text.rfind("\n", 0, nul) + 1) + 1
        return Finding(display, line, col, "SC002", f"contains a NUL byte at line {line}, column {col}: binary data, not Python source")
    return Decoded(text, encoding)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def _depth(node: ast.AST, limit: int) -> int:
    """Nesting depth of ``node``'s subtree, stopping early once past ``limit``."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(current))
    return deepest


def _too_big(tree: ast.Module, text: str, display: str) -> Finding | None:
    starts = _line_starts(text)

    def span(node: ast.AST) -> int:
        try:
            begin = starts[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
            end = starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        except (AttributeError, IndexError, TypeError):
            return 0
        return end - begin

    def check_part(part: ast.AST) -> Finding | None:
        if isinstance(part, ast.Constant):  # one token, however long: cheap for any parser
            return None
        if not hasattr(part, "lineno"):
            for child in ast.iter_child_nodes(part):
                found = check_part(child)
                if found is not None:
                    return found
            return None
        size = span(part)
        line, col = part.lineno, part.col_offset + 1  # type: ignore[attr-defined]
        if size > MAX_EXPRESSION_CHARS:
            return Finding(display, line, col, "SC003",
                           f"expression of {size:,} characters at line {line} is too large to analyse "
                           f"(limit {MAX_EXPRESSION_CHARS:,}); the file was not checked")
        if size >= _DEPTH_CHECK_FROM:
            depth = _depth(part, MAX_EXPRESSION_DEPTH)
            if depth > MAX_EXPRESSION_DEPTH:
                return Finding(display, line, col, "SC003",
                               f"expression at line {line} nests more than {MAX_EXPRESSION_DEPTH} levels deep "
                               "(e.g. a long chain of binary operators); too deep to analyse, the file was not checked")
        return None

    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for _name, value in ast.iter_fields(node):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, (ast.stmt, ast.excepthandler, ast.match_case)):
                    stack.append(item)
                elif isinstance(item, ast.AST):
                    found = check_part(item)
                    if found is not None:
                        return found
    return None


def preflight(text: str, display: str) -> tuple[ast.Module | None, Finding | None]:
    """Parse with CPython; (tree, None) when the analyser can safely take the file."""
    if len(text) > MAX_FILE_CHARS:
        return None, Finding(display, 1, 1, "SC003",
                             f"file of {len(text):,} characters is too large to analyse (limit {MAX_FILE_CHARS:,})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=display)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        return None, Finding(display, line, max(col, 1), "SC001", f"syntax error: {exc.msg}")
    except (RecursionError, MemoryError):
        return None, Finding(display, 1, 1, "SC003",
                             "too deeply nested to analyse (Python's own parser gave up); the file was not checked")
    except ValueError as exc:  # e.g. NUL bytes on older interpreters
        return None, Finding(display, 1, 1, "SC002", f"cannot parse: {exc}")
    return tree, _too_big(tree, text, display)
