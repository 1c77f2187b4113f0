"""``shapecheck annotate PACK``: a libcst codemod writing a stub pack's contracts into the source.

Each stub's parameters (and result) get ``Float32[tf.Tensor, "B N N C"]``-style annotations
and the function gets ``@check``; a parameter whose name is a dim of the stub (``size`` in
``-> "B size size C"``: ``infer`` names a dim after a parameter only when that parameter held
the size as an ``int``) gets ``int``, which makes the runtime bind the dim to it. A parameter
or result that already has an annotation is left alone, and so is a function already
decorated with ``check``. Imports are added once
(libcst's ``AddImportsVisitor`` merges them into an existing ``from shapecheck import ...``).
Formatting and comments are kept: libcst edits the concrete syntax tree.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from shapecheck.contract.spec import ContractSyntaxError, parse_shape, parse_signature
from shapecheck.infer.generalise import ANNOTATORS

_ARRAY_MODULES = {"tf": ("tensorflow", "tf", "Tensor"), "np": ("numpy", "np", "ndarray")}


@dataclass
class StubContract:
    """One stub of the pack, as annotate needs it."""

    name: str
    kind: str
    params: list[str]
    specs: list[str]  # parameters then results
    dtypes: list[str]
    arrays: list[str]
    optional: set[str] = field(default_factory=set)
    n_results: int = 0

    @property
    def dim_names(self) -> frozenset[str]:
        return frozenset().union(*(parse_shape(text).names() for text in self.specs))


class PackReadError(ValueError):
    pass


def read_stubs(path: Path) -> list[StubContract]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackReadError(f"{path}: cannot read the pack: {exc}") from None
    out: list[StubContract] = []
    for i, entry in enumerate(data.get("stub", [])):
        where = f"{path}: [[stub]] #{i + 1} ({entry.get('name', '?')})"
        try:
            sig = parse_signature(str(entry["signature"]))
        except (KeyError, ContractSyntaxError) as exc:
            raise PackReadError(f"{where}: bad or missing signature: {exc}") from None
        specs = [s.text for s in (*sig.params, *sig.results)]
        dtypes = list(entry.get("dtypes", ["any"] * len(specs)))
        arrays = list(entry.get("arrays", ["tf"] * len(specs)))
        params = list(entry.get("params", []))
        if len(dtypes) != len(specs) or len(arrays) != len(specs) or len(params) != len(sig.params):
            raise PackReadError(f"{where}: 'params', 'dtypes' and 'arrays' must match the signature's contracts")
        unknown = [d for d in dtypes if d not in ANNOTATORS]
        if unknown:
            raise PackReadError(f"{where}: no annotator for dtype family {unknown[0]!r}")
        out.append(StubContract(str(entry["name"]), str(entry.get("kind", "function")), params, specs, dtypes,
                                arrays, set(entry.get("optional", [])), len(sig.results)))
    return out


def locate(name: str, roots: Sequence[Path]) -> tuple[Path, str] | None:
    """The source file of the longest module prefix of ``name`` under ``roots``, and the rest."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        rel = Path(*parts[:cut])
        for root in roots:
            for candidate in (root / rel.with_suffix(".py"), root / rel / "__init__.py"):
                if candidate.is_file():
                    return candidate, ".".join(parts[cut:])
    return None


def _array_alias(module: cst.Module, top: str, default: str) -> str | None:
    """How ``module`` spells the array package (``tf`` for ``import tensorflow as tf``), if it imports it."""
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if cst.helpers.get_full_name_for_node(alias.name) == top:
                            return alias.asname.name.value if alias.asname else top  # type: ignore[union-attr]
    return None


class _Annotator(cst.CSTTransformer):
    def __init__(self, stubs: dict[str, StubContract], aliases: dict[str, str]) -> None:
        self.stubs = stubs
        self.aliases = aliases
        self.stack: list[str] = []
        self.needed: set[tuple[str, str]] = set()
        self.changed: list[str] = []
        self.kept: list[str] = []  # annotations already present, left as they were

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(node.name.value)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.stack.pop()
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(node.name.value)

    def _annotation(self, stub: StubContract, i: int, optional: bool) -> cst.Annotation:
        annotator = ANNOTATORS[stub.dtypes[i]]
        module, default_alias, attr = _ARRAY_MODULES[stub.arrays[i]]
        alias = self.aliases.setdefault(module, default_alias)
        self.needed.add(("shapecheck", annotator))
        text = f'{annotator}[{alias}.{attr}, "{stub.specs[i]}"]' + (" | None" if optional else "")
        return cst.Annotation(cst.parse_expression(text))

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        qualname = ".".join(self.stack)
        self.stack.pop()
        stub = self.stubs.get(qualname)
        if stub is None:
            return updated
        added = False
        params = updated.params
        dim_names = stub.dim_names

        def annotate(group: Sequence[cst.Param]) -> list[cst.Param]:
            nonlocal added
            out = []
            for param in group:
                name = param.name.value
                if name in stub.params:
                    if param.annotation is not None:
                        self.kept.append(f"{qualname}({name})")
                    else:
                        i = stub.params.index(name)
                        param = _with_annotation(param, self._annotation(stub, i, name in stub.optional))
                        added = True
                elif name in dim_names and param.annotation is None:
                    param = _with_annotation(param, cst.Annotation(cst.Name("int")))
                out.append(param)
            return out

        params = params.with_changes(
            posonly_params=annotate(params.posonly_params),
            params=annotate(params.params),
            kwonly_params=annotate(params.kwonly_params),
        )
        returns = updated.returns
        if stub.n_results:
            if returns is not None:
                self.kept.append(f"{qualname}(return)")
            else:
                first = len(stub.params)
                items = [self._annotation(stub, first + k, False).annotation for k in range(stub.n_results)]
                if len(items) == 1:
                    returns = cst.Annotation(items[0])
                else:
                    elements = [cst.SubscriptElement(cst.Index(e)) for e in items]
                    returns = cst.Annotation(cst.Subscript(cst.Name("tuple"), elements))
                added = True
        if not added:
            return updated
        decorators = list(updated.decorators)
        if not any(_is_check(d.decorator) for d in decorators):
            decorators.append(cst.Decorator(cst.Name("check")))
            self.needed.add(("shapecheck", "check"))
        self.changed.append(qualname)
        return updated.with_changes(params=params, returns=returns, decorators=decorators)


def _with_annotation(param: cst.Param, annotation: cst.Annotation) -> cst.Param:
    param = param.with_changes(annotation=annotation)
    if param.default is not None:  # PEP 8: "x: T = 1", not "x: T=1"
        param = param.with_changes(equal=cst.AssignEqual(cst.SimpleWhitespace(" "), cst.SimpleWhitespace(" ")))
    return param


def _is_check(node: cst.BaseExpression) -> bool:
    target = node.func if isinstance(node, cst.Call) else node
    name = cst.helpers.get_full_name_for_node(target) or ""
    return name in ("check", "shapecheck.check")


@dataclass
class FileResult:
    path: Path
    before: str
    after: str
    changed: list[str]
    kept: list[str]


def annotate_source(source: str, stubs: dict[str, StubContract]) -> tuple[str, list[str], list[str]]:
    """``source`` with the contracts of ``stubs`` (keyed by qualname within the module) written in."""
    module = cst.parse_module(source)
    aliases: dict[str, str] = {}
    for top, (mod, default, _attr) in _ARRAY_MODULES.items():
        found = _array_alias(module, mod, default)
        if found:
            aliases[mod] = found
    present = set(aliases)
    annotator = _Annotator(stubs, aliases)
    updated = module.visit(annotator)
    if not annotator.changed:
        return source, [], annotator.kept
    context = CodemodContext()
    for mod, obj in sorted(annotator.needed):
        AddImportsVisitor.add_needed_import(context, mod, obj)
    for mod, alias in aliases.items():
        if mod not in present:
            AddImportsVisitor.add_needed_import(context, mod, asname=alias)
    updated = AddImportsVisitor(context).transform_module(updated)
    return updated.code, annotator.changed, annotator.kept


def plan(stubs: list[StubContract], roots: Sequence[Path], stderr: TextIO) -> list[FileResult]:
    by_file: dict[Path, dict[str, StubContract]] = {}
    for stub in stubs:
        found = locate(stub.name, roots)
        if found is None:
            print(f"shapecheck annotate: {stub.name}: no source file under {', '.join(map(str, roots))}", file=stderr)
            continue
        path, qualname = found
        if stub.kind == "layer":
            qualname += ".call"
        by_file.setdefault(path, {})[qualname] = stub
    results = []
    for path, file_stubs in sorted(by_file.items()):
        try:
            before = path.read_text(encoding="utf-8")
            after, changed, kept = annotate_source(before, file_stubs)
        except (OSError, UnicodeDecodeError, cst.ParserSyntaxError) as exc:
            print(f"shapecheck annotate: {path}: skipped: {exc}", file=stderr)
            continue
        results.append(FileResult(path, before, after, changed, kept))
    return results


def run_annotate(pack: Path, roots: list[Path], apply: bool, stdout: TextIO, stderr: TextIO) -> int:
    from shapecheck.cli.errors import UsageError

    try:
        stubs = read_stubs(pack)
    except PackReadError as exc:
        raise UsageError(str(exc)) from None
    results = plan(stubs, [r.resolve() for r in roots], stderr)
    functions = 0
    for r in results:
        functions += len(r.changed)
        if r.kept:
            print(f"{r.path}: kept existing annotations: {', '.join(r.kept)}", file=stderr)
        if r.after == r.before:
            continue
        if apply:
            r.path.write_text(r.after, encoding="utf-8")
        else:
            shown = os.path.relpath(r.path)  # as git writes it: a/<path from here>
            stdout.writelines(difflib.unified_diff(
                r.before.splitlines(keepends=True), r.after.splitlines(keepends=True), f"a/{shown}", f"b/{shown}"))
    verb = "annotated" if apply else "would annotate"
    print(f"shapecheck annotate: {verb} {functions} function(s) in "
          f"{sum(1 for r in results if r.changed)} file(s)", file=stderr)
    return 0
