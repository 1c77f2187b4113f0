"""Literal readers: the values of integer and string literals without libcst's ``evaluated_value``.

``evaluated_value`` runs ``ast.literal_eval``, a parse per literal; contracts and shapes are
literals read many times per file. Literals are read from their text: escapes are decoded with
the ``unicode_escape`` codec (non-ASCII characters kept by escaping them first), implicit
concatenations joined; bytes and f-strings are not text and give None.
"""

from __future__ import annotations

import warnings

import libcst as cst


def int_literal(text: str) -> int | None:
    """The value of an integer literal, without libcst's ``literal_eval`` (a compile per call)."""
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        try:
            return int(text.replace("_", ""))  # "007" is not Python 3, but never mind
        except ValueError:
            return None


def string_literal(node: cst.SimpleString | cst.ConcatenatedString | cst.BaseExpression) -> str | None:
    """The text of a string literal (implicit concatenation included); None for bytes and f-strings."""
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_literal(node.left), string_literal(node.right)
        return left + right if left is not None and right is not None else None
    if not isinstance(node, cst.SimpleString):
        return None
    prefix = node.prefix.lower()
    if prefix not in ("", "r", "u"):
        return None  # bytes
    quote = node.quote
    body = node.value[len(node.prefix) + len(quote) : len(node.value) - len(quote)]
    if prefix == "r" or "\\" not in body:
        return body
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "invalid escape sequence": the backslash stays, as in Python
            return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return None  # a malformed \x or \N escape: CPython refuses the file too


def string_value(node: cst.BaseExpression) -> str | None:
    """The text of a string literal expression (implicit concatenation included), else None."""
    return string_literal(node)
