"""Dotted names of expressions and the spellings of one TensorFlow op.

The import table that turns a local name into a qualified one is ``shapecheck.static.imports``
(one table per file, shared by every rule).
"""

from __future__ import annotations

import libcst as cst


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def normalise_op(name: str) -> list[str]:
    """Spellings of one TensorFlow op to try against a pack, most specific first."""
    out = [name]
    for prefix, repl in (
        ("tensorflow.compat.v2.", "tensorflow."),
        ("tensorflow.compat.v1.", "tensorflow."),
        ("tensorflow.math.", "tensorflow."),
        ("tensorflow.linalg.", "tensorflow.linalg."),
        ("tf_keras.", "tensorflow.keras."),
        ("keras.src.ops.", "keras.ops."),
    ):
        if name.startswith(prefix):
            out.append(repl + name[len(prefix):])
    if name.startswith("tensorflow.") and not name.startswith("tensorflow.math."):
        out.append("tensorflow.math." + name[len("tensorflow."):])
    return out
