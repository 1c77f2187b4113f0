"""Reading a source file safely: decoding (SC002) and the pre-parse guard (SC001, SC003).

The guard is a token-level scan, not a second parse (see ``shapecheck.static.guard``): it
rejects the inputs that would make libcst recurse without bound or take minutes (measured
here with libcst 1.9: a left-deep ``1+1+…`` chain of 8 000 terms segfaults the native parser
and 2 000 terms take 1.5 s; a 400 kB list literal takes 18 s).
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass

from shapecheck.findings import Finding


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


def preflight(text: str, display: str) -> Finding | None:
    """None when the analyser can safely parse ``text``; else the SC001/SC003 finding saying why.

    A token-level scan (``shapecheck.static.guard``), not a parse: syntax errors are found by
    the analyser's one parse, which names them with CPython's own message.
    """
    from shapecheck.static.guard import check_source

    problem = check_source(text)
    if problem is None:
        return None
    return Finding(display, problem.line, problem.col, problem.code, problem.message)
