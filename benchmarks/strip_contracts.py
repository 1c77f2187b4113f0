"""Strip every shape contract from Python sources: ``python benchmarks/strip_contracts.py DIR_OR_FILE...``.

Removes annotations that spell a contract (``Float32[tf.Tensor, "B C"]``, ``Annotated[...,
Shape(...)]``, ``X | None`` around either), ``@check`` decorators, and the ``shapecheck``
imports left unused. Everything else (other annotations, comments, formatting) stays. Used to
make the unannotated copy of ptycho_core that ``shapecheck infer`` must recover.
"""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor

from shapecheck.static.annotation_contracts import DTYPE_ANNOTATORS, contract_syntax, dotted


class _Stripper(cst.CSTTransformer):
    def __init__(self) -> None:
        self.removed = 0

    def _strip(self, annotation: cst.Annotation | None) -> cst.Annotation | None:
        if annotation is not None and contract_syntax(annotation.annotation, dotted) is not None:
            self.removed += 1
            return None
        return annotation

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        annotation = self._strip(updated.annotation)
        if annotation is updated.annotation:
            return updated
        if updated.default is not None:  # PEP 8: "y=None" once unannotated
            updated = updated.with_changes(equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
        return updated.with_changes(annotation=annotation)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        decorators = [
            d for d in updated.decorators
            if (dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or "")
            not in ("check", "shapecheck.check")
        ]
        return updated.with_changes(returns=self._strip(updated.returns), decorators=decorators)


def strip_source(source: str) -> tuple[str, int]:
    """``source`` without contracts, and how many annotations were removed."""
    module = cst.parse_module(source)
    stripper = _Stripper()
    stripped = module.visit(stripper)
    context = CodemodContext()
    for name in (*DTYPE_ANNOTATORS, "check", "Shape"):
        RemoveImportsVisitor.remove_unused_import(context, "shapecheck", name)
    return RemoveImportsVisitor(context).transform_module(stripped).code, stripper.removed


def strip_tree(root: Path) -> int:
    """Strip every ``.py`` file under ``root`` in place; the number of annotations removed."""
    total = 0
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    for path in files:
        source = path.read_text(encoding="utf-8")
        stripped, removed = strip_source(source)
        if stripped != source:
            path.write_text(stripped, encoding="utf-8")
        total += removed
    return total


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    for arg in argv:
        print(f"{arg}: {strip_tree(Path(arg))} contract annotations removed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
