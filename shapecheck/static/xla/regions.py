"""The cross-file region map: which functions XLA compiles (and which are only traced), through
which call chains, and what switch turns each root off."""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from shapecheck.static.xla.facts import (
    CALL, INSTANCE, METHOD, REF, SELF_METHOD,
    AutoJit, CallRef, ClassFacts, FunctionFacts, Root, XlaModuleFacts,
)

KERAS_PREFIXES = ("tensorflow.keras.", "keras.", "tf_keras.", "tensorflow.python.keras.")
KERAS_TRACED_METHODS = ("call", "train_step", "test_step", "predict_step")
MODEL_STEP_METHODS = ("train_step", "test_step", "predict_step")
MAX_ALIAS_HOPS = 8


@dataclass(frozen=True)
class RegionMember:
    qualname: str
    path: str
    line: int
    chain: tuple[str, ...]  # root target ... this function

    def to_dict(self) -> dict[str, object]:
        return {"function": self.qualname, "path": self.path, "line": self.line, "chain": list(self.chain)}


@dataclass(frozen=True)
class CompiledRegion:
    """One root and everything it reaches in the analysed tree."""

    root: Root
    compiled: bool  # False: traced by tf.function but not compiled by XLA
    members: tuple[RegionMember, ...]
    unresolved: tuple[str, ...]  # what the root names but the tree does not define
    auto_jit: tuple[AutoJit, ...] = ()

    def to_dict(self) -> dict[str, object]:
        r = self.root
        return {
            "root": {"kind": r.kind, "label": r.label, "path": r.path, "line": r.line, "col": r.col,
                     "module": display_name(r.module)},
            "compiled": self.compiled,
            "switch": {"kind": r.switch.kind, "value": r.switch.text, "line": r.switch.line,
                       "col": r.switch.col, "describe": r.switch.describe(),
                       "turned_off_by": self.off_switches(),
                       "tf_xla_auto_jit_0_turns_off": False},
            "members": [m.to_dict() for m in self.members],
            "unresolved": list(self.unresolved),
        }

    def off_switches(self) -> list[str]:
        """What a user can do to turn this root's compilation off."""
        s = self.root.switch
        if not self.compiled:
            return []
        if s.kind in ("literal-true", "always"):
            return []
        if s.kind == "auto":
            return ["pass jit_compile=False to compile()", "run on a CPU-only machine",
                    "a layer with supports_jit=False", "tf.distribute strategy scope",
                    "tf.config.experimental.enable_op_determinism()"]
        if s.kind == "guarded":
            return [f"make `{s.text}` false"]
        return [f"set `{s.text}` false"]

    def format(self) -> str:
        r = self.root
        state = "compiled by XLA" if self.compiled else "traced by tf.function (not compiled)"
        lines = [f"{r.path}:{r.line}:{r.col}: {r.label} [{state}]", f"  switch: {r.switch.describe()}"]
        if self.compiled and r.switch.kind in ("literal-true", "always"):
            lines.append("  TF_XLA_FLAGS=--tf_xla_auto_jit=0 does NOT turn this off")
        for off in self.off_switches():
            lines.append(f"  off: {off}")
        if not self.members:
            lines.append("  (no function of the analysed tree reached)")
        for m in self.members:
            chain = " -> ".join(m.chain)
            lines.append(f"  {m.path}:{m.line}: {m.qualname}" + (f"   via {chain}" if len(m.chain) > 1 else ""))
        for u in self.unresolved:
            lines.append(f"  unresolved: {u}")
        for a in self.auto_jit:
            lines.append(f"  auto-clustering: {a.path}:{a.line}: {a.text}")
        return "\n".join(lines)


@dataclass(frozen=True)
class FunctionRegion:
    """Why one function is compiled or traced: the first root that reaches it and the chain."""

    root_index: int
    chain: tuple[str, ...]


@dataclass
class RegionMap:
    regions: tuple[CompiledRegion, ...]
    compiled: dict[str, FunctionRegion]  # function qualname -> why it is compiled
    traced: dict[str, FunctionRegion]  # function qualname -> why it is traced (compiled ones included)
    keras_traced: frozenset[str]  # Keras call/train_step methods (traced by fit/predict)
    module_functions: dict[str, tuple[str, ...]]  # module name -> its compiled/traced function qualnames
    module_roots: dict[str, tuple[Root, ...]]  # module name -> its roots (SC303)
    auto_jit: tuple[AutoJit, ...] = ()
    renamed: dict[tuple[str, str], str] = field(default_factory=dict)  # (module, path) -> unique name
    mutated_globals: frozenset[str] = frozenset()  # module-level objects some file mutates
    # function qualname -> parameters every call of it in the tree passes (functions that are no root)
    always_passed: dict[str, frozenset[str]] = field(default_factory=dict)
    _fingerprint: str = field(default="", repr=False)

    def wants(self, module_name: str, path: str) -> bool:
        """Whether check_module_xla has anything to look at in this file (cheap; no parsing)."""
        key = self.module_key(module_name, path)
        return bool(self.module_functions.get(key) or self.module_roots.get(key))

    def module_key(self, module_name: str, path: str) -> str:
        """The name this map uses for a module (unique even when two scripts share a name)."""
        return self.renamed.get((module_name, path), module_name)

    def fingerprint(self) -> str:
        """Hash of what one file's findings can depend on from other files: roots (with their
        positions and switches), which functions are compiled or traced and through which chains,
        auto-clustering, mutated globals. Member *line numbers* are left out on purpose: moving a
        helper down a file changes that file only, not the findings of the others."""
        if not self._fingerprint:
            payload = {
                "roots": [(r.root.kind, r.root.module, r.root.path, r.root.line, r.root.col, r.root.label,
                           r.root.switch.kind, r.root.switch.text, r.root.switch.line, r.root.switch.col, r.compiled,
                           [m.qualname for m in r.members], list(r.unresolved)) for r in self.regions],
                "compiled": sorted((k, v.root_index, list(v.chain)) for k, v in self.compiled.items()),
                "traced": sorted((k, v.root_index, list(v.chain)) for k, v in self.traced.items()),
                "keras": sorted(self.keras_traced),
                "auto_jit": [(a.path, a.line, a.text) for a in self.auto_jit],
                "mutated": sorted(self.mutated_globals),
                "passed": sorted((k, sorted(v)) for k, v in self.always_passed.items()),
            }
            blob = json.dumps(payload, sort_keys=True, default=str).encode()
            self._fingerprint = hashlib.sha256(blob).hexdigest()
        return self._fingerprint

    def root_of(self, region: FunctionRegion) -> Root:
        return self.regions[region.root_index].root


class _Index:
    def __init__(self, facts: Sequence[XlaModuleFacts]) -> None:
        self.functions: dict[str, FunctionFacts] = {}
        self.classes: dict[str, ClassFacts] = {}
        self.aliases: dict[str, dict[str, str]] = {}
        self.modules: set[str] = set()
        for mod in facts:
            self.modules.add(mod.module_name)
            self.aliases[mod.module_name] = dict(mod.aliases)
            for fn in mod.functions:
                prev = self.functions.get(fn.qualname)
                if prev is not None:  # redefinition (if/else variants): keep both call sets
                    fn = FunctionFacts(fn.qualname, fn.module, fn.path, prev.line, fn.class_qualname,
                                       tuple(dict.fromkeys(prev.calls + fn.calls)),
                                       tuple(dict.fromkeys(prev.constructs + fn.constructs)),
                                       tuple(dict.fromkeys(prev.lambda_calls + fn.lambda_calls)),
                                       params=fn.params if fn.params == prev.params else ())
                self.functions[fn.qualname] = fn
            for cls in mod.classes:
                self.classes[cls.qualname] = cls
        self._resolved: dict[str, str] = {}
        self._keras: dict[str, bool] = {}
        self._imports: dict[str, set[str]] = {}

    def _imported(self, module: str) -> set[str]:
        """Modules of the tree that ``module`` imports, directly or through others."""
        if module not in self._imports:
            self._imports[module] = set()  # cycles end here
            direct = {m for target in self.aliases.get(module, {}).values() for m in self.modules
                      if m != module and (target == m or target.startswith(m + "."))}
            reached = set(direct)
            for m in direct:
                reached |= self._imported(m)
            self._imports[module] = reached
        return self._imports[module]

    def same_process(self, setter: str, user: str) -> bool:
        """Whether a process-wide setting made when ``setter`` runs (``os.environ["TF_XLA_FLAGS"]``)
        reaches code in ``user``: one of the two imports the other; two scripts that do not are
        separate programs."""
        return setter == user or user in self._imported(setter) or setter in self._imported(user)

    def resolve(self, name: str) -> str:
        """Follow re-exports (``from .impl import f`` in ``pkg/__init__.py``) to the definition."""
        cached = self._resolved.get(name)
        if cached is not None:
            return cached
        current = name
        for _ in range(MAX_ALIAS_HOPS):
            if current in self.functions or current in self.classes:
                break
            parts = current.split(".")
            nxt = None
            for cut in range(len(parts) - 1, 0, -1):
                mod = ".".join(parts[:cut])
                if mod in self.modules:
                    table = self.aliases.get(mod, {})
                    target = table.get(parts[cut])
                    if target is not None and target != current:
                        nxt = ".".join([target, *parts[cut + 1:]])
                    break
            if nxt is None:
                break
            current = nxt
        self._resolved[name] = current
        return current

    def find_method(self, cls_name: str, method: str, seen: frozenset[str] = frozenset()) -> str | None:
        cls_name = self.resolve(cls_name)
        cls = self.classes.get(cls_name)
        if cls is None or cls_name in seen:
            return None
        if method in cls.methods:
            return f"{cls_name}.{method}"
        for base in cls.bases:
            found = self.find_method(base, method, seen | {cls_name})
            if found is not None:
                return found
        return None

    def is_keras(self, cls_name: str, seen: frozenset[str] = frozenset()) -> bool:
        cls_name = self.resolve(cls_name)
        if cls_name in self._keras:
            return self._keras[cls_name]
        cls = self.classes.get(cls_name)
        result = False
        if cls is not None and cls_name not in seen:
            for base in cls.bases:
                if base.startswith(KERAS_PREFIXES) or self.is_keras(base, seen | {cls_name}):
                    result = True
                    break
        self._keras[cls_name] = result
        return result

    def targets_of(self, ref: CallRef, owner_class: str | None = None) -> list[str]:
        """Functions of the tree a call reference can run."""
        if ref.kind in (CALL, REF):
            name = self.resolve(ref.target)
            if name in self.functions:
                return [name]
            if name in self.classes and ref.kind == CALL:
                init = self.find_method(name, "__init__")
                return [init] if init else []
            return []
        if ref.kind == SELF_METHOD:
            cls, _, meth = ref.target.partition(":")
            found = self.find_method(cls, meth)
            return [found] if found else []
        if ref.kind == INSTANCE:
            for meth in ("call", "__call__"):
                found = self.find_method(ref.target, meth)
                if found:
                    return [found]
            return []
        if ref.kind == METHOD:
            cls, _, meth = ref.target.partition(":")
            found = self.find_method(cls, meth)
            return [found] if found else []
        return []

    def edges(self, qualname: str) -> Iterable[tuple[str, CallRef]]:
        fn = self.functions.get(qualname)
        if fn is None:
            return
        for ref in fn.calls:
            for target in self.targets_of(ref):
                if target != qualname:
                    yield target, ref

    def class_entry_points(self, cls_name: str) -> list[str]:
        out = []
        for meth in KERAS_TRACED_METHODS:
            found = self.find_method(cls_name, meth)
            if found:
                out.append(found)
        return out


def _bfs(index: _Index, starts: Sequence[str]) -> dict[str, tuple[str, ...]]:
    chains: dict[str, tuple[str, ...]] = {}
    queue: deque[str] = deque()
    for s in starts:
        if s in index.functions and s not in chains:
            chains[s] = (s,)
            queue.append(s)
    while queue:
        cur = queue.popleft()
        for target, _ in index.edges(cur):
            if target not in chains:
                chains[target] = chains[cur] + (target,)
                queue.append(target)
    return chains


def _keras_compile_starts(index: _Index, root: Root) -> tuple[list[str], list[str]]:
    """Entry points of a compiled Keras model: layers' call methods, Model steps, Lambda bodies."""
    starts: list[str] = []
    unresolved: list[str] = []
    model_classes: list[str] = []
    if root.model_class:
        model_classes.append(root.model_class)
    builder_fn: str | None = None
    if root.builder:
        resolved = index.resolve(root.builder)
        if resolved in index.classes:
            model_classes.append(resolved)
        elif resolved in index.functions:
            builder_fn = resolved
        else:
            unresolved.append(f"model built by {root.builder}")
    if not root.model_class and not root.builder:
        unresolved.append("compiled model not resolved (not assigned from a call in this function)")
    for cls in model_classes:
        starts.extend(index.class_entry_points(cls))
    if builder_fn is not None:
        # Layers constructed by the builder and by what it calls (build_encoder(), ...).
        builders = _bfs(index, [builder_fn])
        for fn_name in builders:
            fn = index.functions[fn_name]
            for constructed in fn.constructs:
                cls = index.resolve(constructed)
                if cls in index.classes:
                    starts.extend(index.class_entry_points(cls))
            for ref in fn.lambda_calls:
                starts.extend(index.targets_of(ref))
    return list(dict.fromkeys(starts)), unresolved


def _rename(name: str, old: str, new: str) -> str:
    if name == old:
        return new
    if name.startswith(old + "."):
        return new + name[len(old):]
    return name


def _rename_ref(ref: CallRef, old: str, new: str) -> CallRef:
    target = ref.target
    if ref.kind in (SELF_METHOD, METHOD):
        cls, _, meth = target.partition(":")
        return replace(ref, target=f"{_rename(cls, old, new)}:{meth}")
    return replace(ref, target=_rename(target, old, new))


def unique_module_name(module_name: str, path: str) -> str:
    return f"{module_name}@{path}"


_UNIQUE_SUFFIX = re.compile(r"@.*?\.pyi?(?=\.|$)")


def display_name(qualname: str) -> str:
    """A qualified name as people know it: the ``@path`` of a disambiguated module removed."""
    return _UNIQUE_SUFFIX.sub("", qualname) if "@" in qualname else qualname


def _disambiguate(facts: Sequence[XlaModuleFacts]) -> tuple[list[XlaModuleFacts], dict[tuple[str, str], str]]:
    """Scripts in different directories share module names (five ``buggy.py`` give five ``buggy``):
    give each such module a name of its own so one file's functions never stand in for another's."""
    paths: dict[str, set[str]] = {}
    for mod in facts:
        paths.setdefault(mod.module_name, set()).add(mod.path)
    out: list[XlaModuleFacts] = []
    renamed: dict[tuple[str, str], str] = {}
    for mod in facts:
        if len(paths[mod.module_name]) < 2:
            out.append(mod)
            continue
        old, new = mod.module_name, unique_module_name(mod.module_name, mod.path)
        renamed[(old, mod.path)] = new
        r = lambda n: _rename(n, old, new)  # noqa: E731
        rr = lambda ref: _rename_ref(ref, old, new)  # noqa: E731
        out.append(XlaModuleFacts(
            module_name=new,
            path=mod.path,
            functions=tuple(replace(fn, qualname=r(fn.qualname), module=new,
                                    class_qualname=r(fn.class_qualname) if fn.class_qualname else None,
                                    calls=tuple(rr(c) for c in fn.calls), constructs=tuple(r(c) for c in fn.constructs),
                                    lambda_calls=tuple(rr(c) for c in fn.lambda_calls)) for fn in mod.functions),
            classes=tuple(replace(c, qualname=r(c.qualname), module=new, bases=tuple(r(b) for b in c.bases),
                                  attr_classes=tuple((a, r(t)) for a, t in c.attr_classes)) for c in mod.classes),
            roots=tuple(replace(root, module=new, targets=tuple(rr(t) for t in root.targets),
                                builder=r(root.builder) if root.builder else None,
                                model_class=r(root.model_class) if root.model_class else None)
                        for root in mod.roots),
            aliases=tuple((k, r(v)) for k, v in mod.aliases),
            auto_jit=tuple(replace(a, module=new) for a in mod.auto_jit),
            mutated=tuple(r(m) for m in mod.mutated),
        ))
    return out, renamed


def build(facts: Sequence[XlaModuleFacts]) -> RegionMap:
    facts, renamed = _disambiguate(facts)
    index = _Index(facts)
    roots: list[Root] = sorted((r for mod in facts for r in mod.roots), key=lambda r: (r.path, r.line, r.col))
    auto_jit = tuple(sorted((a for mod in facts for a in mod.auto_jit), key=lambda a: (a.path, a.line)))
    regions: list[CompiledRegion] = []
    compiled: dict[str, FunctionRegion] = {}
    traced: dict[str, FunctionRegion] = {}
    root_functions: set[str] = set()
    for i, root in enumerate(roots):
        unresolved: list[str] = []
        if root.kind == "keras-compile":
            starts, unresolved = _keras_compile_starts(index, root)
        else:
            starts = []
            for ref in root.targets:
                found = index.targets_of(ref)
                if not found and ref.kind in (CALL, REF):
                    unresolved.append(ref.target)
                starts.extend(found)
        chains = _bfs(index, starts)
        root_functions.update(starts)
        members = tuple(
            RegionMember(display_name(q), index.functions[q].path, index.functions[q].line,
                         tuple(display_name(c) for c in chain))
            for q, chain in sorted(chains.items(), key=lambda kv: (len(kv[1]), kv[0]))
        )
        is_compiled = root.switch.compiles
        flags = tuple(a for a in auto_jit if index.same_process(a.module, root.module))
        regions.append(CompiledRegion(root, is_compiled, members, tuple(dict.fromkeys(unresolved)),
                                      flags if not is_compiled and root.kind.startswith("tf.function") else ()))
        for q, chain in chains.items():
            shown = tuple(display_name(c) for c in chain)
            if is_compiled:
                compiled.setdefault(q, FunctionRegion(i, shown))
            traced.setdefault(q, FunctionRegion(i, shown))
    # Keras traces every layer's call (and a model's steps) when the model runs under fit/predict.
    keras_starts = [m for name in index.classes if index.is_keras(name) for m in index.class_entry_points(name)]
    keras_chains = _bfs(index, keras_starts)
    root_functions.update(keras_starts)
    module_functions: dict[str, set[str]] = {}
    for q in (*traced, *keras_chains):
        fn = index.functions.get(q)
        if fn is not None:
            module_functions.setdefault(fn.module, set()).add(q)
    module_roots: dict[str, list[Root]] = {}
    for root in roots:
        module_roots.setdefault(root.module, []).append(root)
    # Callers that look a file up by its plain module name (before disambiguation) still find
    # that something is there; check_module_xla then uses the unique name.
    for (plain, _path), unique in renamed.items():
        if unique in module_functions:
            module_functions.setdefault(plain, set()).update(module_functions[unique])
        if unique in module_roots:
            module_roots.setdefault(plain, []).extend(module_roots[unique])
    return RegionMap(
        regions=tuple(regions),
        compiled=compiled,
        traced=traced,
        keras_traced=frozenset(keras_chains),
        module_functions={k: tuple(sorted(v)) for k, v in module_functions.items()},
        module_roots={k: tuple(v) for k, v in module_roots.items()},
        auto_jit=auto_jit,
        renamed=renamed,
        mutated_globals=frozenset(index.resolve(m) for mod in facts for m in mod.mutated),
        always_passed=_always_passed(index, root_functions),
    )


def _always_passed(index: _Index, roots: set[str]) -> dict[str, frozenset[str]]:
    """Parameters that every call in the tree passes to a function, for functions that are called
    at least once, never passed as a value or with ``*args``, and are no root (a root's callers are
    outside the tree). ``if n is None: n = cfg["n"]`` is then dead on every traced path."""
    passed: dict[str, set[str] | None] = {}
    for fn in index.functions.values():
        for ref in fn.calls:
            for target in index.targets_of(ref):
                callee = index.functions.get(target)
                if callee is None or target in roots or passed.get(target, set()) is None:
                    continue
                if ref.kind == REF or "*" in ref.passed or not callee.params:
                    passed[target] = None
                    continue
                params = callee.params
                offset = 1 if callee.class_qualname is not None and params[0] in ("self", "cls") else 0
                names = {p if not p.isdigit() else (params[int(p) + offset] if int(p) + offset < len(params) else p)
                         for p in ref.passed}
                known = passed.get(target)
                passed[target] = names if known is None else known & names
    return {k: frozenset(v) for k, v in passed.items() if v}
