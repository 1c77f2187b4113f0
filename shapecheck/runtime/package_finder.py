"""One mechanism for hooking the imports of named packages: the checker's import hook
(:mod:`shapecheck.runtime.import_hook`) and the recorder of ``shapecheck infer``
(:mod:`shapecheck.infer.hook`) are both a :class:`PackageFinder`.

A :class:`PackageFinder` sits on ``sys.meta_path`` and, for modules of its packages, asks
the finders after it for the spec. A module loaded from source gets a :class:`HookedLoader`
that lets each hook :meth:`~PackageFinder.rewrite` the module's syntax tree before it is
compiled and see the module right after it executed (:meth:`~PackageFinder.executed`).
When several hooks want one module (recording a package that also checks itself through the
import hook), they share its loader, so every one of them applies. Rewritten code is never
cached as bytecode: an import without the hook must not pick it up.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any


class PackageFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of ``packages`` through the rest of ``sys.meta_path``; subclasses say
    what to do with them (:meth:`rewrite`, :meth:`executed`) and when not to (:meth:`active`)."""

    rewrites = False  # True when :meth:`rewrite` changes the code

    def __init__(self, packages: Sequence[str]) -> None:
        self.packages = tuple(packages)
        self._searching: set[str] = set()  # modules this finder is looking up right now

    def wants(self, fullname: str) -> bool:
        return any(fullname == p or fullname.startswith(p + ".") for p in self.packages)

    def active(self) -> bool:
        return True

    def rewrite(self, tree: ast.Module, path: str) -> ast.Module:
        return tree

    def executed(self, module: ModuleType) -> None:
        return None

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not self.wants(fullname) or not self.active() or fullname in self._searching:
            return None  # already searching: another hook asks the finders after it, this one among them
        self._searching.add(fullname)
        try:
            spec = self._spec_from_others(fullname, path, target)
        finally:
            self._searching.discard(fullname)
        if spec is None:
            return None
        loader = spec.loader
        if isinstance(loader, HookedLoader):  # another hook wants it too: one loader for both
            if not any(type(h) is type(self) for h in loader.hooks):  # two of a kind would apply twice
                loader.hooks.append(self)
        elif type(loader) is importlib.machinery.SourceFileLoader:
            spec.loader = HookedLoader(loader.name, loader.path, [self])
        return spec  # anything else (an extension, a namespace package ...): as it is

    def _spec_from_others(self, fullname: str, path: Any, target: Any) -> importlib.machinery.ModuleSpec | None:
        for finder in sys.meta_path:
            if finder is not self:
                find = getattr(finder, "find_spec", None)
                spec = find(fullname, path, target) if find is not None else None
                if spec is not None:
                    return spec
        return None


class HookedLoader(importlib.machinery.SourceFileLoader):
    """A source loader that applies its hooks: rewriting before compiling, a look after executing."""

    def __init__(self, fullname: str, path: str, hooks: list[PackageFinder]) -> None:
        super().__init__(fullname, path)
        self.hooks = hooks

    def _rewriting(self) -> list[PackageFinder]:
        return [h for h in self.hooks if h.rewrites]

    def get_code(self, fullname: str) -> Any:
        rewriting = self._rewriting()
        if not rewriting:
            return super().get_code(fullname)
        path = self.get_filename(fullname)
        tree = ast.parse(self.get_data(path), filename=path)
        for hook in rewriting:
            tree = hook.rewrite(tree, path)
        return compile(ast.fix_missing_locations(tree), path, "exec", dont_inherit=True)

    def set_data(self, path: str, data: bytes, *, _mode: int = 0o666) -> None:
        if not self._rewriting():
            super().set_data(path, data, _mode=_mode)
        # rewritten bytecode is never cached

    def exec_module(self, module: ModuleType) -> None:
        super().exec_module(module)
        for hook in list(self.hooks):
            hook.executed(module)
