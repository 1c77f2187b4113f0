"""The one import table of a module: local name -> fully qualified name.

Every rule reads names through this table, which the file's semantic model
(``file_model.FileModel.imports``) builds once per parsed module, so the shape rules and the
compiled-region rules can never disagree on what ``tf`` means in a file. Built in one pass
over the module's statements (libcst's ``QualifiedNameProvider`` costs several times the
parse of a file):

* ``import a.b as c`` / ``from ..x import y as z`` anywhere in the module (also inside
  functions and ``try: ... except ImportError:`` blocks), relative imports resolved
  against the module's own name;
* ``tf = pytest.importorskip("tensorflow")``, ``importlib.import_module(...)`` and
  ``__import__(...)`` with a literal module name;
* the module's top-level functions and classes.

Locals that shadow an import are handled by the callers, which know the function's own
bindings and consult them first.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from shapecheck.static.blocks import child_blocks
from shapecheck.static.literals import string_value
from shapecheck.static.modnames import resolve_relative

DYNAMIC_IMPORTERS = frozenset({"importorskip", "import_module", "__import__"})

_BUILTINS = frozenset(
    {
        "range", "len", "int", "float", "round", "min", "max", "abs", "sum", "tuple", "list",
        "print", "isinstance", "super", "zip", "enumerate", "map", "dict", "set", "bool", "str",
        "getattr", "setattr", "hasattr", "type", "sorted", "reversed", "any", "all", "divmod",
    }
)


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


class ImportTable:
    """Local name -> fully qualified name, for the imports and top-level definitions of a module."""

    def __init__(self, module_name: str, is_package: bool) -> None:
        self.module_name = module_name
        self.is_package = is_package
        self.names: dict[str, str] = {}
        # the import statements outside functions and classes (also in try/if), in text order
        self.module_statements: list[cst.Import | cst.ImportFrom] = []

    def add_statement(self, stmt: cst.Import | cst.ImportFrom) -> None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.names[alias.asname.name.value] = full
                else:
                    top = full.split(".")[0]
                    self.names[top] = top
            return
        if isinstance(stmt.names, cst.ImportStar):
            return
        target = dotted_name(stmt.module) or "" if stmt.module is not None else ""
        base = resolve_relative("." * len(stmt.relative) + target, self.module_name, self.is_package)
        for alias in stmt.names:
            name = dotted_name(alias.name) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = f"{base}.{name}" if base else name

    def add_dynamic_import(self, stmt: cst.Assign) -> None:
        """``tf = pytest.importorskip("tensorflow")`` and the like: ``tf`` names that module."""
        module = dynamic_import(stmt.value)
        if module is not None:
            for target in stmt.targets:
                if isinstance(target.target, cst.Name):
                    self.names[target.target.value] = module

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

    def resolve_or_text(self, node: cst.CSTNode) -> str | None:
        """The qualified name through an import, else the dotted text itself (``len``, ``x.shape``)."""
        text = dotted_name(node)  # type: ignore[arg-type]
        if text is None:
            return None
        head, _, rest = text.partition(".")
        full = self.names.get(head)
        if full is None:
            return text
        return f"{full}.{rest}" if rest else full


def dynamic_import(value: cst.BaseExpression) -> str | None:
    """The module a ``pytest.importorskip("m")`` / ``importlib.import_module("m")`` call imports."""
    if not isinstance(value, cst.Call) or not value.args:
        return None
    callee = dotted_name(value.func) or ""
    if callee.rsplit(".", 1)[-1] not in DYNAMIC_IMPORTERS:
        return None
    return string_value(value.args[0].value)


def _collect(table: ImportTable, body: Iterable[cst.CSTNode], module_level: bool = True) -> None:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            _collect(table, stmt.body, module_level)
        elif isinstance(stmt, (cst.Import, cst.ImportFrom)):
            table.add_statement(stmt)
            if module_level:
                table.module_statements.append(stmt)
        elif isinstance(stmt, cst.Assign):
            table.add_dynamic_import(stmt)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            _collect(table, stmt.body.body, False)
        else:
            for block in child_blocks(stmt):
                _collect(table, block, module_level)


def build_import_table(module: cst.Module, module_name: str, is_package: bool) -> ImportTable:
    """The module's import table. Built once per parsed module by its semantic model
    (``file_model.FileModel.imports``), which every rule reads it through."""
    table = ImportTable(module_name, is_package)
    _collect(table, module.body)
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            table.names[stmt.name.value] = f"{module_name}.{stmt.name.value}" if module_name else stmt.name.value
    return table
