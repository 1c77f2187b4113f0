"""String literals are read from their text, without a parse per literal, exactly as Python reads them."""

from __future__ import annotations

import ast
import warnings

import libcst as cst
from hypothesis import example, given
from hypothesis import strategies as st

from shapecheck.static.literals import string_literal

PIECES = st.sampled_from(["B", " ", "N", "ä", "ß", "\\n", "\\t", "\\\\", "\\'", '\\"', "\\x41", "\\u00e4", "\\N{GREEK SMALL LETTER ALPHA}",
                          "\\d", "\\101", "\\\n", "é😀", "{", "*"])


def _read(source: str) -> str | None:
    return string_literal(cst.parse_expression(source))


@given(st.lists(PIECES, max_size=8).map("".join), st.sampled_from(["", "r", "u", "R"]), st.sampled_from(["'", '"', "'''", '"""']))
@example(body="\\n\\n\\'\\'\\n", prefix="R", quote="'''")  # failed once, on the deadline of a loaded machine
def test_string_literals_read_as_python_reads_them(body: str, prefix: str, quote: str) -> None:
    source = f"{prefix}{quote}{body}{quote}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # '\\d' is an invalid escape Python keeps as written
            expected = ast.literal_eval(source)
    except (SyntaxError, ValueError):
        return  # not a literal (a quote or backslash at the end closes it differently)
    assert _read(source) == expected


def test_concatenation_bytes_and_fstrings() -> None:
    assert _read("'B ' \"N\\t\" r'\\d'") == "B N\t\\d"
    assert _read("b'B N'") is None
    assert _read("f'B {n}'") is None
    assert _read("'B ' f'{n}'") is None
