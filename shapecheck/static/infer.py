"""Symbolic shape inference over one function body (or a module's top-level code).

Flow-sensitive over straight-line code, joining at branches and loops; never raises for
code it does not understand: anything unknown becomes :data:`UNKNOWN` or an unknown dim.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable

import libcst as cst

from shapecheck.contract.expr import Expr
from shapecheck.contract.spec import ShapeSpec
from shapecheck import rules
from shapecheck.findings import Finding
from shapecheck.static import datasets, dynamism, keras_models, ops
from shapecheck.static.annotation_contracts import contract_syntax, dotted
from shapecheck.static.args import CallArgs
from shapecheck.static.imports import dynamic_import
from shapecheck.static.literals import int_literal, string_literal
from shapecheck.static.env import Env, join_branches
from shapecheck.static.contracts import Matcher, Mismatch, is_layout_mixup, spec_dims, spec_prefix
from shapecheck.static.packs import KnowledgePacks, Stub
from shapecheck.static.parsed import ParsedFile
from shapecheck.static.shape_hints import comment_shape
from shapecheck.static.shape_math import const_of, int_of, norm_axis, shape_arg, slice_length
from shapecheck.static.summary import FunctionInfo, ReturnSummary, role_from_name
from shapecheck.static.values import (
    ARGUMENT,
    TENSOR_VALUE,
    TRACE_CONST,
    UNKNOWN,
    DimSource,
    BoolValue,
    Dim,
    FloatValue,
    Callables,
    DatasetValue,
    FunctionRef,
    OpaqueSize,
    UnknownValue,
    IntValue,
    LayerValue,
    ModelValue,
    NoneValue,
    Origin,
    Sequence_,
    ShapeVector,
    StrValue,
    Tensor,
    Value,
    computed_prov,
    describe,
    format_dims,
    fresh_dim,
    join,
    as_tensor_int,
    is_tensor,
    provenance,
    with_prov,
)

MAX_INLINE_DEPTH = 3


def _own_dims_matcher(info: FunctionInfo) -> Matcher:
    """A matcher in which the function's own parameter dims (and int parameters) are known symbols."""
    m = Matcher()
    for p in info.params:
        if p.spec is not None:
            for name in p.spec.names():
                m.bind_known(name, Expr.name(name), f"parameter `{p.name}`")
        if p.is_int:
            m.bind_known(p.name, Expr.name(p.name), f"parameter `{p.name}`")
    return m


class ProjectView:
    """What the analyser may ask about other code (a ProjectIndex or nothing)."""

    def __init__(self, project: object | None) -> None:
        self.functions: dict[str, FunctionInfo] = getattr(project, "functions", {}) if project is not None else {}
        self.callable_classes: dict[str, str] = getattr(project, "callable_classes", {}) if project is not None else {}
        self.keras_classes: dict[str, str] = getattr(project, "keras_classes", {}) if project is not None else {}
        self.modules: dict[str, str] = getattr(project, "modules", {}) if project is not None else {}


@dataclass
class Frame:
    env: Env
    info: FunctionInfo | None = None
    class_name: str | None = None  # qualified name of the enclosing class (for self.method)
    returns: list[tuple[Value, cst.CSTNode]] = field(default_factory=list)
    depth: int = 0
    check_returns: bool = True
    hints: Matcher | None = None  # names bound by the function's shape comments
    stopped: bool = False  # this path has ended (``raise``, ``return``, ``break``, ``continue``)


Recorder = Callable[[cst.CSTNode, str, Value], None]


class Analyzer:
    """Infers shapes in one file and reports SC1xx findings."""

    def __init__(
        self,
        parsed: ParsedFile,
        project: object | None,
        packs: KnowledgePacks,
        record: Recorder | None = None,
        summary_mode: bool = False,
    ) -> None:
        self.parsed = parsed
        self.project = ProjectView(project)
        self.packs = packs
        self.record = record
        self.summary_mode = summary_mode  # no findings, only return summaries
        self.findings: list[Finding] = []
        self._pending: list[tuple[str, cst.CSTNode, str, list[Origin | str]]] = []
        self._reported: set[tuple[str, int]] = set()
        self._local_functions: dict[str, FunctionInfo] = {}
        self.module_env: Env = Env()
        # names looked up in the project and not found locally: if none of them is known to
        # the project, an analysis without the project gives the same findings
        self.external_lookups: set[str] = set()
        # bodies analysed for one call, outermost first: (the call, the callee's name)
        self._redirect: list[tuple[cst.CSTNode, str]] = []
        self._fresh_reads: dict[tuple[int, int], tuple[Value, Expr]] = {}
        self._opaque_reads: dict[tuple[int, str], tuple[Value, Expr]] = {}  # see _opaque_attribute
        self._loops: list[_CountedLoop] = []  # the `for` loops being walked, innermost last
        self._inline_depth = 0
        # analysers of other project files whose Keras classes this file runs (keras_models._foreign)
        self.foreign: dict[str, Analyzer | None] = {}
        self.class_defs: dict[str, cst.ClassDef] | None = None  # module-level classes, on first use
        self._uninformed: dict[tuple[int, frozenset[str]], tuple[cst.FunctionDef, Value]] = {}
        # analysing another module's helper for one call: (caller's analyzer, call, helper name, line offset)
        self._call_site: tuple[Analyzer, cst.CSTNode, str, int] | None = None
        # XLA dynamism (dynamism.py): the bounded-dynamic dims made so far (symbol -> source), the
        # compiled functions of this file (id of the def -> region notes), the region being walked
        self.dynamic: dict[str, DimSource] = {}
        self.compiled_fns: dict[int, tuple[str, ...]] = {}
        self.region: tuple[str, ...] | None = None
        self.codes: frozenset[str] | None = None  # report only these codes (None: every code)
        self.blamed: set[int] = set()  # DimSource keys already reported

    @property
    def inlining(self) -> bool:
        """True while a callee's body is analysed for one call (its beliefs are call-specific)."""
        return self._inline_depth > 0

    # ----- reporting ------------------------------------------------------------------------
    @contextmanager
    def quiet(self, when: bool = True, inlined: bool = False) -> Iterator[None]:
        """No findings while inside (``when``): code not proven to run, or analysed only for its values
        (``inlined``: one level deeper in the inlining budget)."""
        was = self.summary_mode
        self.summary_mode = was or when
        self._inline_depth += inlined
        try:
            yield
        finally:
            self.summary_mode = was
            self._inline_depth -= inlined

    @contextmanager
    def reporting_at(self, call: cst.CSTNode, callee: str) -> Iterator[None]:
        """A body analysed for one call (one level deeper in the inlining budget): its findings are
        reported at the outermost such call in this file, naming ``callee`` and the line inside."""
        self._redirect.append((call, callee))
        self._inline_depth += 1
        try:
            yield
        finally:
            self._redirect.pop()
            self._inline_depth -= 1

    def report(self, code: str, node: cst.CSTNode, message: str, notes: list[Origin | str]) -> None:
        if self.summary_mode or (self.codes is not None and code not in self.codes):
            return
        if self._redirect:
            outer, callee = self._redirect[0]
            # the chain of calls from the reported one down to the line inside
            chain = [Origin(f"`{caller}` calls `{inner}` here", call)
                     for (_c, caller), (call, inner) in zip(self._redirect, self._redirect[1:])]
            notes = [*chain, Origin(f"inside `{self._redirect[-1][1]}`, here", node), *notes]
            message = f"in the call to `{callee}`: {message}"
            node = outer
        if self._call_site is not None:
            self._report_at_caller(code, node, message, notes)
            return
        key = (code, id(node))
        if key in self._reported:
            return
        self._reported.add(key)
        self._pending.append((code, node, message, notes))

    def _report_at_caller(self, code: str, node: cst.CSTNode, message: str, notes: list[Origin | str]) -> None:
        """A finding inside another module's helper, reported at the call that reached it."""
        assert self._call_site is not None
        caller, call, callee, offset = self._call_site

        def here(n: cst.CSTNode | None) -> str | None:
            line = self.parsed.line_of(n)
            return f"{self.parsed.path}:{line + offset}" if line else None

        texts: list[Origin | str] = [f"{here(node) or self.parsed.path}: inside `{callee}`, here"]
        for n in notes:
            where = here(n.node) if isinstance(n, Origin) else None
            # an origin in the caller's own file stays an Origin: the caller resolves its line
            texts.append(f"{where}: {n.text}" if where is not None and isinstance(n, Origin) else n)
        caller.report(code, call, f"in the call to `{callee}`: {message}", texts)

    def line(self, node: cst.CSTNode) -> str:
        line = self.parsed.line_of(node)
        return f"line {line}" if line else "?"

    def finish(self) -> list[Finding]:
        """Resolve positions (only now, and only if there is something to report)."""
        out: list[Finding] = []
        for code, node, message, notes in self._pending:
            line, col, eline, ecol = self.parsed.position(node)
            texts: list[str] = []
            for n in notes:
                if isinstance(n, Origin):
                    where = self.parsed.line_of(n.node) if n.node is not None else None
                    texts.append(f"line {where}: {n.text}" if where else n.text)
                else:
                    texts.append(n)
            deduped = tuple(dict.fromkeys(texts))
            out.append(rules.get(code).finding(self.parsed.path, line, col, message, eline, ecol, deduped))
        self._pending.clear()
        return out

    # ----- names ------------------------------------------------------------------------------
    def qualname(self, node: cst.CSTNode) -> str | None:
        qn = self.parsed.qualname(node)
        return qn or dotted(node)

    def function_ref(self, node: cst.CSTNode) -> Value:
        """A name that is not a local value but a function of the project (an import), as a callable."""
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return UNKNOWN
        qn = self.qualname(node)
        return FunctionRef(qn) if qn and self.lookup_function(qn) is not None else UNKNOWN

    def lookup_function(self, qn: str | None) -> FunctionInfo | None:
        if not qn:
            return None
        info = self._local_functions.get(qn)
        if info is None:
            self.external_lookups.add(qn)
            info = self.project.functions.get(qn)
        if info is None and self.parsed.module_name:
            full = f"{self.parsed.module_name}.{qn}"
            info = self._local_functions.get(full)
            if info is None:
                self.external_lookups.add(full)
                info = self.project.functions.get(full)
        return info

    def register_local(self, functions: dict[str, FunctionInfo]) -> None:
        self._local_functions.update(functions)

    # ----- functions --------------------------------------------------------------------------
    def initial_env(self, fn: cst.FunctionDef, info: FunctionInfo | None, closure: Env | None) -> Env:
        env = (closure if closure is not None else self.module_env).child()
        if info is None:
            return env
        dim_names: set[str] = set()
        for p in info.params:
            if p.spec is not None:
                dim_names |= p.spec.names()
        if info.returns is not None:
            dim_names |= info.returns.names()
        for i, p in enumerate(info.params):
            if p.spec is not None:
                env[p.name] = Tensor(
                    spec_dims(p.spec), (Origin(f"parameter `{p.name}` contract {p.spec.text!r}", fn),), prefix=spec_prefix(p.spec),
                    prov=ARGUMENT,
                )
            elif p.is_int and p.name in dim_names:
                env[p.name] = IntValue(Expr.name(p.name), (Origin(f"parameter `{p.name}`", fn),))
            elif p.kind == "varargs" or p.kind == "varkw" or (i == 0 and info.is_method):
                env[p.name] = UNKNOWN
            else:
                # unannotated: possibly a tensor of unknown shape (its dims still read consistently)
                env[p.name] = Tensor(None, (Origin(f"parameter `{p.name}` (no contract)", fn),), prov=ARGUMENT)
        return env

    def analyse_function(
        self,
        fn: cst.FunctionDef,
        info: FunctionInfo | None,
        class_name: str | None = None,
        closure: Env | None = None,
        env: Env | None = None,
        depth: int = 0,
        check_returns: bool = True,
    ) -> Frame:
        frame = Frame(env if env is not None else self.initial_env(fn, info, closure), info, class_name, depth=depth, check_returns=check_returns)
        region = self.region
        self.region = self.compiled_fns.get(id(fn), region)  # what a compiled function calls is compiled too
        try:
            if isinstance(fn.body, cst.IndentedBlock):
                self.exec_block(fn.body.body, frame)
            else:
                self.exec_block([fn.body], frame)  # type: ignore[list-item]
        finally:
            self.region = region
        return frame

    def dynamic_dim(self, what: str, node: cst.CSTNode, key: object, sliced: bool = False) -> Expr:
        """A bounded-dynamic dim made by ``what`` at ``node``: a fresh symbol whose source is kept, so
        that it is followed through every op, assignment and call like any dim."""
        dim = fresh_dim(f"len({what})")
        (name,) = dim.names()
        parsed, offset = self.parsed, self._line_offset()
        self.dynamic[name] = DimSource(what, node, id(key), sliced, str(parsed.path),
                                       lambda: (parsed.line_of(node) or 0) + offset or None)
        return dim

    def _line_offset(self) -> int:
        """Lines to add to a position in this tree to get the file's (another module's helper is
        analysed from its own text, kept with the lines before it cut: ``foreign.py``)."""
        return self._call_site[3] if self._call_site is not None else 0

    def analyse_module(self) -> Frame:
        """Top-level code; its final bindings (constants, functions) are every function's globals."""
        frame = Frame(self.module_env)
        self.exec_block(self.parsed.module.body, frame, top_level=True)
        self.module_env = frame.env
        return frame

    # ----- statements -------------------------------------------------------------------------
    def exec_block(self, body: Iterable[cst.CSTNode], frame: Frame, top_level: bool = False) -> None:
        for stmt in body:
            if frame.stopped:
                return  # the rest of the block is not reached on this path
            self.exec_stmt(stmt, frame, top_level)

    def exec_stmt(self, stmt: cst.CSTNode, frame: Frame, top_level: bool = False) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, frame, stmt)
            comment = stmt.trailing_whitespace.comment
            if comment is not None and self.packs.shape_hints and len(stmt.body) == 1 and isinstance(
                    stmt.body[0], cst.Assign):
                targets = stmt.body[0].targets
                hint = comment_shape(comment)
                if hint is not None and len(targets) == 1 and isinstance(targets[0].target, cst.Name):
                    self._apply_shape_comment(targets[0].target.value, hint, frame, stmt)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, frame)
        elif isinstance(stmt, (cst.For, cst.While)):
            loop = _CountedLoop(None, frozenset())
            if isinstance(stmt, cst.For):
                iterated = self.ev(stmt.iter, frame)
                trips = self._trip_count(stmt.iter, frame)
                # the counter of a range over known ints is an int (its value changes per pass)
                counter = IntValue(None, (Origin("loop counter", stmt.iter),)) if trips is not None else UNKNOWN
                if isinstance(iterated, DatasetValue):
                    counter = iterated.element  # for images, labels in dataset: one element
                elif trips is None and self._autograph_loop(stmt.iter, iterated, frame):
                    # `for i in tf.range(n)`, `for s in range(0, tf.shape(x)[0], 4)`: AutoGraph makes a
                    # tf.while_loop; the counter is a loop tensor, never a constant XLA can fold
                    counter = Tensor((), (Origin("loop counter of a tf.while_loop", stmt.iter),), prov=TENSOR_VALUE)
                self.assign(stmt.target, counter, frame, stmt)
                loop = _CountedLoop(trips, _direct_calls(stmt.body))
            else:
                self.ev(stmt.test, frame)
            base = frame.env
            body = frame.env = base.child()
            self._loops.append(loop)
            try:
                self.exec_body(stmt.body, frame)
            finally:
                self._loops.pop()
            frame.stopped = False  # the body may not run, and break/continue end only one pass
            if stmt.orelse is not None:
                self.exec_body(stmt.orelse.body, frame)
            frame.env = base
            join_branches(base, [body, base.child()])  # one pass over the body, joined with skipping it
            if loop.trips is not None:
                # rows = []; for i in range(4): rows.append([i, i])  ->  a list of 4 such items
                for name, (item, node) in loop.appends.items():
                    if name not in loop.spoilt:
                        self.assign(cst.Name(name), Sequence_((item,) * loop.trips, (Origin(f"{loop.trips} appends", node),)), frame, stmt)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                v = self.ev(item.item, frame)
                if item.asname is not None:
                    self.assign(item.asname.name, v if isinstance(v, Tensor) else UNKNOWN, frame, stmt)
            # `with self.assertRaises(ValueError):` / `pytest.raises`: the body is meant to fail
            with self.quiet(any(_expects_error(item.item) for item in stmt.items)):
                self.exec_body(stmt.body, frame)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            base = frame.env
            arms = [base.child()]
            frame.env = arms[0]
            self.exec_body(stmt.body, frame)
            frame.stopped = False  # the body may raise anywhere: its handlers and what follows run
            for handler in stmt.handlers:
                frame.env = base.child()
                self.exec_body(handler.body, frame)
                if not frame.stopped:  # a handler that re-raises adds no path
                    arms.append(frame.env)
                frame.stopped = False
            frame.env = base
            join_branches(base, arms)
            if stmt.orelse is not None:
                self.exec_body(stmt.orelse.body, frame)
            if stmt.finalbody is not None:
                self.exec_body(stmt.finalbody.body, frame)
        elif isinstance(stmt, cst.FunctionDef):
            qn = self._nested_qualname(stmt, frame)
            # top-level functions see the module's final globals (closure None), nested ones their scope
            # (closures bind late, as Python's do: they read the enclosing scope when called)
            frame.env[stmt.name.value] = FunctionRef(qn, stmt, None if top_level else frame.env)
            if not top_level and frame.depth == 0 and not self.summary_mode:
                # nested functions are checked with the enclosing scope's beliefs
                info = self.lookup_function(qn)
                self.analyse_function(stmt, info, None, frame.env, depth=frame.depth + 1)
        elif isinstance(stmt, cst.ClassDef):
            return
        elif isinstance(stmt, cst.Match):
            base = frame.env
            arms: list[Env] = []
            for case in stmt.cases:
                frame.env = base.child()
                self.exec_body(case.body, frame)
                if not frame.stopped:
                    arms.append(frame.env)
                frame.stopped = False  # no case may match: the path goes on
            frame.env = base
            join_branches(base, arms)

    def _nested_qualname(self, fn: cst.FunctionDef, frame: Frame) -> str | None:
        if frame.info is not None:
            return f"{frame.info.qualname}.{fn.name.value}"
        return f"{self.parsed.module_name}.{fn.name.value}" if self.parsed.module_name else fn.name.value

    def exec_body(self, body: cst.BaseSuite, frame: Frame) -> None:
        if isinstance(body, cst.IndentedBlock):
            self.exec_block(body.body, frame)
        elif isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self.exec_small(small, frame, body)

    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        test = self.ev(stmt.test, frame)
        if isinstance(test, BoolValue) and test.value is not None:
            # a test of constants (``if axis == 1:`` with ``axis`` known): only one arm runs
            if test.value:
                self.exec_body(stmt.body, frame)
            elif isinstance(stmt.orelse, cst.If):
                self.exec_if(stmt.orelse, frame)
            elif isinstance(stmt.orelse, cst.Else):
                self.exec_body(stmt.orelse.body, frame)
            return
        # An arm that runs only under an undecided test of shapes or ranks (``if len(p.shape) ==
        # len(labels.shape): labels = tf.squeeze(labels, [-1])``) is the code's own guard: what
        # would fail in it is not proven to run, so it is not reported (its values still flow).
        with self.quiet(_reads_shapes(stmt.test)):
            base = frame.env
            then_env = frame.env = base.child()
            self.exec_body(stmt.body, frame)
            then_live = not frame.stopped
            frame.stopped = False
            else_env = frame.env = base.child()
            if isinstance(stmt.orelse, cst.If):
                self.exec_if(stmt.orelse, frame)
            elif isinstance(stmt.orelse, cst.Else):
                self.exec_body(stmt.orelse.body, frame)
            else_live = not frame.stopped
        frame.env = base
        live = [env for env, alive in ((then_env, then_live), (else_env, else_live)) if alive]
        # an arm that raises or returns adds no path past the `if`; when both do, none goes on
        frame.stopped = not live
        join_branches(base, live)

    def exec_small(self, small: cst.BaseSmallStatement, frame: Frame, stmt: cst.CSTNode) -> None:
        if isinstance(small, cst.Assign):
            if dynamic_import(small.value) is not None:
                return  # `tf = pytest.importorskip("tensorflow")`: a module, named by the import table
            value = self.ev(small.value, frame)
            for t in small.targets:
                self.assign(t.target, value, frame, small)
        elif isinstance(small, cst.AnnAssign):
            value = self.ev(small.value, frame) if small.value is not None else None
            syntax = contract_syntax(small.annotation.annotation, self.qualname)
            if syntax is not None and syntax.spec is not None:
                declared = self._declared(syntax.spec, frame, value, small)
                self.assign(small.target, declared, frame, small)
            elif value is not None:
                self.assign(small.target, value, frame, small)
        elif isinstance(small, cst.AugAssign):
            target = self.ev(small.target, frame)
            value = self.ev(small.value, frame)
            result = self.binop(target, value, small.operator, small, frame, small.target, small.value)
            self.assign(small.target, result, frame, small)
        elif isinstance(small, cst.Return):
            value = self.ev(small.value, frame) if small.value is not None else NoneValue()
            frame.returns.append((value, small))
            if frame.check_returns:
                self.check_return(value, small, frame)
            frame.stopped = True
        elif isinstance(small, cst.Expr):
            self.ev(small.value, frame)
        elif isinstance(small, cst.Raise):
            if small.exc is not None:
                self.ev(small.exc, frame)
            frame.stopped = True
        elif isinstance(small, (cst.Break, cst.Continue)):
            frame.stopped = True

    def _apply_shape_comment(self, name: str, spec: ShapeSpec, frame: Frame, stmt: cst.CSTNode) -> None:
        """``flat = ...  # (B*C, M, N, 1)``: a soft contract of the value assigned.

        The comment's names are the function's own (its contract dims when it has contracts,
        else bound by the first comment that names them, to what the code says there). A
        comment the code contradicts is reported; otherwise it fills in the dims the code
        leaves unknown.
        """
        v = frame.env.get(name)
        if not isinstance(v, Tensor) or spec.variadic_index is not None or v.alts or v.prefix:
            return
        if frame.hints is None:
            frame.hints = _own_dims_matcher(frame.info) if frame.info is not None else Matcher()
        m = frame.hints
        if v.dims is not None:
            m.match_all([(name, spec, v.dims)])
            for mm in m.mismatches:
                self.report(
                    "SC101", stmt,
                    f"`{name}` is {format_dims(v.dims)} but its shape comment says {spec.text!r}: {mm.message}"
                    + (f" ({mm.reason})" if mm.reason else ""),
                    [f"`{name}` {format_dims(v.dims)}", *v.origins, "a shape comment is a hint: fix the code or the comment"],
                )
            if m.mismatches:
                m.mismatches.clear()
                return
        else:
            for i, d in enumerate(spec.dims):
                if d.name is not None and d.expr is not None and d.expr.as_name == d.name and m.bindings.get(d.name) is None:
                    m.bind_known(d.name, self.read_dim(v, i, stmt, d.name), f"the shape comment on `{name}`")
        hinted = m.result_dims(spec)
        if hinted is None or (v.dims is not None and len(v.dims) != len(hinted)):
            return
        dims = hinted if v.dims is None else tuple(d if d is not None else h for d, h in zip(v.dims, hinted))
        frame.env[name] = Tensor(dims, (*v.origins[-3:], Origin(f"shape comment {spec.text!r}", stmt)), v.cyclic, v.param_index, v.arange)

    def _declared(self, spec: ShapeSpec, frame: Frame, value: Value | None, node: cst.CSTNode) -> Value:
        """``y: Float32[tf.Tensor, "B 2"] = ...``: the declared contract, in this function's dims."""
        m = Matcher()
        for name in spec.names():
            m.bind_known(name, Expr.name(name), "the function's contracts")
        if isinstance(value, Tensor) and value.dims is not None:
            m.match_all([("value", spec, value.dims)])
        dims = m.result_dims(spec) if spec.variadic_index is None else None
        return Tensor(dims, (Origin(f"annotation {spec.text!r}", node),))

    # ----- assignment -------------------------------------------------------------------------
    def assign(self, target: cst.BaseExpression, value: Value, frame: Frame, stmt: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            frame.env[target.value] = value
            if self.record is not None:
                self.record(stmt, target.value, value)
        elif isinstance(target, cst.Attribute):
            key = dotted(target)
            if key is not None:
                frame.env[key] = value
                if self.record is not None:
                    self.record(stmt, key, value)
        elif isinstance(target, cst.Subscript):
            self._assign_item(target, value, frame, stmt)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e for e in target.elements]
            items: list[Value] | None = None
            if isinstance(value, Sequence_) and len(value.items) == len(elements):
                items = list(value.items)
            elif isinstance(value, ShapeVector) and value.dims is not None and len(value.dims) == len(elements):
                items = [IntValue(d) for d in value.dims]
            elif isinstance(value, Tensor) and value.dims and value.dims[0] is not None and value.dims[0].const_value == len(elements):
                items = [Tensor(value.dims[1:], value.origins, prov=value.prov) for _ in elements]
            elif isinstance(value, Tensor) and value.dims is None and value.prov in (ARGUMENT, TENSOR_VALUE):
                # `signal, lengths = inputs`: unknown shapes, but where their values come from is known
                items = [Tensor(None, value.origins, prov=value.prov) for _ in elements]
            for i, el in enumerate(elements):
                if isinstance(el, cst.StarredElement):
                    self.assign(el.value, UNKNOWN, frame, stmt)
                    items = None
                    continue
                self.assign(el.value, items[i] if items is not None else UNKNOWN, frame, stmt)

    def _assign_item(self, target: cst.Subscript, value: Value, frame: Frame, stmt: cst.CSTNode) -> None:
        """``pads[axis] = [1, 2]``: a list of known items gets the new item (an unknown index forgets the list)."""
        key = dotted(target.value) if isinstance(target.value, (cst.Name, cst.Attribute)) else None
        if key is None:
            return
        seq = frame.env.get(key)
        if not isinstance(seq, Sequence_):
            return
        idx = None
        if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
            idx = const_of(self.ev(target.slice[0].slice.value, frame))
        if idx is None or not -len(seq.items) <= idx < len(seq.items):
            self.assign(target.value, UNKNOWN, frame, stmt)
            return
        items = list(seq.items)
        items[idx] = value
        self.assign(target.value, Sequence_(tuple(items), seq.origins), frame, stmt)

    # ----- returns ----------------------------------------------------------------------------
    def check_return(self, value: Value, node: cst.Return, frame: Frame) -> None:
        info = frame.info
        if info is None:
            return
        if info.returns_tuple is not None:
            self._check_tuple_return(value, node, info)
            return
        if info.returns is None or not isinstance(value, Tensor) or value.dims is None:
            return
        m = _own_dims_matcher(info)
        m.match_all([("return value", info.returns, value.dims)])
        for mm in m.mismatches:
            code = "SC103" if is_layout_mixup(mm) else "SC102"
            self.report(
                code, node.value or node,
                f"returned value {format_dims(value.dims)} contradicts the return "
                + (f"shape {info.returns.text!r} in the {info.hint}" if info.hint else f"annotation {info.returns.text!r}")
                + f" of `{info.qualname.rpartition('.')[2]}`: {mm.message}"
                + (f" ({mm.reason})" if mm.reason else ""),
                [f"returned value {format_dims(value.dims)}", *value.origins, f"return contract {info.returns.text!r}"],
            )

    def _check_tuple_return(self, value: Value, node: cst.Return, info: FunctionInfo) -> None:
        specs = info.returns_tuple
        assert specs is not None
        short = info.qualname.rpartition(".")[2]
        if not isinstance(value, Sequence_):
            return
        if len(value.items) != len(specs):
            self.report(
                "SC102", node.value or node,
                f"`{short}` returns {len(value.items)} values but its annotation promises a tuple of {len(specs)}",
                [f"returned {describe(value)}"],
            )
            return
        m = _own_dims_matcher(info)
        items: list[tuple[str, ShapeSpec, tuple[Dim, ...] | None]] = []
        tensors: list[Tensor] = []
        for k, (spec, item) in enumerate(zip(specs, value.items)):
            t = ops.tensor_like(item)
            if spec is not None and t is not None and t.dims is not None:
                items.append((f"return value {k}", spec, t.dims))
                tensors.append(t)
        m.match_all(items)
        for mm in m.mismatches:
            _name, spec, dims = items[mm.index]
            code = "SC103" if is_layout_mixup(mm) else "SC102"
            self.report(
                code, node.value or node,
                f"returned value {mm.arg.rpartition(' ')[2]} {format_dims(dims)} contradicts {spec.text!r} in the return annotation of `{short}`: {mm.message}"
                + (f" ({mm.reason})" if mm.reason else ""),
                [f"{mm.arg} {format_dims(dims)}", *tensors[mm.index].origins],
            )

    # ----- expressions ------------------------------------------------------------------------
    def ev(self, node: cst.BaseExpression | None, frame: Frame) -> Value:
        """What ``node`` evaluates to. The most frequent node types are tested first."""
        if node is None:
            return UNKNOWN
        kind = type(node)
        if kind is cst.Name:
            v = frame.env.get(node.value)  # type: ignore[attr-defined]
            if v is not None:
                return v
            if node.value == "None":  # type: ignore[attr-defined]
                return NoneValue()
            if node.value in ("True", "False"):  # type: ignore[attr-defined]
                return BoolValue(node.value == "True")  # type: ignore[attr-defined]
            return UNKNOWN
        if kind is cst.Call:
            return self.ev_call(node, frame)  # type: ignore[arg-type]
        if kind is cst.Attribute:
            return self.ev_attribute(node, frame)  # type: ignore[arg-type]
        if kind is cst.Integer:
            value = int_literal(node.value)  # type: ignore[attr-defined]
            return IntValue(Expr.const(value), (Origin(f"literal {node.value}", node),)) if value is not None else UNKNOWN  # type: ignore[attr-defined]
        if kind is cst.SimpleString or kind is cst.ConcatenatedString:
            text = string_literal(node)  # type: ignore[arg-type]
            return StrValue(text) if text is not None else UNKNOWN
        if kind is cst.Subscript:
            return self.ev_subscript(node, frame)  # type: ignore[arg-type]
        if kind is cst.Tuple or kind is cst.List:
            return self.ev_sequence(node, frame)  # type: ignore[arg-type]
        if kind is cst.BinaryOperation:
            left = self.ev(node.left, frame)  # type: ignore[attr-defined]
            right = self.ev(node.right, frame)  # type: ignore[attr-defined]
            return self.binop(left, right, node.operator, node, frame, node.left, node.right)  # type: ignore[attr-defined]
        if kind is cst.Float or kind is cst.Imaginary:
            return FloatValue()
        if kind is cst.UnaryOperation:
            v = self.ev(node.expression, frame)  # type: ignore[attr-defined]
            op = node.operator  # type: ignore[attr-defined]
            if isinstance(op, cst.Minus):
                if isinstance(v, IntValue):
                    return IntValue(-v.expr if v.expr is not None else None, v.origins)
                if isinstance(v, Tensor):
                    return Tensor(v.dims, v.origins, prov=v.prov)
                return FloatValue() if isinstance(v, FloatValue) else UNKNOWN
            if isinstance(op, cst.Not):
                return BoolValue(None)
            return v if isinstance(v, (Tensor, IntValue)) else UNKNOWN
        if kind is cst.BooleanOperation:
            left = self.ev(node.left, frame)  # type: ignore[attr-defined]
            # the right operand runs only when the left allows it: `x.shape == 2 and x.shape[1] != 1`
            # is a guard; what fails in it is reported only when the left is known to let it run
            runs = isinstance(left, BoolValue) and left.value is isinstance(node.operator, cst.And)  # type: ignore[attr-defined]
            with self.quiet(not runs):
                right = self.ev(node.right, frame)  # type: ignore[attr-defined]
            return join(left, right) if not isinstance(left, BoolValue) else UNKNOWN
        if kind is cst.Comparison:
            return self.ev_comparison(node, frame)  # type: ignore[arg-type]
        if kind is cst.IfExp:
            self.ev(node.test, frame)  # type: ignore[attr-defined]
            return join(self.ev(node.body, frame), self.ev(node.orelse, frame))  # type: ignore[attr-defined]
        if kind is cst.Lambda:
            return FunctionRef(None, node, frame.env)
        if kind is cst.NamedExpr:
            v = self.ev(node.value, frame)  # type: ignore[attr-defined]
            self.assign(node.target, v, frame, node)  # type: ignore[attr-defined]
            return v
        if kind is cst.Await:
            return self.ev(node.expression, frame)  # type: ignore[attr-defined]
        if kind is cst.ListComp or kind is cst.GeneratorExp or kind is cst.SetComp:
            return self.ev_comprehension(node, frame)  # type: ignore[arg-type]
        return UNKNOWN

    def ev_comparison(self, node: cst.Comparison, frame: Frame) -> Value:
        """``a == 1`` of two known constants is known (so that ``if axis == 1:`` takes one arm)."""
        operands = [self.ev(node.left, frame), *(self.ev(c.comparator, frame) for c in node.comparisons)]
        if any(isinstance(v, Tensor) for v in operands):
            if all(type(c.operator) in _CONST_COMPARE for c in node.comparisons):
                # elementwise on tensors: a boolean tensor of the broadcast shape
                return ops.elementwise(self, node, operands, "comparison")
            return UNKNOWN  # ``x is None``, ``k in d``: Python tests on a tensor-valued name
        if any(not isinstance(v, (IntValue, FloatValue, BoolValue, NoneValue, StrValue)) for v in operands):
            return UNKNOWN
        def scalar(v: Value) -> int | str | None:  # `bias_type == "single_cross"` of a known string decides too
            return v.text if isinstance(v, StrValue) else const_of(v)

        left = scalar(operands[0])
        known: bool | None = True
        for c, value in zip(node.comparisons, operands[1:]):
            right = scalar(value)
            op = type(c.operator)
            test = _CONST_COMPARE.get(op)
            strings = isinstance(left, str) or isinstance(right, str)
            if known is None or left is None or right is None or test is None or (
                    strings and not isinstance(c.operator, (cst.Equal, cst.NotEqual))):
                known = None
            else:
                known = known and test(left, right)
            left = right
        return BoolValue(known)

    def ev_comprehension(self, node: cst.ListComp | cst.GeneratorExp | cst.SetComp, frame: Frame) -> Value:
        """Evaluate the element once, with each target bound to what an item is known to be."""
        saved = frame.env
        frame.env = saved.child()
        record, self.record = self.record, None  # comprehension variables are not shown by explain
        try:
            comp: cst.CompFor | None = node.for_in
            length: int | None = None
            first = True
            while comp is not None:
                it = self.ev(comp.iter, frame)
                item: Value = UNKNOWN
                if isinstance(it, Sequence_) and it.items:
                    item = it.items[0]
                    for other in it.items[1:]:
                        item = join(item, other)
                    if first:
                        length = len(it.items)
                elif isinstance(it, Tensor) and it.dims:
                    item = Tensor(it.dims[1:], it.origins)
                    if first and it.dims[0] is not None and it.dims[0].const_value is not None:
                        length = it.dims[0].const_value
                elif first:
                    length = None
                self.assign(comp.target, item, frame, node)
                for cond in comp.ifs:
                    self.ev(cond.test, frame)
                    length = None
                first = False
                comp = comp.inner_for_in
            value = self.ev(node.elt, frame)
        finally:
            frame.env = saved
            self.record = record
        if length is not None and isinstance(node, cst.ListComp) and 0 <= length <= 256:
            return Sequence_((value,) * length)
        return UNKNOWN

    def ev_sequence(self, node: cst.Tuple | cst.List, frame: Frame) -> Value:
        items: list[Value] = []
        for el in node.elements:
            if isinstance(el, cst.StarredElement):
                v = self.ev(el.value, frame)
                if isinstance(v, Sequence_):
                    items.extend(v.items)
                elif isinstance(v, ShapeVector) and v.dims is not None:
                    items.extend(IntValue(d) for d in v.dims)
                else:
                    return UNKNOWN
            else:
                items.append(self.ev(el.value, frame))
        return Sequence_(tuple(items))

    def binop(
        self, left: Value, right: Value, op: cst.BaseBinaryOp | cst.BaseAugOp, node: cst.CSTNode, frame: Frame,
        lnode: cst.CSTNode, rnode: cst.CSTNode,
    ) -> Value:
        kind = type(op).__name__.replace("Assign", "")
        if (isinstance(left, OpaqueSize) or isinstance(right, OpaqueSize)) and all(
            isinstance(v, (IntValue, OpaqueSize)) and v.expr is not None for v in (left, right)
        ):
            # an opaque size in arithmetic with sizes: still a size if it is one (`config.gridsize**2`)
            known = self.binop(IntValue(left.expr), IntValue(right.expr), op, node, frame, lnode, rnode)  # type: ignore[union-attr]
            if isinstance(known, IntValue) and known.expr is not None and kind in ("Add", "Subtract", "Multiply", "Power"):
                return OpaqueSize((*left.origins, *right.origins)[-3:], known.expr)
            return UNKNOWN
        if isinstance(left, IntValue) and isinstance(right, IntValue):
            result = self._int_binop(left, right, kind, node)
            return as_tensor_int(result) if isinstance(result, IntValue) and (left.tensor or right.tensor) else result
        return self._other_binop(left, right, kind, node)

    def _int_binop(self, left: IntValue, right: IntValue, kind: str, node: cst.CSTNode) -> Value:
        a, b = left.expr, right.expr
        if kind == "FloorDivide":
            return ops.ratio_value(a, b, node)
        if a is None or b is None:
            return IntValue(None)
        try:
            if kind == "Add":
                return IntValue(a + b)
            if kind == "Subtract":
                return IntValue(a - b)
            if kind == "Multiply":
                return IntValue(a * b)
            if kind == "Modulo":
                return IntValue(a % b)
            if kind == "Power":
                p = b.const_value
                if p is not None and 0 <= p <= 8:
                    out = Expr.const(1)
                    for _ in range(p):
                        out = out * a
                    return IntValue(out)
        except ZeroDivisionError:
            return IntValue(None)
        return IntValue(None) if kind != "Divide" else FloatValue()

    def _other_binop(self, left: Value, right: Value, kind: str, node: cst.CSTNode) -> Value:
        if isinstance(left, (Sequence_, ShapeVector)) and isinstance(right, (Sequence_, ShapeVector)) and kind == "Add":
            return _concat_shapes(left, right)
        if isinstance(left, Sequence_) and isinstance(right, IntValue) and kind == "Multiply":
            n = right.expr.const_value if right.expr is not None else None
            return Sequence_(left.items * n) if n is not None and 0 <= n <= 64 else UNKNOWN
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return with_prov(self._tensor_binop(left, right, kind, node), computed_prov((left, right)))
        numbers = (IntValue, FloatValue, BoolValue)
        if (isinstance(left, FloatValue) or isinstance(right, FloatValue)) and isinstance(left, numbers) and isinstance(right, numbers):
            return FloatValue()
        return UNKNOWN  # an unknown operand may be a tensor: never a Python scalar

    def _tensor_binop(self, left: Value, right: Value, kind: str, node: cst.CSTNode) -> Value:
        if kind == "MatrixMultiply":
            if self.region is not None:
                dynamism.check_matmul_operator(self, left, right, node)
            return ops.matmul(self, node, ops.tensor_like(left), ops.tensor_like(right), False, False, "`@`")
        if kind == "Modulo" and isinstance(left, Tensor):
            return ops._floormod(self, left, right, node, None)
        if isinstance(left, (Tensor, IntValue, FloatValue, BoolValue)) and isinstance(right, (Tensor, IntValue, FloatValue, BoolValue)):
            symbol = {"Add": "+", "Subtract": "-", "Multiply": "*", "Divide": "/", "FloorDivide": "//", "Modulo": "%",
                      "Power": "**", "BitAnd": "&", "BitOr": "|", "BitXor": "^"}.get(kind, kind)
            return ops.elementwise(self, node, [left, right], f"`{symbol}`")
        return Tensor(None, (Origin("arithmetic", node),))

    def ev_attribute(self, node: cst.Attribute, frame: Frame) -> Value:
        key = dotted(node)
        if key is not None and key in frame.env:
            return frame.env[key]
        attr = node.attr.value
        if attr in ("shape", "get_shape", "ndim", "dtype", "T", "real", "imag"):
            base = self.ev(node.value, frame)
            if isinstance(base, Tensor):
                if attr == "shape":
                    return self._shape_of(base, node.value, frame)
                if attr == "ndim":
                    return IntValue(Expr.const(len(base.dims)) if base.dims is not None else None)
                if attr == "T":
                    return Tensor(tuple(reversed(base.dims)) if base.dims is not None else None, base.origins)
                if attr in ("real", "imag"):
                    return Tensor(base.dims, base.origins)
                return UNKNOWN
            if isinstance(base, ShapeVector) and attr == "ndim":
                return UNKNOWN
            return UNKNOWN
        if attr == "rank":
            base = self.ev(node.value, frame)
            if isinstance(base, ShapeVector):
                return IntValue(Expr.const(len(base.dims)) if base.dims is not None else None)
            return UNKNOWN
        if isinstance(node.value, (cst.Name, cst.Attribute)):
            if _looks_like_module_path(node.value, frame):
                if key in _FLOAT_CONSTANTS:
                    return FloatValue((Origin(key, node),))
                return UNKNOWN  # a module attribute: resolved when called
            return self._opaque_attribute(self.ev(node.value, frame), attr, node)
        self.ev(node.value, frame)
        return UNKNOWN

    def _opaque_attribute(self, base: Value, attr: str, node: cst.Attribute) -> Value:
        """``config.N`` of an object the analyser cannot see: an :class:`OpaqueSize`, one symbol per
        object and attribute (``n, c = config.N, config.gridsize**2`` then ``Input((n, n, c))``)."""
        if not (isinstance(base, UnknownValue) or (isinstance(base, Tensor) and base.dims is None and not base.alts)):
            return UNKNOWN
        key = (id(base), f".{attr}")
        hit = self._opaque_reads.get(key)
        if hit is None:
            hit = (base, fresh_dim(dotted(node) or attr))
            self._opaque_reads[key] = hit
        return OpaqueSize((Origin(f"`{dotted(node) or attr}` (not known here)", node),), hit[1])

    def _shape_of(self, t: Tensor, base_node: cst.CSTNode, frame: Frame) -> ShapeVector:
        """``x.shape`` / ``tf.shape(x)``: unknown dims become fresh symbols, stored back on ``x``."""
        if t.dims is None:
            return ShapeVector(None, t.origins, t.param_index, t)
        if any(d is None for d in t.dims):
            key = dotted(base_node) if isinstance(base_node, (cst.Name, cst.Attribute)) else None
            if t.param_index is not None:
                dims = tuple(d if d is not None else Expr.name(f"$p{t.param_index}_{i}#0") for i, d in enumerate(t.dims))
            else:
                hint = key or "x"
                dims = tuple(d if d is not None else fresh_dim(f"{hint}.shape[{i}]") for i, d in enumerate(t.dims))
            t2 = Tensor(dims, t.origins, t.cyclic, t.param_index, t.arange)
            if key is not None and frame.env.get(key) is t:
                frame.env[key] = t2
            return ShapeVector(dims, t.origins, t.param_index)
        return ShapeVector(t.dims, t.origins, t.param_index)

    def read_dim(self, source: Value, axis: int, node: cst.CSTNode, label: str | None = None) -> Expr:
        """The unknown dim ``axis`` of ``source`` as a symbol: every read of it is the same size.

        ``label`` is how the symbol prints (default: the read, ``tf.shape(x)[0]``).
        """
        key = (id(source), axis)
        hit = self._fresh_reads.get(key)
        if hit is None:
            hit = (source, fresh_dim(label or f"{_name_hint(node)}[{axis}]"))
            self._fresh_reads[key] = hit
        return hit[1]

    def ev_subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        base = self.ev(node.value, frame)
        elements = node.slice
        if isinstance(base, ShapeVector):
            return self._index_shape(base, elements, frame, node)
        if isinstance(base, Sequence_):
            if len(elements) == 1 and isinstance(elements[0].slice, cst.Index):
                idx = const_of(self.ev(elements[0].slice.value, frame))
                if idx is not None and -len(base.items) <= idx < len(base.items):
                    return base.items[idx]
            if len(elements) == 1 and isinstance(elements[0].slice, cst.Slice):
                s = elements[0].slice
                lo = const_of(self.ev(s.lower, frame)) if s.lower is not None else 0
                hi = const_of(self.ev(s.upper, frame)) if s.upper is not None else len(base.items)
                st = const_of(self.ev(s.step, frame)) if s.step is not None else 1
                if lo is not None and hi is not None and st:
                    return Sequence_(base.items[lo:hi:st])
            return UNKNOWN
        if isinstance(base, Tensor):
            return self._index_tensor(base, elements, frame, node)
        if isinstance(base, IntValue) and base.expr is not None:
            # a known integer (a Python int, a scalar tensor) has rank 0: a slice or index is too many
            return self._index_tensor(Tensor((), base.origins), elements, frame, node)
        for el in elements:
            if isinstance(el.slice, cst.Index):
                self.ev(el.slice.value, frame)
        return UNKNOWN

    def _index_shape(self, base: ShapeVector, elements: Iterable[cst.SubscriptElement], frame: Frame, node: cst.CSTNode) -> Value:
        els = list(elements)
        if len(els) != 1:
            return UNKNOWN
        sl = els[0].slice
        if isinstance(sl, cst.Index):
            idx = const_of(self.ev(sl.value, frame))
            if idx is None:
                return IntValue(None, tensor=base.tensor)
            if base.dims is None:
                if base.of_param is not None and idx >= 0:
                    return IntValue(Expr.name(f"$p{base.of_param}_{idx}#0"), tensor=base.tensor)
                if base.source is not None and idx >= 0:
                    return IntValue(self.read_dim(base.source, idx, node), (Origin(f"dim {idx} of a tensor of unknown rank", node),), tensor=base.tensor)
                return IntValue(None)
            i = norm_axis(idx, len(base.dims))
            if i is None:
                self.report(
                    "SC101", node,
                    f"index {idx} is out of range for the shape {format_dims(base.dims)} of a tensor of rank {len(base.dims)}",
                    [f"shape {format_dims(base.dims)}", *base.origins],
                )
                return IntValue(None)
            d = base.dims[i]
            if d is None and base.source is not None:
                return IntValue(self.read_dim(base.source, i, node), (Origin(f"dim {i} of a tensor with shape {format_dims(base.dims)}", node),), tensor=base.tensor)
            return IntValue(d, (Origin(f"dim {i} of a tensor with shape {format_dims(base.dims)}", node),), tensor=base.tensor)
        if isinstance(sl, cst.Slice) and base.dims is not None:
            lo = const_of(self.ev(sl.lower, frame)) if sl.lower is not None else 0
            hi = const_of(self.ev(sl.upper, frame)) if sl.upper is not None else len(base.dims)
            st = const_of(self.ev(sl.step, frame)) if sl.step is not None else 1
            if lo is not None and hi is not None and st:
                return ShapeVector(base.dims[lo:hi:st], base.origins, tensor=base.tensor)
        return ShapeVector(None)

    def _index_tensor(self, base: Tensor, elements: Iterable[cst.SubscriptElement], frame: Frame, node: cst.CSTNode) -> Value:
        els = list(elements)
        origin = Origin("slice", node)
        if base.dims is None:
            # the rank is not known, but the leading dims the subscript slices are known (up to the
            # first index that is not an int: `...`, `None` or a tensor of indices)
            prefix: list[Dim] = []
            open_prefix = True
            for axis, el in enumerate(els):
                sl = el.slice
                if isinstance(sl, cst.Index):
                    v = self.ev(sl.value, frame)
                    open_prefix = open_prefix and isinstance(v, IntValue)
                elif open_prefix:
                    prefix.append(self._slice_length(base, axis, None, sl, node, frame)[1])
                else:
                    for b in (sl.lower, sl.upper, sl.step):
                        if b is not None:
                            self.ev(b, frame)
            known = any(d is not None for d in prefix)  # a prefix of unknowns says nothing
            return Tensor(None, (origin,), prefix=tuple(prefix) if known else (), prov=base.prov)
        dims = list(base.dims)
        out: list[Dim] = []
        pos = 0
        consumed = sum(
            1 for el in els
            if not (isinstance(el.slice, cst.Index) and (_is_ellipsis(el.slice.value) or _is_none(el.slice.value)))
        )
        for el in els:
            sl = el.slice
            if isinstance(sl, cst.Index):
                if _is_ellipsis(sl.value):
                    n_rest = len(dims) - pos - (consumed - _consumed_before(els, el))
                    if n_rest < 0:
                        return Tensor(None, (origin,))
                    out.extend(dims[pos : pos + n_rest])
                    pos += n_rest
                    continue
                if _is_none(sl.value):
                    out.append(Expr.const(1))
                    continue
                v = self.ev(sl.value, frame)
                if pos >= len(dims):
                    self._too_many_indices(node, base)
                    return Tensor(None, (origin,))
                if isinstance(v, IntValue):
                    pos += 1
                    continue
                if isinstance(v, Tensor) and v.dims is not None:
                    out.extend(v.dims)  # gather-like indexing (numpy)
                    pos += 1
                    continue
                return Tensor(None, (origin,))
            elif isinstance(sl, cst.Slice):
                if pos >= len(dims):
                    self._too_many_indices(node, base)
                    return Tensor(None, (origin,))
                dims[pos], length = self._slice_length(base, pos, dims[pos], sl, node, frame)
                out.append(length)
                pos += 1
        out.extend(dims[pos:])
        return Tensor(tuple(out), (*base.origins[-3:], origin), prov=base.prov)

    def _slice_length(self, base: Tensor, pos: int, dim: Dim, sl: cst.Slice, node: cst.Subscript, frame: Frame) -> tuple[Dim, Dim]:
        """(the dim sliced, as read; the slice's length) for one slice of axis ``pos``."""
        lo_v = self.ev(sl.lower, frame) if sl.lower is not None else None
        hi_v = self.ev(sl.upper, frame) if sl.upper is not None else None
        st_v = self.ev(sl.step, frame) if sl.step is not None else None
        step = const_of(st_v) if st_v is not None else 1
        lo = int_of(lo_v) if lo_v is not None else None
        hi = int_of(hi_v) if hi_v is not None else None
        if dim is None and (lo is not None or hi is not None):
            # an unknown dim cut by known bounds: the same symbol for every cut of this
            # tensor, so ``x[:, 1:]`` and ``x[:, :-2]`` compare (they differ by 1)
            dim = self.read_dim(base, pos, node, f"{dotted(node.value) or 'x'}.shape[{pos}]")
        length = slice_length(
            dim, lo, hi, step,
            sl.lower is not None and not _is_none(sl.lower), sl.upper is not None and not _is_none(sl.upper),
        )
        if (sl.lower is not None and lo is None and not _is_none(sl.lower)) or (sl.upper is not None and hi is None and not _is_none(sl.upper)):
            length = self._data_bounded(sl, lo_v, hi_v)
        return dim, length

    def _data_bounded(self, sl: cst.Slice, lo: Value | None, hi: Value | None) -> Dim:
        """The length of a slice whose bound is tensor data: bounded-dynamic under XLA (a fresh
        symbol with its source); None (unknown) for any other bound the analysis cannot read."""
        for value, bound in ((lo, sl.lower), (hi, sl.upper)):
            if bound is not None and value is not None and provenance(value) == TENSOR_VALUE:
                text = self.parsed.module.code_for_node(bound).strip()
                return self.dynamic_dim(f"slice bound `{text}`", bound, value, sliced=True)
        return None

    def _too_many_indices(self, node: cst.CSTNode, base: Tensor) -> None:
        self.report(
            "SC101", node,
            f"more indices than dims: the tensor has rank {len(base.dims or ())} {format_dims(base.dims)}",
            [f"indexed value {format_dims(base.dims)}", *base.origins],
        )

    # ----- calls ------------------------------------------------------------------------------
    def ev_args(self, node: cst.Call, frame: Frame) -> CallArgs:
        args = CallArgs()
        for a in node.args:
            v = self.ev(a.value, frame)
            if a.star:
                if a.star == "*" and isinstance(v, Sequence_):
                    args.positional.extend((item, a.value) for item in v.items)
                elif a.star == "*" and isinstance(v, ShapeVector) and v.dims is not None:
                    args.positional.extend((IntValue(d), a.value) for d in v.dims)
                else:
                    args.has_star = True
            elif a.keyword is not None:
                args.keywords[a.keyword.value] = (v, a.value)
            else:
                args.positional.append((v, a.value))
        return args

    def ev_call(self, node: cst.Call, frame: Frame) -> Value:
        func = node.func
        callee: Value | None = None
        method_base: Value | None = None
        if isinstance(func, cst.Name):
            callee = frame.env.get(func.value)
        elif isinstance(func, cst.Attribute):
            key = dotted(func)
            if key is not None and key in frame.env:
                callee = frame.env[key]
            elif not _looks_like_module_path(func.value, frame):
                method_base = self.ev(func.value, frame)
        else:
            callee = self.ev(func, frame)
        args = self.ev_args(node, frame)

        if method_base is not None and isinstance(func, cst.Attribute):
            result = self._method_call(method_base, func, args, node, frame)
            if result is not None:
                return result
            if not (isinstance(func.value, cst.Name) and func.value.value == "self"):
                return UNKNOWN  # a method of a local value: never resolved through the imports
        if callee is not None:
            return self.call_value(callee, args, node, frame)
        if isinstance(func, (cst.Name, cst.Attribute)):
            qn = self.qualname(func)
            if isinstance(func, cst.Attribute) and frame.class_name and isinstance(func.value, cst.Name) and func.value.value == "self":
                qn = f"{frame.class_name}.{func.attr.value}"
                info = self.lookup_function(qn)
                if info is not None:
                    return self.call_contract(info, args, node, frame, bound_self=True)
                return UNKNOWN
            return self.call_qualname(qn, args, node, frame)
        return UNKNOWN

    def _autograph_loop(self, iterable: cst.BaseExpression, iterated: Value, frame: Frame) -> bool:
        """A ``for`` over ``tf.range(...)`` or over ``range(...)`` with a tensor bound (a rank-1 range)."""
        if isinstance(iterated, Tensor) and iterated.prov in (TENSOR_VALUE, TRACE_CONST) and iterated.dims is not None and len(iterated.dims) == 1:
            return True
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range" and frame.env.get("range") is None:
            return any(is_tensor(self.ev(a.value, frame)) for a in iterable.args)
        return False

    def _trip_count(self, iterable: cst.BaseExpression, frame: Frame) -> int | None:
        """Passes of ``for _ in range(n)`` / ``range(lo, hi)`` with known ints; None otherwise."""
        if not (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range"):
            return None
        if frame.env.get("range") is not None or any(a.keyword is not None or a.star for a in iterable.args):
            return None  # a local `range`, or keywords: not the builtin's plain form
        bounds = [const_of(self.ev(a.value, frame)) for a in iterable.args]
        if len(bounds) == 1 and bounds[0] is not None:
            return max(bounds[0], 0)
        if len(bounds) == 2 and None not in bounds:
            return max(bounds[1] - bounds[0], 0)  # type: ignore[operator]
        return None

    def _method_call(self, base: Value, func: cst.Attribute, args: CallArgs, node: cst.Call, frame: Frame) -> Value | None:
        name = func.attr.value
        root = func.value
        while isinstance(root, (cst.Subscript, cst.Attribute)):
            root = root.value
        if self._loops and name in _LIST_MUTATORS and isinstance(root, cst.Name) and (
                root is not func.value or not isinstance(base, Sequence_)):
            # a second append in the same pass, or an item mutated (rows[-1].append(v)): not one
            # known item per pass
            for loop in self._loops:
                if root.value in loop.appends:
                    loop.spoilt.add(root.value)
        if isinstance(base, Sequence_) and name in _LIST_MUTATORS:
            # segms = []; segms.append(m) in a loop: the list's length is no longer known, unless the
            # loop runs a known number of times and appends once per pass to a list empty before it
            if isinstance(func.value, cst.Name) and name == "append" and len(args.positional) == 1:
                item = args.positional[0][0]
                if not self._loops:
                    self.assign(func.value, Sequence_((*base.items, item), base.origins), frame, node)
                    return NoneValue()
                loop = self._loops[-1]
                if len(self._loops) == 1 and loop.trips is not None and id(node) in loop.direct_calls and (
                        not base.items and func.value.value not in loop.appends):
                    loop.appends[func.value.value] = (item, node)
                else:
                    loop.spoilt.add(func.value.value)
            elif isinstance(func.value, cst.Name) and self._loops:
                self._loops[-1].spoilt.add(func.value.value)
            if isinstance(func.value, (cst.Name, cst.Attribute)):
                self.assign(func.value, UNKNOWN, frame, node)
            return UNKNOWN
        # (a parameter of unknown shape may be the Generator: no array or tensor has these methods)
        unknown_param = isinstance(base, Tensor) and base.dims is None and not base.prefix
        if name in _SAMPLER_METHODS and "size" in args.keywords and (unknown_param or not isinstance(base, (Tensor, ShapeVector, Sequence_))):
            # rng.normal(size=(4, 16, 16)) of a NumPy Generator / RandomState: an array of that shape
            dims = shape_arg(args.keywords["size"][0])
            if dims is not None:
                return Tensor(tuple(dims), (Origin(f".{name}(size={format_dims(tuple(dims))})", node),))
        if name == "add_weight" and "shape" in args.keywords and isinstance(func.value, cst.Name) and func.value.value == "self":
            # a Keras layer's weight: self.add_weight(name=..., shape=(n, k), ...)
            dims = shape_arg(args.keywords["shape"][0])
            if dims is not None:
                return Tensor(tuple(dims), (Origin(f"weight of shape {format_dims(tuple(dims))}", node),))
        if isinstance(base, Tensor):
            if name in ("get_shape",):
                return self._shape_of(base, func.value, frame)
            if name in ("numpy", "copy", "astype", "conj", "__call__"):
                return Tensor(base.dims, base.origins)
            function = _ARRAY_METHODS.get(name)
            sig = self.packs.op(function) if function is not None else None
            handler = (ops.HANDLERS.get(sig.kind) if sig is not None else None)
            if sig is not None and handler is not None and not args.has_star:
                # x.reshape(2, 3) / x.transpose(1, 0) / x.sum(axis=1): the function with x first
                # (a shape or perm given as several positional ints is one sequence)
                rest = list(args.positional)
                if name in ("reshape", "transpose") and len(rest) > 1:
                    rest = [(Sequence_(tuple(v for v, _n in rest)), node)]
                if name in ("ravel", "flatten"):
                    rest = [(Sequence_((IntValue(Expr.const(-1)),)), node)]
                fake = CallArgs([(base, func.value), *rest], dict(args.keywords))
                return handler(self, sig, fake.bind(sig.args), node)  # type: ignore[arg-type]
            return Tensor(None, (Origin(f".{name}()", node),)) if name in ("sum", "mean", "max", "min") else UNKNOWN
        if isinstance(base, ShapeVector):
            if name == "as_list":
                return base
            return UNKNOWN
        if isinstance(base, LayerValue) and name in ("call", "__call__"):
            return self.call_value(base, args, node, frame)
        if isinstance(base, ModelValue):
            return keras_models.model_method(self, base, func, args, node, frame)
        if isinstance(base, DatasetValue):
            return datasets.method(self, base, name, args, node, frame)
        return None

    def call_value(self, fn: Value, args: CallArgs, node: cst.CSTNode, frame: Frame | None = None) -> Value:
        depth = frame.depth if frame is not None else 0
        if isinstance(fn, ModelValue):
            return keras_models.call_model(self, fn, args, node)
        if isinstance(fn, keras_models.Unresolved):
            if any(_informative(v) for v, _n in args.positional):
                self.external_lookups.update((keras_models.applied(fn.qualname), keras_models.applied(f"{self.parsed.module_name}.{fn.qualname}")))
            return UNKNOWN
        if isinstance(fn, LayerValue) and fn.kind == "subclass":
            return keras_models.apply_subclass(self, fn, args, node, depth)
        if isinstance(fn, LayerValue):
            inputs = args.positional[0][0] if args.positional else (args.keywords.get("inputs", (UNKNOWN, node))[0])
            if fn.kind == "contract" and fn.qualname:
                info = self.lookup_function(fn.qualname)
                if info is not None:
                    return self.call_contract(info, args, node, frame, bound_self=True)
                return UNKNOWN
            if fn.kind == "stub" and fn.qualname:
                stub = self.packs.stub(fn.qualname)
                if stub is not None:
                    # Keras layers take several inputs as one list: Translation()([imgs, offsets])
                    if len(args.positional) == 1 and isinstance(args.positional[0][0], Sequence_) and len(stub.params) > 1:
                        seq, seq_node = args.positional[0]
                        elements = seq_node.elements if isinstance(seq_node, (cst.List, cst.Tuple)) else None
                        args = CallArgs(
                            [(v, elements[i].value if elements is not None and i < len(elements) else seq_node) for i, v in enumerate(seq.items)],
                            args.keywords,
                        )
                    return self.call_stub(stub, args, node, frame, call_args=True)
                return UNKNOWN
            return ops.apply_layer(self, fn, inputs, node)
        if isinstance(fn, Callables):
            results = [self.call_value(f, args, node, frame) for f in fn.items]
            out = results[0]
            for r in results[1:]:
                out = join(out, r)
            return out
        if isinstance(fn, FunctionRef):
            if isinstance(fn.node, cst.Lambda):
                if depth >= MAX_INLINE_DEPTH:
                    return UNKNOWN
                env = (fn.closure if fn.closure is not None else self.module_env).child()
                params = [p.name.value for p in fn.node.params.params]
                for i, p in enumerate(params):
                    env[p] = args.positional[i][0] if i < len(args.positional) else args.keywords.get(p, (UNKNOWN, node))[0]
                sub = Frame(env, None, depth=depth + 1)
                self._inline_depth += 1
                try:
                    return self.ev(fn.node.body, sub)
                finally:
                    self._inline_depth -= 1
            if isinstance(fn.node, cst.FunctionDef):
                info = self.lookup_function(fn.qualname) if fn.qualname else None
                if info is not None and info.has_contract:
                    return self.call_contract(info, args, node, frame)
                if info is not None:
                    args = self.check_number_args(info, args)
                if depth >= MAX_INLINE_DEPTH:
                    return UNKNOWN
                informative = any(_informative(v) for v, _n in args.positional) or any(
                    _informative(v) for v, _n in args.keywords.values()
                )
                if not informative and fn.closure is None:
                    # nothing known about the arguments: the callee's own analysis already
                    # reports what it can; only its return value is of interest, once
                    return self._uninformed_return(fn.node, depth, args)
                env = (fn.closure if fn.closure is not None else self.module_env).child()
                self._bind_inlined(fn.node, args, env)
                if fn.closure is not None and not _escaped(fn.closure, frame):
                    # a closure called in the scope that defines it: its findings stay on their own lines
                    self._inline_depth += 1
                    try:
                        sub = self.analyse_function(fn.node, None, None, None, env=env, depth=depth + 1, check_returns=False)
                    finally:
                        self._inline_depth -= 1
                else:
                    with self.reporting_at(node, fn.node.name.value):
                        sub = self.analyse_function(fn.node, None, None, None, env=env, depth=depth + 1, check_returns=False)
                return _join_returns(sub.returns)
            return self.call_qualname(fn.qualname, args, node, frame)
        return UNKNOWN

    def bind_params(self, fn: cst.FunctionDef, values: list[Value], keywords: dict[str, Value], env: Env,
                    skip: int = 0, defaults: bool = False) -> None:
        """The parameters of ``fn`` (after the first ``skip``: ``self``) bound to one call's values; one
        the call leaves out gets its default: any default with ``defaults``, else only a literal int."""
        positional = fn.params.params[skip:]
        for i, p in enumerate([*positional, *fn.params.kwonly_params]):
            name = p.name.value
            if i < len(positional) and i < len(values):
                env[name] = values[i]
            elif name in keywords:
                env[name] = keywords[name]
            elif p.default is not None and (defaults or isinstance(p.default, (cst.Integer, cst.UnaryOperation))):
                env[name] = self.ev(p.default, Frame(self.module_env if defaults else Env()))
            else:
                env[name] = UNKNOWN

    def _bind_inlined(self, fn: cst.FunctionDef, args: CallArgs, env: Env) -> None:
        self.bind_params(fn, [v for v, _n in args.positional], {k: v for k, (v, _n) in args.keywords.items()}, env)

    def call_body(self, info: FunctionInfo, args: CallArgs, node: cst.CSTNode, frame: Frame | None) -> Value | None:
        """Another module's short unannotated helper, analysed for this call (see foreign.py)."""
        from shapecheck.static.foreign import parsed_body

        depth = frame.depth if frame is not None else 0
        if info.body is None or depth >= MAX_INLINE_DEPTH:
            return None
        given = [v for v, _n in (*args.positional, *args.keywords.values())]
        if not any(_informative(v) and not isinstance(v, (FunctionRef, LayerValue)) for v in given):
            return None
        hit = parsed_body(info.body)
        if hit is None:
            return None
        parsed, fn = hit
        sub = Analyzer(parsed, self.project, self.packs, summary_mode=self.summary_mode)
        sub._fresh_reads = self._fresh_reads  # a dim of the caller's tensor is the same symbol inside
        sub.dynamic, sub.region, sub.codes, sub.blamed = self.dynamic, self.region, self.codes, self.blamed
        sub._call_site = (self, node, info.body.name, info.body.line_offset)
        sub._inline_depth = self._inline_depth + 1
        env = sub.module_env.child()
        sub._bind_inlined(fn, args, env)
        result = sub.analyse_function(fn, None, env=env, depth=depth + 1, check_returns=False)
        self.external_lookups |= sub.external_lookups
        return _join_returns(result.returns)

    def _uninformed_return(self, fn: cst.FunctionDef, depth: int, args: CallArgs | None = None) -> Value:
        """The return of ``fn`` for arguments nothing is known about; a parameter the call leaves
        out has its default (``classifier()`` builds ``Dense(n_classes=10)``). Cached per callee
        and set of defaulted parameters."""
        params = fn.params.params
        given = len(args.positional) if args is not None else len(params)
        defaulted = frozenset(
            p.name.value for i, p in enumerate(params)
            if p.default is not None and args is not None and not args.has_star and i >= given and p.name.value not in args.keywords
        )
        key = (id(fn), defaulted)
        hit = self._uninformed.get(key)
        if hit is not None:
            return hit[1]
        env = self.module_env.child()
        for p in params:
            env[p.name.value] = self.ev(p.default, Frame(self.module_env)) if p.name.value in defaulted else Tensor(None)
        with self.quiet(inlined=True):
            sub = self.analyse_function(fn, None, None, None, env=env, depth=depth + 1, check_returns=False)
        value = _join_returns(sub.returns)
        self._uninformed[key] = (fn, value)
        return value

    def call_qualname(self, qn: str | None, args: CallArgs, node: cst.CSTNode, frame: Frame | None) -> Value:
        if not qn:
            return UNKNOWN
        if self.region is not None:
            dynamism.check_op(self, qn, args, node)
        sig = self.packs.op(qn)
        if sig is not None:
            handler = ops.HANDLERS.get(sig.kind) or keras_models.HANDLERS.get(sig.kind) or datasets.HANDLERS.get(sig.kind)
            if handler is None:
                return UNKNOWN
            result = handler(self, sig, args.bind(sig.args), node)  # type: ignore[arg-type]
            if isinstance(result, Tensor) and result.prov is None:
                result = with_prov(result, computed_prov([v for v, _n in (*args.positional, *args.keywords.values())]))
            return result
        info = self.lookup_function(qn)
        if info is not None and info.has_contract and info.hint is None:
            return self.call_contract(info, args, node, frame)
        # A stub is a contract written for unannotated code on purpose: it outranks a docstring
        # hint and what the analyser guesses from the body (a pack from `shapecheck infer`).
        stub = self.packs.stub(qn)
        if stub is not None:
            if stub.kind == "layer":
                return LayerValue("stub", {}, stub.name, (Origin(f"{stub.name} layer", node),))
            return self.call_stub(stub, args, node, frame)
        if info is not None:
            args = self.check_number_args(info, args)
            inlined = self.call_body(info, args, node, frame)
            if info.has_contract:  # read from the docstring
                declared = self.call_contract(info, args, node, frame)
            else:
                declared = self.call_summary(info, args, node) if info.body_return is not None else UNKNOWN
            # what the body computes for these arguments outranks a docstring or a summary
            return inlined if inlined is not None and _informative(inlined) else declared
        loss = keras_models.loss_from_name(qn, node)
        if loss is not None:
            return loss
        self.external_lookups.update((qn, f"{self.parsed.module_name}.{qn}"))
        cls_call = self.project.callable_classes.get(qn) or self.project.callable_classes.get(f"{self.parsed.module_name}.{qn}")
        if cls_call is not None:
            return LayerValue("contract", {}, cls_call, (Origin(f"{qn} instance", node),))
        instance = keras_models.instantiate(self, qn, args, node, frame.depth if frame else 0)
        if instance is not None:
            return instance
        if qn in ("len",) and args.positional:
            v = args.positional[0][0]
            if isinstance(v, Tensor) and v.dims:
                return IntValue(v.dims[0])
            if isinstance(v, (Sequence_,)):
                return IntValue(Expr.const(len(v.items)))
            if isinstance(v, ShapeVector) and v.dims is not None:
                return IntValue(Expr.const(len(v.dims)))
            return IntValue(None)
        if qn in ("int",) and args.positional:
            v = args.positional[0][0]
            if isinstance(v, OpaqueSize):
                return IntValue(v.expr, v.origins)
            return v if isinstance(v, IntValue) else IntValue(None)
        if qn in ("tuple", "list") and args.positional:
            v = args.positional[0][0]
            if isinstance(v, ShapeVector) and v.dims is not None:
                return Sequence_(tuple(IntValue(d) for d in v.dims))
            return v if isinstance(v, Sequence_) else UNKNOWN
        if qn == "zip" and args.positional and all(isinstance(v, Sequence_) for v, _n in args.positional):
            seqs = [v for v, _n in args.positional]
            n = min(len(v.items) for v in seqs)  # type: ignore[attr-defined]
            return Sequence_(tuple(Sequence_(tuple(v.items[i] for v in seqs)) for i in range(n)))  # type: ignore[attr-defined]
        if qn == "enumerate" and args.positional and isinstance(args.positional[0][0], Sequence_):
            seq = args.positional[0][0]
            return Sequence_(tuple(Sequence_((IntValue(Expr.const(i)), v)) for i, v in enumerate(seq.items)))
        return keras_models.unresolved_instance(qn)

    # ----- contracts at call sites ------------------------------------------------------------
    def _bind_params(self, names: list[str], args: CallArgs, skip_first: bool) -> dict[str, tuple[Value, cst.CSTNode]]:
        params = names[1:] if skip_first else names
        out: dict[str, tuple[Value, cst.CSTNode]] = {}
        for i, (v, n) in enumerate(args.positional):
            if i < len(params):
                out[params[i]] = (v, n)
        for k, item in args.keywords.items():
            out[k] = item
        return out

    def check_number_args(self, info: FunctionInfo, args: CallArgs, bound_self: bool = False) -> CallArgs:
        """A tensor of a known rank above what a parameter's annotation allows (``int``/``float``/``bool``/
        ``complex``: a number, rank 0; ``tuple[int, ...]``-like: rank 1) is SC101: the annotation is the
        contract (``f(x, n)`` for ``f(n, x)``). Returns the arguments with each reported one unknown: the
        body is then read as its annotation promises (one wrong argument, one finding)."""
        # positional arguments fill the parameters before ``*args`` only; keyword-only ones by name
        names = [p.name for p in info.params if p.kind == "positional"]
        bound = self._bind_params(names, args, info.is_method and bound_self)
        short = info.qualname.rpartition(".")[2]
        broken: set[cst.CSTNode] = set()
        for p in info.params:
            if p.numbers is None or p.name not in bound:
                continue
            text, max_rank = p.numbers
            v, n = bound[p.name]
            if isinstance(v, Tensor) and v.dims is not None and len(v.dims) > max_rank:
                what = "a number, rank 0" if max_rank == 0 else "a sequence of numbers, rank 1"
                self.report(
                    "SC101", n,
                    f"argument `{p.name}` of `{short}` is annotated `{text}` ({what}) but is a rank-{len(v.dims)} "
                    f"tensor {format_dims(v.dims)}",
                    [*v.origins],
                )
                broken.add(n)
        if not broken:
            return args
        return CallArgs(
            [(UNKNOWN, n) if n in broken else (v, n) for v, n in args.positional],
            {k: ((UNKNOWN, n) if n in broken else (v, n)) for k, (v, n) in args.keywords.items()},
            args.has_star,
        )

    def call_contract(
        self, info: FunctionInfo, args: CallArgs, node: cst.CSTNode, frame: Frame | None, bound_self: bool = False
    ) -> Value:
        self.check_number_args(info, args, bound_self)
        # positional arguments fill the parameters before ``*args`` only; keyword-only ones by name.
        # ``self.m(x)`` / ``layer(x)`` bind ``self`` implicitly; ``Class.m(obj, x)`` passes it
        positional = [p.name for p in info.params if p.kind == "positional"]
        bound = self._bind_params(positional, args, info.is_method and bound_self)
        checked: list[tuple[str, ShapeSpec, Tensor, cst.CSTNode]] = []
        pre = Matcher()
        for p in info.params:
            if p.name not in bound:
                continue
            v, n = bound[p.name]
            if p.spec is not None:
                if isinstance(v, NoneValue) and p.optional:
                    continue
                t = ops.tensor_like(v)
                if t is not None and (t.dims is not None or t.prefix or t.alts):
                    checked.append((p.name, p.spec, t, n))
            elif p.is_int:
                iv = int_of(v)
                if iv is not None:
                    pre.bind_known(p.name, iv, f"argument `{p.name}`")
        short = info.qualname.rpartition(".")[2]
        roles = {**{p.name: r for p in info.params if (r := role_from_name(p.name)) and p.spec is not None}, **info.roles}
        hinted = f" (its shapes read from its {info.hint})" if info.hint else ""
        matcher = self._check_call(checked, pre, roles, f"`{short}`{hinted}")
        if info.returns_tuple is not None:
            return Sequence_(tuple(self._result(matcher, spec, info.qualname, node) for spec in info.returns_tuple))
        return self._result(matcher, info.returns, info.qualname, node)

    def call_stub(self, stub: Stub, args: CallArgs, node: cst.CSTNode, frame: Frame | None, call_args: bool = False) -> Value:
        bound = self._bind_params(list(stub.params), args, False)
        checked: list[tuple[str, ShapeSpec, Tensor, cst.CSTNode]] = []
        for name, spec in zip(stub.params, stub.signature.params):
            if name not in bound:
                continue
            v, n = bound[name]
            t = ops.tensor_like(v)
            if t is not None and (t.dims is not None or t.prefix or t.alts):
                checked.append((name, spec, t, n))
        short = stub.name.rpartition(".")[2]
        roles = {**{n: r for n in stub.params if (r := role_from_name(n))}, **stub.roles}
        source = stub.source.rpartition("/")[2] or "a stub pack"
        matcher = self._check_call(checked, Matcher(), roles, f"`{short}` (contract from {source})")
        results = stub.signature.results
        if len(results) == 1:
            return self._result(matcher, results[0], stub.name, node)
        if len(results) > 1:
            return Sequence_(tuple(self._result(matcher, r, stub.name, node) for r in results))
        return UNKNOWN

    def _check_call(
        self, checked: list[tuple[str, ShapeSpec, Tensor, cst.CSTNode]], pre: Matcher, roles: dict[str, str], what: str
    ) -> Matcher:
        """Match every argument against its contract; report SC101/SC103; then try the other paths."""
        matcher = Matcher(dict(pre.bindings))
        matcher.match_all([(name, spec, t.dims, t.prefix) for name, spec, t, _n in checked])
        for mm in matcher.mismatches:
            self._report_mismatch(mm, checked, roles, what, None)
        if matcher.mismatches:
            return matcher
        # a value that is one of several shapes depending on the path: a flat/per-group
        # batch mix-up on any one path is the seed bug (SC103); other path conflicts are not proved
        for k, (name, spec, t, n) in enumerate(checked):
            for alt in t.alts:
                if alt.dims is None and not alt.prefix:
                    continue
                trial = Matcher(dict(pre.bindings))
                items = [(nm, sp, tt.dims, tt.prefix) for nm, sp, tt, _n in checked]
                items[k] = (name, spec, alt.dims, alt.prefix)
                trial.match_all(items)
                for mm in trial.mismatches:
                    if self._is_role_mixup(mm, roles):
                        alt_checked = list(checked)
                        alt_checked[k] = (name, spec, alt, n)
                        self._report_mismatch(mm, alt_checked, roles, what, alt)
                        return matcher
        return matcher

    @staticmethod
    def _is_role_mixup(mm: Mismatch, roles: dict[str, str]) -> bool:
        bound_param = (mm.bound_by or "").split("`")[1] if mm.bound_by and "`" in mm.bound_by else None
        involved = {mm.arg, bound_param} - {None}
        role_set = {roles.get(a) for a in involved}
        return is_layout_mixup(mm) and ("offsets" in role_set or "images" in role_set)

    def _report_mismatch(
        self, mm: Mismatch, checked: list[tuple[str, ShapeSpec, Tensor, cst.CSTNode]], roles: dict[str, str], what: str,
        path_value: Tensor | None,
    ) -> None:
        name, spec, value, arg_node = checked[mm.index]
        bound_param = (mm.bound_by or "").split("`")[1] if mm.bound_by and "`" in mm.bound_by else None
        layout = self._is_role_mixup(mm, roles)
        code = "SC103" if layout else "SC101"
        message = f"argument `{mm.arg}` of {what} contradicts its contract {spec.text!r}: {mm.message}"
        if mm.reason:
            message += f" ({mm.reason})"
        if path_value is not None:
            message += " on one of the paths that reach this call"
        if layout:
            message += "; images and offsets disagree on the batch: one is flat (B*C, ...), the other per group (B, ...)"
        notes: list[Origin | str] = [f"`{mm.arg}` {format_dims(value.dims, value.prefix)}", *value.origins]
        if bound_param and bound_param != mm.arg:
            for other_name, _s, other, _n in checked:
                if other_name == bound_param:
                    notes += [f"`{other_name}` {format_dims(other.dims, other.prefix)}", *other.origins]
        self.report(code, arg_node, message, notes)

    def _result(self, matcher: Matcher, spec: ShapeSpec | None, qualname: str, node: cst.CSTNode) -> Value:
        if spec is None:
            return UNKNOWN
        dims = matcher.result_dims(spec)
        return Tensor(dims, (Origin(f"return contract {spec.text!r} of `{qualname.rpartition('.')[2]}`", node),))

    def call_summary(self, info: FunctionInfo, args: CallArgs, node: cst.CSTNode) -> Value:
        summary = info.body_return
        assert summary is not None
        names = [p.name for p in info.params if p.kind in ("positional", "keyword")]
        bound = self._bind_params([p.name for p in info.params if p.kind == "positional"], args, False)
        values = [bound.get(n, (UNKNOWN, node))[0] for n in names]
        origin = Origin(f"return of `{info.qualname.rpartition('.')[2]}` (summarised from its body)", node)
        if summary.same_as is not None:
            t = ops.tensor_like(values[summary.same_as]) if summary.same_as < len(values) else None
            return Tensor(t.dims if t is not None else None, (*(t.origins[-3:] if t else ()), origin))
        if summary.dims is None:
            return Tensor(None, (origin,))
        mapping: dict[str, Expr] = {}
        out: list[Dim] = []
        for d in summary.dims:
            if d is None:
                out.append(None)
                continue
            ok = True
            for name in d.names():
                if not name.startswith("$p"):
                    continue
                i_s, k_s = name[2:].split("#")[0].split("_")
                t = ops.tensor_like(values[int(i_s)]) if int(i_s) < len(values) else None
                k = int(k_s)
                if t is None or t.dims is None or k >= len(t.dims) or t.dims[k] is None:
                    ok = False
                    break
                mapping[name] = t.dims[k]  # type: ignore[assignment]
            out.append(d.substitute(mapping) if ok else None)
        return Tensor(tuple(out), (origin,))


# NumPy Generator / RandomState samplers whose ``size=`` is the shape of the array drawn
_SAMPLER_METHODS = frozenset({
    "normal", "uniform", "standard_normal", "random", "integers", "randint", "poisson", "binomial",
    "exponential", "gamma", "beta", "choice", "random_sample", "lognormal", "laplace",
})


@dataclass
class _CountedLoop:
    """A ``for`` loop being walked: how many passes (``range`` of known ints), the calls that are
    statements of its own body, and the lists its body appends to once per pass."""

    trips: int | None
    direct_calls: frozenset[int]
    appends: dict[str, tuple[Value, cst.CSTNode]] = field(default_factory=dict)
    spoilt: set[str] = field(default_factory=set)


def _direct_calls(body: cst.BaseSuite) -> frozenset[int]:
    """ids of the calls that are whole statements of the body itself (not under an if or a loop)."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    out: set[int] = set()
    for stmt in statements:
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            out.update(id(small.value) for small in stmt.body if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call))
    return frozenset(out)


# NumPy array methods that are a function with the array first: ``x.sum(axis=1)`` is ``np.sum(x, axis=1)``
_ARRAY_METHODS = {
    "reshape": "numpy.reshape", "ravel": "numpy.reshape", "flatten": "numpy.reshape",
    "transpose": "numpy.transpose", "squeeze": "numpy.squeeze",
    "sum": "numpy.sum", "mean": "numpy.mean", "max": "numpy.max", "min": "numpy.min", "prod": "numpy.prod",
    "std": "numpy.std", "var": "numpy.var",
}

_LIST_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "reverse", "sort"})

_CONST_COMPARE: dict[type, Callable[[int, int], bool]] = {
    cst.Equal: lambda a, b: a == b,
    cst.NotEqual: lambda a, b: a != b,
    cst.LessThan: lambda a, b: a < b,
    cst.LessThanEqual: lambda a, b: a <= b,
    cst.GreaterThan: lambda a, b: a > b,
    cst.GreaterThanEqual: lambda a, b: a >= b,
}


def _expects_error(node: cst.BaseExpression) -> bool:
    """``self.assertRaises(...)``, ``assertRaisesRegex``, ``pytest.raises(...)``: a block a test expects to fail."""
    if not isinstance(node, cst.Call):
        return False
    name = dotted(node.func) or ""
    last = name.rpartition(".")[2]
    return last.startswith("assertRaises") or name in ("pytest.raises", "raises") or last == "assert_raises"


def _escaped(closure: Env, frame: Frame | None) -> bool:
    """A closure called outside the function that defines it (returned, then called by another):
    neither scope encloses the other."""
    if frame is None:
        return False

    def chain(env: Env | None) -> list[Env]:
        out = []
        while env is not None:
            out.append(env)
            env = env.parent
        return out

    here = chain(frame.env)
    return not any(e is closure for e in here) and not any(e is frame.env for e in chain(closure))


def _informative(value: Value) -> bool:
    """Whether a value carries any shape knowledge a callee could use."""
    if isinstance(value, Tensor):
        return value.dims is not None or bool(value.prefix) or bool(value.alts)
    if isinstance(value, (IntValue, OpaqueSize)):
        return value.expr is not None
    if isinstance(value, ShapeVector):
        return value.dims is not None
    if isinstance(value, Sequence_):
        return any(_informative(v) for v in value.items)
    return isinstance(value, (LayerValue, FunctionRef))


# math / NumPy float constants
_FLOAT_CONSTANTS = frozenset({"math.pi", "math.e", "math.tau", "math.inf", "np.pi", "np.e", "np.inf", "np.nan", "numpy.pi", "numpy.e"})


def _name_hint(node: cst.CSTNode) -> str:
    """``x.shape`` / ``tf.shape(x)`` in ``node`` (a subscript) as text for fresh dim names."""
    if isinstance(node, cst.Subscript):
        base = node.value
        if isinstance(base, cst.Attribute) and base.attr.value == "shape":
            return (dotted(base.value) or "x") + ".shape"
        if isinstance(base, cst.Call) and base.args:
            return f"tf.shape({dotted(base.args[0].value) or 'x'})"
    return "dim"


def _looks_like_module_path(node: cst.BaseExpression, frame: Frame) -> bool:
    """``tf.signal`` / ``np`` in ``tf.signal.fft2d(...)``: a name chain not bound in this scope."""
    d = dotted(node)
    if d is None:
        return False
    head = d.split(".")[0]
    return head not in frame.env and head != "self"


def _is_ellipsis(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Ellipsis)


def _is_none(node: cst.BaseExpression | None) -> bool:
    """``None`` or ``np.newaxis`` / ``tf.newaxis`` (a new axis in an index)."""
    if isinstance(node, cst.Attribute):
        return node.attr.value == "newaxis"
    return isinstance(node, cst.Name) and node.value in ("None", "newaxis")


def _consumed_before(els: list[cst.SubscriptElement], el: cst.SubscriptElement) -> int:
    n = 0
    for e in els:
        if e is el:
            break
        if not (isinstance(e.slice, cst.Index) and (_is_ellipsis(e.slice.value) or _is_none(e.slice.value))):
            n += 1
    return n


def _concat_shapes(a: Value, b: Value) -> Value:
    def items(v: Value) -> list[Value] | None:
        if isinstance(v, Sequence_):
            return list(v.items)
        if isinstance(v, ShapeVector) and v.dims is not None:
            return [IntValue(d) for d in v.dims]
        return None

    ia, ib = items(a), items(b)
    if ia is None or ib is None:
        return ShapeVector(None) if isinstance(a, ShapeVector) or isinstance(b, ShapeVector) else UNKNOWN
    if isinstance(a, ShapeVector) or isinstance(b, ShapeVector):
        return ShapeVector(tuple(int_of(v) if isinstance(v, IntValue) else None for v in ia + ib))
    return Sequence_(tuple(ia + ib))


def _join_returns(returns: list[tuple[Value, cst.CSTNode]]) -> Value:
    if not returns:
        return NoneValue()
    v = returns[0][0]
    for other, _n in returns[1:]:
        v = join(v, other)
    return v


def summarise_return(analyzer: Analyzer, fn: cst.FunctionDef, info: FunctionInfo, class_name: str | None) -> ReturnSummary | None:
    """An unannotated function's return as a function of its parameters' shapes."""
    env = Env()
    for i, p in enumerate(info.params):
        env[p.name] = Tensor(None, (Origin(f"parameter `{p.name}`", fn),), param_index=i) if p.kind in ("positional", "keyword") else UNKNOWN
    frame = analyzer.analyse_function(fn, None, class_name, env=env, check_returns=False)
    tensors = [v for v, _n in frame.returns]
    if not tensors or not all(isinstance(v, Tensor) for v in tensors):
        return None
    first = tensors[0]
    assert isinstance(first, Tensor)
    if first.param_index is not None and all(isinstance(t, Tensor) and t.param_index == first.param_index for t in tensors):
        return ReturnSummary(same_as=first.param_index)
    if first.dims is None:
        return None
    dims = first.dims
    for t in tensors[1:]:
        assert isinstance(t, Tensor)
        if t.dims is None or len(t.dims) != len(dims) or any(not (x is not None and y is not None and x == y) for x, y in zip(dims, t.dims)):
            return None
    if all(d is None for d in dims):
        return ReturnSummary(dims=dims)
    # only parameter-derived symbols survive into a summary
    cleaned = tuple(d if d is not None and all(not n.startswith("$") or n.startswith("$p") for n in d.names()) else None for d in dims)
    return ReturnSummary(dims=cleaned)


def describe_value(v: Value) -> str:
    return describe(v)


_SHAPE_READS = frozenset({"shape", "get_shape", "ndim", "ndims", "rank"})


def _reads_shapes(test: cst.BaseExpression) -> bool:
    """Whether an ``if`` test reads a shape, a rank or a length (``len(x.shape) == 2``,
    ``x.shape[-1] == 1``, ``tf.rank(x) > 2``, ``x.ndim == 3``): the code guarding itself."""
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Attribute) and node.attr.value in _SHAPE_READS:
            return True
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len":
            return True
        stack.extend(node.children)
    return False
