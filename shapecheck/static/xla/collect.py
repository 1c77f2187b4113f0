"""One pass over a module: functions, calls, classes and compile roots (``XlaModuleFacts``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from shapecheck.static.blocks import child_blocks
from shapecheck.static.xla.facts import (
    CALL, INSTANCE, METHOD, REF, SELF_METHOD,
    AutoJit, CallRef, ClassFacts, FunctionFacts, Root, Switch, XlaModuleFacts,
)
from shapecheck.static.file_model import FileModel, file_model
from shapecheck.static.imports import ImportTable, dotted_name
from shapecheck.static.literals import string_value
from shapecheck.static.guard import TokenScan, check_source
from shapecheck.static.xla.positions import TextPositions
from shapecheck.static.xla.walk import iter_nodes, walk

TF_FUNCTION = frozenset({"tensorflow.function", "tensorflow.compat.v2.function", "tensorflow.compat.v1.function"})
XLA_COMPILE = frozenset({"tensorflow.xla.experimental.compile", "tensorflow.compat.v1.xla.experimental.compile"})
JIT_SCOPE = frozenset({"tensorflow.xla.experimental.jit_scope", "tensorflow.compat.v1.xla.experimental.jit_scope"})
SET_JIT = frozenset({"tensorflow.config.optimizer.set_jit", "tensorflow.compat.v1.config.optimizer.set_jit"})
KERAS_COMPILE_KWARGS = frozenset({"jit_compile", "optimizer", "loss", "metrics", "run_eagerly", "steps_per_execution"})
CONFIG_NAMES = frozenset({"cfg", "config", "params", "hparams", "settings", "flags", "conf", "options", "opts"})
ENV_READERS = frozenset({"os.environ", "os.getenv", "os.environ.get"})
# Methods that change the object they are called on (``CFG.update(...)``): a module-level object
# called so anywhere is mutable configuration (as ``CFG["n"] = ...`` and ``global CFG`` make it).
MUTATORS = frozenset({"update", "setdefault", "__setitem__", "set"})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def names_xla_switch(text: str) -> bool:
    """Whether a key or expression names an XLA/JIT setting: ``xla`` or ``jit`` as a whole word of it
    (``use_xla``, ``jit_compile``, ``TF_XLA_FLAGS``, ``enableJit``), not inside another word
    (``color_jitter``, ``jitted_noise``)."""
    return any(w.lower() in ("xla", "jit") for w in _WORDS.findall(text))


def is_lambda_layer(name: str | None) -> bool:
    return bool(name) and (name.endswith("layers.Lambda") or name.endswith("layers.core.Lambda"))


def module_is_package(path: str) -> bool:
    return Path(path).name == "__init__.py"


def iter_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.BaseSmallStatement | cst.BaseCompoundStatement]:
    """Every statement under ``body`` (entering compound statements), without touching expressions."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
            continue
        if isinstance(stmt, cst.BaseSmallStatement):  # a one-line suite's statements
            yield stmt
            continue
        if not isinstance(stmt, cst.BaseCompoundStatement):
            continue
        yield stmt
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            yield from iter_statements(stmt.body.body)
            continue
        for block in child_blocks(stmt):
            yield from iter_statements(block)


def model_for(module: cst.Module, module_name: str, path: str) -> FileModel:
    """The module's semantic model (``file_model.py``), for callers that were not handed one."""
    return file_model(module, module_name, module_is_package(path))


def _passed(node: cst.Call) -> tuple[str, ...]:
    """What a call passes: argument positions and keywords, ``*`` for ``*args``/``**kwargs``."""
    out: list[str] = []
    position = 0
    for arg in node.args:
        if arg.star:
            out.append("*")
        elif arg.keyword is not None:
            out.append(arg.keyword.value)
        else:
            out.append(str(position))
            position += 1
    return tuple(out)


def classify_switch(value: cst.BaseExpression, table: ImportTable, params: frozenset[str],
                    module_globals: frozenset[str], text: str,
                    local_values: dict[str, cst.BaseExpression] | None = None) -> str:
    if isinstance(value, cst.Name) and local_values and value.value in local_values:
        # `use_xla = os.environ.get(...) == "1"; ...compile(jit_compile=use_xla)`: classify the source
        source = local_values[value.value]
        kind = classify_switch(source, table, params, module_globals, text)
        return kind if kind != "expr" or not isinstance(source, cst.Name) else "expr"
    if isinstance(value, cst.Name):
        if value.value == "True":
            return "literal-true"
        if value.value == "False":
            return "literal-false"
        if value.value == "None":
            return "absent"
        if value.value in params:
            return "param"
        if value.value in module_globals or value.value in table.names:
            return "global"
        return "expr"
    if isinstance(value, cst.SimpleString):
        return "auto" if "auto" in value.value else "expr"
    if _reads_env(value, table):
        return "env"
    if isinstance(value, (cst.Subscript, cst.Attribute)):
        return "config"
    if isinstance(value, cst.Call):
        callee = dotted_name(value.func) or ""
        if callee.endswith(".get") or callee.split(".")[0] in CONFIG_NAMES:
            return "config"
    return "expr"


def _reads_env(value: cst.BaseExpression, table: ImportTable) -> bool:
    return any(isinstance(n, cst.Attribute) and table.resolve(n) in ENV_READERS for n in iter_nodes(value))


@dataclass
class _FunctionCtx:
    qualname: str
    line_node: cst.FunctionDef
    class_qualname: str | None
    params: frozenset[str]
    positional: tuple[str, ...] = ()
    calls: list[CallRef] = field(default_factory=list)
    constructs: list[str] = field(default_factory=list)
    lambda_calls: list[CallRef] = field(default_factory=list)
    local_names: set[str] = field(default_factory=set)
    local_defs: dict[str, str] = field(default_factory=dict)
    var_class: dict[str, str] = field(default_factory=dict)  # var = Callee(...) -> qualified callee
    values: dict[str, cst.BaseExpression] = field(default_factory=dict)  # name -> last value assigned


@dataclass
class _ClassCtx:
    qualname: str
    node: cst.ClassDef
    bases: tuple[str, ...]
    methods: list[str] = field(default_factory=list)
    attr_classes: dict[str, str] = field(default_factory=dict)


@dataclass
class _PendingRoot:
    kind: str
    node: cst.CSTNode  # position of the root: a Decorator or a Call
    label: str
    switch_kind: str
    switch_text: str
    switch_node: cst.CSTNode | None
    targets: tuple[CallRef, ...]
    builder: str | None = None
    model_class: str | None = None
    decorated: cst.FunctionDef | None = None  # for decorator roots
    switch_call: cst.Call | None = None  # the call whose jit_compile= keyword holds the switch


class _Collector:
    def __init__(self, model: FileModel) -> None:
        self.model = model
        self.module = model.module
        self.module_name = model.module_name
        self.table = model.imports
        self.functions: list[_FunctionCtx] = []
        self.fn_stack: list[_FunctionCtx] = []
        self.classes: list[_ClassCtx] = []
        self.class_stack: list[_ClassCtx] = []
        self.roots: list[_PendingRoot] = []
        self.auto_jit: list[tuple[cst.CSTNode, str]] = []
        self.aliases: dict[str, str] = {}
        self.lambda_depth = 0
        self.lambda_calls_stack: list[cst.Call] = []
        self.jit_scopes: list[list[CallRef]] = []
        self.jit_scope_nodes: list[tuple[cst.With, cst.Call]] = []
        # (name, def/class node) in source order
        self.def_order: list[tuple[str, cst.CSTNode]] = [(d.node.name.value, d.node) for d in model.definitions]
        self.call_seq: dict[int, tuple[str, int]] = {}  # id(Call) -> (callee as written, occurrence)
        self.call_counts: dict[str, int] = {}
        self.mutated: set[str] = set()  # qualified module-level objects this module mutates
        self.if_tests: list[cst.BaseExpression] = []  # enclosing `if` tests (a jit_compile=True under
        # `if cfg.use_xla:` is controlled by that setting)
        self.module_globals = model.module_globals

    # ---- helpers -------------------------------------------------------------------------
    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node).strip()

    def qual(self, node: cst.FunctionDef | cst.ClassDef) -> str:
        """A definition's qualified name, from the file's index of definitions."""
        d = self.model.definition(node)
        if d is None:  # a statement the index does not enter (none known): named at module level
            return f"{self.module_name}.{node.name.value}" if self.module_name else node.name.value
        return d.qualname

    def shadowed(self) -> set[str]:
        if not self.fn_stack:
            return set()
        ctx = self.fn_stack[-1]
        return set(ctx.params) | ctx.local_names

    def resolve_expr(self, node: cst.BaseExpression) -> CallRef | None:
        """What a called or referenced expression denotes, as a CallRef of kind CALL/SELF_METHOD/
        INSTANCE/METHOD (the caller turns CALL into REF for references)."""
        dotted = dotted_name(node)
        line = 0
        if dotted is None:
            if isinstance(node, cst.Call):
                inner = self.resolve_expr(node.func)
                if inner is not None and inner.kind == CALL:
                    return CallRef(INSTANCE, inner.target, line)
            return None
        parts = dotted.split(".")
        head = parts[0]
        ctx = self.fn_stack[-1] if self.fn_stack else None
        cls = self.class_stack[-1] if self.class_stack else None
        if ctx is not None:
            for frame in reversed(self.fn_stack):
                if head in frame.local_defs and len(parts) == 1:
                    return CallRef(CALL, frame.local_defs[head], line)
            if dotted == "self" and ctx.class_qualname is not None:
                return CallRef(INSTANCE, ctx.class_qualname, line)  # self(x) in a Model's train_step
            if head in ("self", "cls") and ctx.class_qualname is not None and len(parts) >= 2:
                attr = parts[1]
                owner = next((c for c in reversed(self.class_stack) if c.qualname == ctx.class_qualname), cls)
                attr_cls = owner.attr_classes.get(attr) if owner is not None else None
                if len(parts) == 2:
                    if attr_cls is not None:
                        return CallRef(INSTANCE, attr_cls, line)
                    return CallRef(SELF_METHOD, f"{ctx.class_qualname}:{attr}", line)
                if len(parts) == 3 and attr_cls is not None:
                    return CallRef(METHOD, f"{attr_cls}:{parts[2]}", line)
                return None
            if head in ctx.var_class:
                if len(parts) == 1:
                    return CallRef(INSTANCE, ctx.var_class[head], line)
                if len(parts) == 2:
                    return CallRef(METHOD, f"{ctx.var_class[head]}:{parts[1]}", line)
                return None
            if head in ctx.params or head in ctx.local_names:
                return None
        resolved = self.table.resolve_dotted(dotted)
        if resolved is None:
            return None
        return CallRef(CALL, resolved, line)

    # ---- definitions ---------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        bases = tuple(r for r in (self.table.resolve(a.value) for a in node.bases) if r)
        ctx = _ClassCtx(self.qual(node), node, bases)
        self.classes.append(ctx)
        self.class_stack.append(ctx)
        # self.attr = Cls(...) anywhere in the class body: needed before methods are visited.
        for method in self.model.methods(node):
            ctx.methods.append(method.node.name.value)
            self._scan_attr_classes(method.node, ctx)  # type: ignore[arg-type]
        return True

    def _scan_attr_classes(self, method: cst.FunctionDef, ctx: _ClassCtx) -> None:
        for node in iter_statements([method]):
            if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
                callee = dotted_name(node.value.func)
                resolved = self.table.resolve_dotted(callee) if callee else None
                if resolved is not None:
                    for t in node.targets:
                        target = dotted_name(t.target)
                        if target and target.startswith("self.") and target.count(".") == 1:
                            ctx.attr_classes[target[5:]] = resolved

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        entry = self.model.definition(node)
        qual = self.qual(node)
        if self.fn_stack:
            self.fn_stack[-1].local_defs[node.name.value] = qual
            self.fn_stack[-1].local_names.add(node.name.value)
        in_class: str | None = None
        if entry is not None and entry.in_class and self.class_stack:
            in_class = self.class_stack[-1].qualname
        elif self.fn_stack:
            in_class = self.fn_stack[-1].class_qualname  # closures inside a method still see self
        params = frozenset(
            p.name.value
            for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
        ) | frozenset(
            p.name.value for p in (node.params.star_arg, node.params.star_kwarg) if isinstance(p, cst.Param)
        )
        ctx = _FunctionCtx(qual, node, in_class, params,
                           tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params)))
        ctx.local_defs = {
            s.name.value: f"{qual}.{s.name.value}" for s in node.body.body if isinstance(s, cst.FunctionDef)
        } if isinstance(node.body, cst.IndentedBlock) else {}
        self._decorator_roots(node, qual, ctx)
        self.functions.append(ctx)
        self.fn_stack.append(ctx)
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.fn_stack.pop()

    def _local_values(self) -> dict[str, cst.BaseExpression]:
        return self.fn_stack[-1].values if self.fn_stack else {}

    def _enclosing_params(self) -> frozenset[str]:
        return self.fn_stack[-1].params if self.fn_stack else frozenset()

    def _decorator_roots(self, node: cst.FunctionDef, qual: str, ctx: _FunctionCtx) -> None:
        for dec in node.decorators:
            expr = dec.decorator
            call = expr if isinstance(expr, cst.Call) else None
            name = self.table.resolve(call.func if call else expr, self.shadowed())
            if name not in TF_FUNCTION:
                continue
            jit = _jit_kwarg(call) if call else None
            target = CallRef(CALL, qual, 0)
            if jit is None:
                self.roots.append(_PendingRoot("tf.function", dec, f"@tf.function on {qual}", "absent", "", None,
                                               (target,), decorated=node))
                continue
            text = self.code(jit)
            kind, stext = self._guard(
                classify_switch(jit, self.table, self._enclosing_params(), self.module_globals, text, self._local_values()), text)
            self.roots.append(_PendingRoot("tf.function", dec, f"@tf.function(jit_compile={text}) on {qual}",
                                           kind, stext, jit, (target,), decorated=node, switch_call=call))

    # ---- statements ----------------------------------------------------------------------
    def _xla_flags_write(self, target: cst.BaseExpression, anchor: cst.CSTNode) -> None:
        """``os.environ["TF_XLA_FLAGS"] = ...`` configures auto-clustering (never explicit jit_compile)."""
        if isinstance(target, cst.Subscript) and self.table.resolve(target.value) == "os.environ":
            index = target.slice[0].slice if target.slice else None
            if isinstance(index, cst.Index) and string_value(index.value) == "TF_XLA_FLAGS":
                self.auto_jit.append((anchor, self.code(anchor)))

    def _global_of(self, node: cst.BaseExpression) -> str | None:
        """The qualified module-level object an expression names (``p.cfg`` -> ``ptycho.params.cfg``)."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head = dotted.split(".")[0]
        if head in self.shadowed() or head in ("self", "cls"):
            return None
        if head in self.module_globals and head not in self.table.names:
            return f"{self.module_name}.{dotted}"
        return self.table.resolve_dotted(dotted)

    def _note_mutation(self, base: cst.BaseExpression) -> None:
        qualified = self._global_of(base)
        if qualified is not None and not qualified.startswith(("os.", "builtins.")):
            self.mutated.add(qualified)

    def visit_Assign(self, node: cst.Assign) -> bool:
        for t in node.targets:
            self._xla_flags_write(t.target, t.target)
            if isinstance(t.target, cst.Subscript):
                self._note_mutation(t.target.value)
        if not self.fn_stack:
            if isinstance(node.value, cst.Call):
                fname = self.table.resolve(node.value.func)
                if fname in TF_FUNCTION and node.value.args:
                    ref = self.resolve_expr(node.value.args[0].value)
                    if ref is not None and ref.kind == CALL:
                        for t in node.targets:
                            if isinstance(t.target, cst.Name):
                                self.aliases[t.target.value] = ref.target
            return True
        ctx = self.fn_stack[-1]
        for t in node.targets:
            for name in _target_names(t.target):
                ctx.local_names.add(name)
            if isinstance(t.target, cst.Name):
                ctx.values[t.target.value] = node.value
        if isinstance(node.value, cst.Call):
            ref = self.resolve_expr(node.value.func)
            for t in node.targets:
                if isinstance(t.target, cst.Name):
                    if ref is not None and ref.kind == CALL:
                        ctx.var_class[t.target.value] = ref.target
                    else:
                        ctx.var_class.pop(t.target.value, None)
        else:
            for t in node.targets:
                if isinstance(t.target, cst.Name):
                    ctx.var_class.pop(t.target.value, None)
        return True

    def visit_Global(self, node: cst.Global) -> bool:
        """``global X`` in a function: the function rebinds the module's ``X``."""
        for item in node.names:
            if item.name.value in self.module_globals:
                self.mutated.add(f"{self.module_name}.{item.name.value}")
        return False

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        if self.fn_stack:
            self.fn_stack[-1].local_names.update(_target_names(node.target))
        return True

    def visit_For(self, node: cst.For) -> bool:
        if self.fn_stack:
            self.fn_stack[-1].local_names.update(_target_names(node.target))
        return True

    def visit_With(self, node: cst.With) -> bool:
        for item in node.items:
            if isinstance(item.item, cst.Call) and self.table.resolve(item.item.func) in JIT_SCOPE:
                self.jit_scopes.append([])
                self.jit_scope_nodes.append((node, item.item))
                return True
        return True

    def leave_With(self, original_node: cst.With) -> None:
        if self.jit_scope_nodes and self.jit_scope_nodes[-1][0] is original_node:
            _, scope_call = self.jit_scope_nodes.pop()
            calls = self.jit_scopes.pop()
            where = self.fn_stack[-1].qualname if self.fn_stack else self.module_name
            self.roots.append(_PendingRoot("jit-scope", scope_call, f"with jit_scope() in {where}", "always",
                                           "", None, tuple(calls)))

    def visit_If(self, node: cst.If) -> bool:
        self.if_tests.append(node.test)
        return True

    def leave_If(self, original_node: cst.If) -> None:
        self.if_tests.pop()

    def _guard(self, kind: str, text: str) -> tuple[str, str]:
        """A literal True under an `if` that tests an XLA/JIT setting is controlled by that setting."""
        if kind != "literal-true":
            return kind, text
        for test in reversed(self.if_tests):
            test_text = self.code(test)
            if names_xla_switch(test_text):
                return "guarded", test_text
        return kind, text

    # ---- calls ---------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> bool:
        written = dotted_name(node.func)
        if written is not None:
            n = self.call_counts.get(written, 0)
            self.call_seq[id(node)] = (written, n)
            self.call_counts[written] = n + 1
        ref = self.resolve_expr(node.func)
        name = ref.target if ref is not None and ref.kind == CALL else None
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in MUTATORS:
            self._note_mutation(node.func.value)
        if name in SET_JIT:
            self.auto_jit.append((node, self.code(node)))
        elif name in ("os.environ.setdefault", "os.putenv") and node.args and string_value(node.args[0].value) == "TF_XLA_FLAGS":
            self.auto_jit.append((node, self.code(node)))
        elif name in TF_FUNCTION and node.args and node.args[0].keyword is None:
            self._tf_function_call(node)
        elif name in XLA_COMPILE and node.args:
            target = self.resolve_expr(node.args[0].value)
            if target is None:
                target = CallRef(CALL, f"<{self.code(node.args[0].value)}>", 0)
            targets = (CallRef(CALL, target.target, 0),) if target.kind == CALL else (target,)
            self.roots.append(_PendingRoot("xla-compile", node, f"tf.xla.experimental.compile({self.code(node.args[0].value)})",
                                           "always", "", None, targets))
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "compile" and (
            any(a.keyword is not None and a.keyword.value in KERAS_COMPILE_KWARGS for a in node.args)
        ):
            self._keras_compile(node)
        if ref is not None:
            self._record(replace(ref, passed=_passed(node)))
        for arg in node.args:
            if isinstance(arg.value, (cst.Name, cst.Attribute)):
                aref = self.resolve_expr(arg.value)
                if aref is not None:
                    self._record(CallRef(REF, aref.target, 0) if aref.kind == CALL else aref)
        if is_lambda_layer(name):
            self.lambda_depth += 1
            self.lambda_calls_stack.append(node)
        return True

    def leave_Call(self, original_node: cst.Call) -> None:
        if self.lambda_calls_stack and self.lambda_calls_stack[-1] is original_node:
            self.lambda_calls_stack.pop()
            self.lambda_depth -= 1

    def _record(self, ref: CallRef) -> None:
        for scope in self.jit_scopes:
            scope.append(ref)
        if not self.fn_stack:
            return
        ctx = self.fn_stack[-1]
        ctx.calls.append(ref)
        if ref.kind == CALL:
            last = ref.target.rsplit(".", 1)[-1]
            if last[:1].isupper():
                ctx.constructs.append(ref.target)
        if self.lambda_depth:
            ctx.lambda_calls.append(ref)

    def _tf_function_call(self, node: cst.Call) -> None:
        target = self.resolve_expr(node.args[0].value)
        if target is None:  # a parameter, a lambda, an attribute of an unknown object
            target = CallRef(CALL, f"<{self.code(node.args[0].value)}>", 0)
        if target.kind == REF:
            target = CallRef(CALL, target.target, 0)
        jit = _jit_kwarg(node)
        text = self.code(jit) if jit is not None else ""
        kind = "absent" if jit is None else classify_switch(jit, self.table, self._enclosing_params(), self.module_globals, text, self._local_values())
        label = f"tf.function({self.code(node.args[0].value)}" + (f", jit_compile={text})" if jit is not None else ")")
        kind, stext = self._guard(kind, text)
        self.roots.append(_PendingRoot("tf.function-call", node, label, kind, stext, jit, (target,), switch_call=node))

    def _keras_compile(self, node: cst.Call) -> None:
        assert isinstance(node.func, cst.Attribute)
        jit = _jit_kwarg(node)
        text = self.code(jit) if jit is not None else ""
        kind = "auto" if jit is None else classify_switch(jit, self.table, self._enclosing_params(), self.module_globals, text, self._local_values())
        kind, stext = self._guard(kind, text)
        receiver = dotted_name(node.func.value)
        ctx = self.fn_stack[-1] if self.fn_stack else None
        builder: str | None = None
        model_class: str | None = None
        if receiver == "self" and ctx is not None and ctx.class_qualname:
            model_class = ctx.class_qualname
        elif receiver is not None and ctx is not None and receiver in ctx.var_class:
            source = ctx.var_class[receiver]
            if source.startswith(("tensorflow.", "keras.", "tf_keras.")):
                builder = ctx.qualname  # functional / Sequential model built right here
            else:
                builder = source  # a class or a builder function in the tree; resolved later
        elif receiver is not None and ctx is not None and receiver.startswith("self.") and ctx.class_qualname:
            owner = next((c for c in self.class_stack if c.qualname == ctx.class_qualname), None)
            attr = receiver[5:]
            if owner is not None and attr in owner.attr_classes:
                builder = owner.attr_classes[attr]
        label = f"{receiver or '<model>'}.compile(" + (f"jit_compile={text})" if jit is not None else ")")
        self.roots.append(_PendingRoot("keras-compile", node, label, kind, stext, jit, (), builder, model_class,
                                       switch_call=node))


def _kwarg(call: cst.Call | None, name: str) -> cst.BaseExpression | None:
    if call is None:
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _jit_kwarg(call: cst.Call) -> cst.BaseExpression | None:
    """``jit_compile=`` (or its TF 2.4-era spelling ``experimental_compile=``)."""
    found = _kwarg(call, "jit_compile")
    return found if found is not None else _kwarg(call, "experimental_compile")


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in target.elements:
            out.extend(_target_names(el.value))
        return out
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


# The parsed text with the guard's token scan of it (None when the scan refuses it)
TextIndex = Callable[[], "tuple[str, TokenScan] | None"]


def collect(module_name: str, path: str, wrapper: MetadataWrapper, text_index: TextIndex | None = None,
            model: FileModel | None = None) -> XlaModuleFacts:
    module = wrapper.module
    model = model if model is not None else model_for(module, module_name, path)
    table = model.imports
    collector = _Collector(model)
    walk(module, collector)
    # `fast = tf.function(slow)` at module level: `fast` is `slow` for the region map; the shared
    # import table is not changed (the shape rules read it too, at other times)
    try:
        return _facts(module_name, path, collector, table, _Locator(collector, wrapper, path, text_index=text_index))
    except (KeyError, IndexError, StopIteration, ValueError):
        # the cheap position matching met something it does not model: use libcst's positions
        return _facts(module_name, path, collector, table, _Locator(collector, wrapper, path, exact=True))


def _facts(module_name: str, path: str, collector: _Collector, table: ImportTable, locate: _Locator) -> XlaModuleFacts:

    functions = tuple(
        FunctionFacts(
            qualname=ctx.qualname, module=module_name, path=path, line=locate.def_line(ctx.line_node),
            class_qualname=ctx.class_qualname, calls=tuple(dict.fromkeys(ctx.calls)),
            constructs=tuple(dict.fromkeys(ctx.constructs)), lambda_calls=tuple(dict.fromkeys(ctx.lambda_calls)),
            params=ctx.positional,
        )
        for ctx in collector.functions
    )
    classes = tuple(
        ClassFacts(ctx.qualname, module_name, path, locate.def_line(ctx.node), ctx.bases, tuple(ctx.methods),
                   tuple(sorted(ctx.attr_classes.items())))
        for ctx in collector.classes
    )
    roots = []
    for pending in collector.roots:
        line, col = locate.root(pending)
        sline, scol = locate.switch(pending) or (line, col)
        roots.append(Root(pending.kind, module_name, path, line, col, pending.label,
                          Switch(pending.switch_kind, pending.switch_text, sline, scol),
                          pending.targets, pending.builder, pending.model_class))
    auto = tuple(AutoJit(module_name, path, locate.any(node)[0], text) for node, text in collector.auto_jit)
    aliases = tuple(sorted({**table.names, **collector.aliases}.items()))
    return XlaModuleFacts(module_name, path, functions, classes, tuple(roots), aliases, auto,
                          tuple(sorted(collector.mutated)))


def _own_text_index(module: cst.Module) -> tuple[str, TokenScan] | None:
    """For callers without a parsed file's scan (the standalone XLA entry point)."""
    text = module.code
    scan = TokenScan()
    return (text, scan) if check_source(text, scan) is None else None


class _Locator:
    """Positions for facts, cheapest first: a regex over the file (definitions only), the parsed
    text read with the guard's token scan (definitions and roots), libcst's PositionProvider
    (always right, slowest)."""

    def __init__(self, collector: _Collector, wrapper: MetadataWrapper, path: str, exact: bool = False,
                 text_index: TextIndex | None = None) -> None:
        self.collector = collector
        self.wrapper = wrapper
        self.def_index = {id(node): i for i, (_, node) in enumerate(collector.def_order)}
        self.positions: object = None
        self.text: TextPositions | None = None
        if exact:
            self.positions = wrapper.resolve(PositionProvider)
            return
        # The parsed text itself, never the file on disk, which may differ from it (an editor's
        # unsaved buffer checked through --stdin-filename).
        indexed = text_index() if text_index is not None else _own_text_index(wrapper.module)
        candidate = TextPositions(*indexed) if indexed is not None else None
        wanted = {k: collector.call_counts.get(k, -1) for k in self._root_callees()}
        if candidate is not None and candidate.matches([n for n, _ in collector.def_order], wanted):
            self.text = candidate
        else:
            self.positions = wrapper.resolve(PositionProvider)

    def _root_callees(self) -> set[str]:
        """Callees (as written) of the calls that place roots; a call the text side cannot name
        (``get_model().compile(...)``) forces the exact path."""
        out = set()
        nodes: list[cst.CSTNode] = [p.node for p in self.collector.roots if not isinstance(p.node, cst.Decorator)]
        nodes += [p.switch_call for p in self.collector.roots if p.switch_call is not None]
        nodes += [n for n, _ in self.collector.auto_jit]
        for node in nodes:
            seq = self.collector.call_seq.get(id(node))
            if seq is None:
                out.add("\0unnamed")  # never found in the text: no match, exact positions
            else:
                out.add(seq[0])
        return out

    def _exact(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.positions[node].start  # type: ignore[index]
        return start.line, start.column + 1

    def def_line(self, node: cst.CSTNode) -> int:
        if self.text is not None:
            return self.text.def_line(self.def_index[id(node)])
        return self._exact(node)[0]

    def call(self, node: cst.Call) -> tuple[int, int]:
        if self.text is not None:
            written, occurrence = self.collector.call_seq[id(node)]
            return self.text.call(written, occurrence)
        return self._exact(node)

    def any(self, node: cst.CSTNode) -> tuple[int, int]:
        if isinstance(node, cst.Call) and self.text is not None:
            return self.call(node)
        if self.positions is None:
            self.positions = self.wrapper.resolve(PositionProvider)
        return self._exact(node)

    def root(self, pending: _PendingRoot) -> tuple[int, int]:
        if self.text is None:
            return self._exact(pending.node)
        if isinstance(pending.node, cst.Decorator) and pending.decorated is not None:
            index = next(i for i, d in enumerate(pending.decorated.decorators) if d is pending.node)
            return self.text.decorator(self.def_index[id(pending.decorated)], index)
        assert isinstance(pending.node, cst.Call)
        return self.call(pending.node)

    def switch(self, pending: _PendingRoot) -> tuple[int, int] | None:
        if pending.switch_node is None:
            return None
        if self.text is None:
            return self._exact(pending.switch_node)
        if pending.switch_call is None:
            return None
        written, occurrence = self.collector.call_seq[id(pending.switch_call)]
        return (self.text.keyword_value(written, occurrence, "jit_compile")
                or self.text.keyword_value(written, occurrence, "experimental_compile"))
