"""The function spans read from the guard's token scan (no parser) agree with CPython's tree."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from shapecheck.static.guard import TokenScan, check_source
from shapecheck.static.lines import FunctionSpan, outer_functions

from python_gen import accepted_by_cpython, python_module

REPO = Path(__file__).resolve().parents[2]


def _ast_spans(body: list[ast.stmt], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], int, int]]:
    """(path, first line with decorators, last line) of module-level functions and methods."""
    out = []
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
            out.append(((*prefix, stmt.name), start, stmt.end_lineno or stmt.lineno))
        elif isinstance(stmt, ast.ClassDef):
            out.extend(_ast_spans(stmt.body, (*prefix, stmt.name)))
        else:
            blocks = [getattr(stmt, "body", None)]  # in source order: try, except, else, finally
            blocks += [h.body for h in getattr(stmt, "handlers", [])] + [c.body for c in getattr(stmt, "cases", [])]
            blocks += [getattr(stmt, k, None) for k in ("orelse", "finalbody")]
            for block in blocks:
                if isinstance(block, list):
                    out.extend(_ast_spans(block, prefix))
    return out


def _agree(text: str) -> None:
    scan = TokenScan()
    assert check_source(text, scan) is None
    mine: list[FunctionSpan] = outer_functions(text, scan.logical_lines)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # generated code: 'None is not callable' and such
        theirs = _ast_spans(ast.parse(text).body)
    assert [(s.path, s.start) for s in mine] == [(p, start) for p, start, _end in theirs]
    for span, (_p, _s, end) in zip(mine, theirs):
        # the span may run on over trailing blank and comment lines, never into code outside it
        assert end <= span.end
        assert all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()[end:span.end])


def test_spans_of_this_repository_agree_with_cpython() -> None:
    files = sorted(p for p in REPO.rglob("*.py") if ".shapecheck_cache" not in p.parts)
    assert len(files) > 100
    for path in files:
        _agree(path.read_text(encoding="utf-8"))


def test_spans_of_awkward_layouts() -> None:
    _agree('@dec(\n  a)\n# c\n@d2\ndef f(a,\n      b):\n    s = """\ndef fake():\n"""\n    return 1\n\n'
           "class K:\n    def m(self): return 1\n    if True:\n        async def n(self):\n            pass\n"
           "    class Inner:\n        def deep(self): pass\nx = 1 \\\n  + 2\ndef g(): pass\n")
    _agree("def f():\n\tif x:\n\t\treturn 1\n\f\ndef g():\n  pass\n")
    # found by the generated modules below (the oracle walked `finally` before `except`)
    _agree("try:\n    def f1_x():\n        x = x\nexcept (ValueError, KeyError) as err:\n    def f1_x():\n"
           "        x = x\nelse:\n    pass\nfinally:\n    def f1_x():\n        x = x\n")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(python_module())
def test_spans_of_generated_modules_agree_with_cpython(text: str) -> None:
    if accepted_by_cpython(text) and check_source(text) is None:
        _agree(text)
