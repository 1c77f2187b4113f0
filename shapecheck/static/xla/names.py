"""Fully qualified names for the expressions of one module, from its import statements.

This is a deliberately cheap resolver (one pass over the import statements, no scope
analysis): libcst's ``QualifiedNameProvider`` costs several times the parse of a file, and
this package looks at every file of a tree. Locals shadowing an import are handled by the
callers (they know the function's parameters and assignments).
"""

from __future__ import annotations

from collections.abc import Iterable

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


def _module_dotted(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    name = dotted_name(node)
    return name or ""


def absolute_module(module_name: str, is_package: bool, relative_dots: int, target: str) -> str:
    """Resolve ``from ..x import`` against the importing module's name."""
    if relative_dots == 0:
        return target
    parts = module_name.split(".") if module_name else []
    if not is_package:
        parts = parts[:-1]
    drop = relative_dots - 1
    if drop:
        parts = parts[:-drop] if drop <= len(parts) else []
    base = ".".join(parts)
    if target:
        return f"{base}.{target}" if base else target
    return base


class ImportTable:
    """Local name -> fully qualified name, for the imports and top-level definitions of a module."""

    def __init__(self, module_name: str, is_package: bool) -> None:
        self.module_name = module_name
        self.is_package = is_package
        self.names: dict[str, str] = {}

    def add_statement(self, stmt: cst.Import | cst.ImportFrom) -> None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = _module_dotted(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.names[alias.asname.name.value] = full
                else:
                    top = full.split(".")[0]
                    self.names[top] = top
            return
        dots = len(stmt.relative)
        base = absolute_module(self.module_name, self.is_package, dots, _module_dotted(stmt.module))
        if isinstance(stmt.names, cst.ImportStar):
            return
        for alias in stmt.names:
            name = _module_dotted(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = f"{base}.{name}" if base else name

    def define(self, local: str, qualified: str) -> None:
        self.names.setdefault(local, qualified)

    def resolve_dotted(self, dotted: str, shadowed: Iterable[str] = ()) -> str | None:
        """``tf.signal.fft2d`` -> ``tensorflow.signal.fft2d``; None when the head is unknown/shadowed."""
        head, _, rest = dotted.partition(".")
        if head in shadowed:
            return None
        base = self.names.get(head)
        if base is None:
            if head in _BUILTINS:
                base = f"builtins.{head}"
            else:
                return None
        return f"{base}.{rest}" if rest else base

    def resolve(self, node: cst.BaseExpression, shadowed: Iterable[str] = ()) -> str | None:
        dotted = dotted_name(node)
        if dotted is None:
            return None
        return self.resolve_dotted(dotted, shadowed)


_BUILTINS = frozenset(
    {
        "range", "len", "int", "float", "round", "min", "max", "abs", "sum", "tuple", "list",
        "print", "isinstance", "super", "zip", "enumerate", "map", "dict", "set", "bool", "str",
        "getattr", "setattr", "hasattr", "type", "sorted", "reversed", "any", "all", "divmod",
    }
)


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
