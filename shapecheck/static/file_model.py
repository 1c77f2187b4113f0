"""The per-file semantic model: what one module's names, definitions, globals and contracts are.

Every rule family reads these facts from here: the SC1xx shape inference (through
``ParsedFile.model``) and the SC2xx/SC3xx compiled-region collector and checks (through
:func:`file_model`, which hands out the same object for the same tree). Each fact is derived
once per parsed module, on first use, so the two families cannot disagree on it:

* ``imports``: the import table (``imports.py``: aliases, ``importorskip``, imports in
  ``try``/``except``, relative imports, the module's own top-level definitions);
* ``definitions``: the index of functions, methods and classes at any depth, with their
  qualified names, in source order (closures are the functions whose ``in_function`` is set);
* ``module_globals``: names assigned at module level, and ``flag_objects``, those bound to
  absl's ``FLAGS``; which globals are *mutated* is recorded by the one whole-tree walk of the
  compiled-region collector (``xla/collect.py``, ``XlaModuleFacts.mutated``), joined across
  files in the region map;
* ``contracts``: every function's parameter and return contracts read from its annotations
  (``signatures.function_info``), and with shape hints on, the docstring contracts of the
  functions that have no annotation at all.

The model lives as long as its tree (``ParsedFile`` keeps it; :func:`file_model` keeps the
last few by tree identity), which is cached by content for the run (``api._PARSED``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from shapecheck.static.blocks import child_blocks
from shapecheck.static.imports import ImportTable, build_import_table

if TYPE_CHECKING:
    from shapecheck.static.summary import FunctionInfo


@dataclass(frozen=True)
class Definition:
    """A ``def`` or ``class`` statement of the module."""

    path: tuple[str, ...]  # names from the module down: ("Model", "call")
    qualname: str  # the module's dotted name, then ``path``
    node: cst.FunctionDef | cst.ClassDef
    in_class: bool  # directly in a class body (a method, or a nested class)
    in_function: bool  # somewhere inside a function (a closure, analysed with its enclosing function)

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, cst.FunctionDef)


def _suite(node: cst.FunctionDef | cst.ClassDef) -> Sequence[cst.CSTNode]:
    return node.body.body if isinstance(node.body, cst.IndentedBlock) else ()


def _definitions(body: Sequence[cst.CSTNode], module_name: str, prefix: tuple[str, ...], in_class: bool,
                 in_function: bool) -> Iterator[Definition]:
    for stmt in body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            path = (*prefix, stmt.name.value)
            yield Definition(path, ".".join((module_name, *path)) if module_name else ".".join(path), stmt,
                             in_class, in_function)
            is_function = isinstance(stmt, cst.FunctionDef)
            yield from _definitions(_suite(stmt), module_name, path, not is_function, in_function or is_function)
        else:
            for block in child_blocks(stmt):
                yield from _definitions(block, module_name, prefix, in_class, in_function)


class FileModel:
    """The semantic facts of one parsed module (see the module docstring); each computed on first use."""

    def __init__(self, module: cst.Module, module_name: str, is_package: bool) -> None:
        self.module = module
        self.module_name = module_name
        self.is_package = is_package
        self._contracts: dict[bool, dict[str, FunctionInfo]] = {}
        self._replaced: dict[int, FunctionInfo] = {}  # contracts of defs a later def of the same name replaced

    @cached_property
    def imports(self) -> ImportTable:
        return build_import_table(self.module, self.module_name, self.is_package)

    @cached_property
    def definitions(self) -> tuple[Definition, ...]:
        """Every ``def`` and ``class`` at any depth, in the order they appear in the text."""
        return tuple(_definitions(self.module.body, self.module_name, (), False, False))

    @cached_property
    def functions(self) -> tuple[Definition, ...]:
        """Every function and method at any depth (closures included), in text order."""
        return tuple(d for d in self.definitions if d.is_function)

    @cached_property
    def outer_functions(self) -> tuple[Definition, ...]:
        """Module-level functions and methods: the units the rules analyse (closures are analysed in place)."""
        return tuple(d for d in self.functions if not d.in_function)

    @cached_property
    def _by_node(self) -> dict[int, Definition]:
        return {id(d.node): d for d in self.definitions}

    def definition(self, node: cst.CSTNode) -> Definition | None:
        """The index entry of a ``def``/``class`` node of this tree."""
        return self._by_node.get(id(node))

    def methods(self, cls: cst.ClassDef) -> tuple[Definition, ...]:
        """The functions defined in a class's own body (also under an ``if`` there), in text order."""
        d = self.definition(cls)
        return self._methods.get(d.path, ()) if d is not None else ()

    @cached_property
    def _methods(self) -> dict[tuple[str, ...], tuple[Definition, ...]]:
        out: dict[tuple[str, ...], list[Definition]] = {}
        for d in self.functions:
            if d.in_class:
                out.setdefault(d.path[:-1], []).append(d)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def module_globals(self) -> frozenset[str]:
        """Names bound by an assignment (``X = ...``, ``X: T = ...``) in the module's own statements."""
        out: set[str] = set()
        for stmt in self.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign):
                        out.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
                    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        out.add(small.target.value)
        return frozenset(out)

    @cached_property
    def flag_objects(self) -> frozenset[str]:
        """Module-level names bound to absl's flag values: ``FLAGS = flags.FLAGS`` (``absl.flags``, or
        TF's ``tf.compat.v1.flags`` / ``tf.app.flags`` re-exports of it): parsed once at start-up."""
        out: set[str] = set()
        for stmt in self.module.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not (isinstance(small, cst.Assign) and len(small.targets) == 1
                        and isinstance(small.targets[0].target, cst.Name)):
                    continue
                resolved = self.imports.resolve(small.value) or ""
                if resolved.endswith(".FLAGS") and (resolved.startswith("absl.flags") or ".flags." in resolved):
                    out.add(small.targets[0].target.value)
        return frozenset(out)

    def contracts(self, shape_hints: bool = False) -> dict[str, FunctionInfo]:
        """Every function's contracts by qualified name: from its annotations, and with ``shape_hints``
        an unannotated function's docstring shapes too. Read once per model and setting; callers
        that change entries copy the dict first."""
        hit = self._contracts.get(shape_hints)
        if hit is None:
            from shapecheck.static.signatures import function_info, with_docstring_contracts

            if shape_hints:
                hit = {qn: with_docstring_contracts(info, self._node_of[qn]) for qn, info in self.contracts().items()}
            else:
                resolve = self.imports.resolve_or_text
                hit = {d.qualname: function_info(d.qualname, d.node, d.in_class, resolve, shape_hints=False)  # type: ignore[arg-type]
                       for d in self.functions}
            self._contracts[shape_hints] = hit
        return hit

    @cached_property
    def _node_of(self) -> dict[str, cst.FunctionDef]:
        """The last function of each qualified name (a later ``def`` of the same name replaces the earlier)."""
        return {d.qualname: d.node for d in self.functions}  # type: ignore[misc]

    def annotation_contract(self, node: cst.FunctionDef) -> FunctionInfo | None:
        """The contracts a function's own annotations spell (never docstring hints)."""
        d = self.definition(node)
        if d is None:
            return None
        if self._node_of.get(d.qualname) is node:
            return self.contracts().get(d.qualname)
        # an earlier def of a name defined again later: read on its own, once
        from shapecheck.static.signatures import function_info

        hit = self._replaced.get(id(node))
        if hit is None:
            hit = self._replaced[id(node)] = function_info(d.qualname, node, d.in_class, self.imports.resolve_or_text,
                                                            shape_hints=False)
        return hit


# libcst nodes take no weak references: the last few modules' models, checked by identity
_MODELS: OrderedDict[int, FileModel] = OrderedDict()
_MODELS_LIMIT = 16


def file_model(module: cst.Module, module_name: str, is_package: bool) -> FileModel:
    """The model of ``module``: the same object for the same tree and name, built on first use."""
    hit = _MODELS.get(id(module))
    if hit is not None and hit.module is module and hit.module_name == module_name:
        _MODELS.move_to_end(id(module))
        return hit
    model = FileModel(module, module_name, is_package)
    _MODELS[id(module)] = model
    if len(_MODELS) > _MODELS_LIMIT:
        _MODELS.popitem(last=False)
    return model
