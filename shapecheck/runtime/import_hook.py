"""Checking whole packages without decorating each function (as jaxtyping's import hook).

``install_import_hook("mypkg")`` puts a finder first on ``sys.meta_path``. Modules of the
named packages imported afterwards are compiled from their source with every ``def``
(functions, methods, nested functions) given one more, innermost decorator, :func:`hooked`,
which is :func:`shapecheck.check` for functions whose annotations carry contracts and the
function itself for all others. So the configured mode applies as with ``@check``: in
``off`` mode every function is the original object; and if the mode is ``off`` when a
module is imported, its source is not even rewritten.

The finder and loader are the shared :mod:`shapecheck.runtime.package_finder` (the recorder of
``shapecheck infer`` uses them too), so the rewritten code is never written to
``__pycache__`` (an import without the hook must not pick it up). A function whose annotations cannot be resolved when it is defined (a forward
reference under ``from __future__ import annotations``) is checked from its first call; one
whose contracts cannot be checked at all is left as it is with a warning naming it.
"""

from __future__ import annotations

import ast
import functools
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from shapecheck.runtime import modes
from shapecheck.runtime.decorator import decorate_in_scope
from shapecheck.runtime.modes import Mode
from shapecheck.runtime.package_finder import PackageFinder

_HOOK_NAME = "__shapecheck_hooked__"


class ShapecheckImportHookWarning(UserWarning):
    """A function in a hooked package could not be checked; it runs unchecked."""


def _may_carry_contract(func: Callable[..., Any]) -> bool:
    """False only when no annotation can hold a contract: nothing annotated, or only string
    annotations without a string literal inside (a contract needs its dims as a literal)."""
    annotations = getattr(func, "__annotations__", None) or {}
    return any(not isinstance(a, str) or "'" in a or '"' in a for a in annotations.values())


def _warn(func: Callable[..., Any], exc: BaseException) -> None:
    name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"
    warnings.warn(f"shapecheck import hook: {name} runs unchecked: {exc}", ShapecheckImportHookWarning, stacklevel=3)


def hooked(func: Any) -> Any:
    """The decorator the import hook adds to every ``def`` of a hooked package."""
    if modes.current is Mode.OFF or not _may_carry_contract(func):
        return func
    try:
        return decorate_in_scope(func, None, sys._getframe(1))
    except TypeError as exc:
        if isinstance(exc.__cause__, NameError):
            return _checked_from_first_call(func)
        _warn(func, exc)
        return func


def _checked_from_first_call(func: Callable[..., Any]) -> Callable[..., Any]:
    """Annotations naming something defined later in the module: decorate on first call."""
    state: dict[str, Callable[..., Any]] = {}

    @functools.wraps(func)
    def first_call(*args: Any, **kwargs: Any) -> Any:
        target = state.get("checked")
        if target is None:
            try:
                target = decorate_in_scope(func, None, None)
            except TypeError as exc:
                _warn(func, exc)
                target = func
            state["checked"] = target
        return target(*args, **kwargs)

    return first_call


class _AddDecorator(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.decorator_list.append(ast.Name(_HOOK_NAME, ast.Load()))
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.decorator_list.append(ast.Name(_HOOK_NAME, ast.Load()))
        return node


def _add_hooked(tree: ast.Module) -> ast.Module:
    """``tree`` with :func:`hooked` added to every ``def`` and imported after the docstring
    and ``from __future__`` imports."""
    tree = _AddDecorator().visit(tree)
    body = tree.body
    at = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        at = 1
    while at < len(body) and isinstance(body[at], ast.ImportFrom) and body[at].module == "__future__":
        at += 1
    body.insert(at, ast.ImportFrom("shapecheck.runtime.import_hook", [ast.alias("hooked", _HOOK_NAME)], 0))
    return ast.fix_missing_locations(tree)


class _Finder(PackageFinder):
    """Rewrites every ``def`` of the hooked packages (not at all while the mode is ``off``)."""

    rewrites = True

    def active(self) -> bool:
        return modes.current is not Mode.OFF

    def rewrite(self, tree: ast.Module, path: str) -> ast.Module:
        return _add_hooked(tree)


def install_import_hook(packages: str | Iterable[str]) -> _Finder:
    """Check every contracted function of ``packages`` (imported from now on).

    ``packages`` is a package name or several. Returns the finder; ``uninstall_import_hook``
    takes it out again. Modules already imported are not affected."""
    names = [packages] if isinstance(packages, str) else list(packages)
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        raise ValueError("install_import_hook needs at least one package name")
    finder = _Finder(names)
    sys.meta_path.insert(0, finder)
    return finder


def uninstall_import_hook(finder: _Finder) -> None:
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
