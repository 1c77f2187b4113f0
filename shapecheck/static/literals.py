"""Literal readers: the values of integer and string literals without libcst's ``evaluated_value``.

``evaluated_value`` runs ``ast.literal_eval``, a parse per literal; contracts and shapes are
literals read many times per file. Plain literals are read from their text directly; only
strings with escapes or unusual prefixes fall back to ``evaluated_value``.
"""

from __future__ import annotations

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


def string_literal(node: cst.SimpleString | cst.ConcatenatedString) -> str | None:
    """The text of a string literal; plain literals without escapes are read directly."""
    if isinstance(node, cst.SimpleString):
        prefix = node.prefix.lower()
        if prefix in ("", "r", "u"):
            quote = node.quote
            body = node.value[len(node.prefix) + len(quote) : len(node.value) - len(quote)]
            if prefix == "r" or "\\" not in body:
                return body
        elif "b" in prefix or "f" in prefix:
            return None
    value = node.evaluated_value
    return value if isinstance(value, str) else None


def string_value(node: cst.BaseExpression) -> str | None:
    """The text of a string literal expression (implicit concatenation included), else None."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return string_literal(node)
    return None
