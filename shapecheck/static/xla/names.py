"""Dotted names of expressions and the spellings of one TensorFlow op.

The import table that turns a local name into a qualified one is ``shapecheck.static.imports``
(one table per file, shared by every rule).
"""

from __future__ import annotations

from shapecheck.static.imports import dotted_name

__all__ = ["dotted_name", "normalise_op"]


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
