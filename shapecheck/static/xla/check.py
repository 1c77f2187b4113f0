"""The SC2xx/SC3xx checks for the compiled and traced functions of one module."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from shapecheck import rules
from shapecheck.findings import Finding
from shapecheck.static.file_model import FileModel
from shapecheck.static.xla.collect import CONFIG_NAMES, ENV_READERS, TF_FUNCTION, model_for, names_xla_switch
from shapecheck.static.imports import ImportTable, dotted_name
from shapecheck.static.isolation import isolated
from shapecheck.static.literals import string_value
from shapecheck.static.packs import load_packs
from shapecheck.static.xla.ops_pack import DataDependentOp, XlaOpPack, default_pack, normalise_op
from shapecheck.static.xla.provenance import (
    CONFIG, DATA, ENV, PARAM, SHAPE, STATIC, SWITCH,
    Prov, Tag, make_tag, of_kind, tensorlike, union, without,
)
from shapecheck.static.xla.regions import FunctionRegion, RegionMap, display_name
from shapecheck.static.xla.walk import iter_nodes, walk
from shapecheck.contract.spec import ShapeSpec

ARITH_OPS = (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Divide, cst.Modulo, cst.Power)
TF_HEADS = ("tensorflow.", "keras.", "tf_keras.")
# Calls whose result is a NumPy array: every dim of it is known, none is a batch that may be None.
NUMPY_RESULTS = frozenset({"keras.ops.convert_to_numpy", "keras.src.ops.convert_to_numpy", "tensorflow.make_ndarray",
                           "tensorflow.get_static_value", "keras.backend.get_value"})
# Op kinds (rules/packs/tf_ops.toml) whose result's dim 0 is the operands' dim 0.
SAME_LEADING_KINDS = frozenset({"elementwise", "identity", "cast"})


@functools.cache
def _shipped_ops() -> dict[str, Any]:
    """The shipped SC1xx pack's ops, loaded once per process (not once per op name asked about)."""
    return load_packs().ops


@functools.cache
def _op_kind(name: str) -> str | None:
    """The op's kind in the shipped SC1xx pack (one place for what an op does to shapes)."""
    ops = _shipped_ops()
    for candidate in normalise_op(name):
        if candidate in ops:
            return ops[candidate].kind
    return None


def _batch_word(name: str) -> bool:
    low = name.lower()
    return low in ("b", "bs", "bsz") or "batch" in low


@dataclass
class ModuleContext:
    module_name: str
    path: str
    model: FileModel  # the file's semantic model: imports, definitions, globals, contracts
    wrapper: MetadataWrapper
    pack: XlaOpPack
    region_map: RegionMap
    findings: dict[tuple[str, int, int], Finding] = field(default_factory=dict)
    region_key: str = ""  # this module's name in the region map
    positions: Any = None  # anything with ``get(node) -> CodeRange`` (the parsed file's); else PositionProvider's

    @property
    def module(self) -> cst.Module:
        return self.model.module

    @property
    def table(self) -> ImportTable:
        return self.model.imports

    def pos(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        if self.positions is None:
            self.positions = self.wrapper.resolve(PositionProvider)
        rng = self.positions.get(node)
        if rng is None:
            raise KeyError(node)
        return rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1  # type: ignore[attr-defined]

    def code(self, node: cst.CSTNode) -> str:
        text = self.module.code_for_node(node).strip()
        return text if len(text) <= 60 else text[:57] + "..."

    def where(self, tag: Tag) -> str:
        assert isinstance(tag.node, cst.CSTNode)
        text = f"`{self.code(tag.node)}` (line {self.pos(tag.node)[0]})"
        if tag.kind == DATA and isinstance(tag.node, cst.Call) and (dotted_name(tag.node.func) or "").endswith("range"):
            return f"the loop counter of {text}, a tf.while_loop over a tensor bound"
        return text

    def first(self, tags: list[Tag]) -> Tag:
        return min(tags, key=lambda t: self.pos(t.node)[:2])  # type: ignore[arg-type]

    def report(self, code: str, node: cst.CSTNode | Tag, message: str, notes: tuple[str, ...] = ()) -> None:
        if isinstance(node, Tag):
            assert isinstance(node.node, cst.CSTNode)
            node = node.node
        line, col, end_line, end_col = self.pos(node)
        key = (code, line, col)
        if key not in self.findings:
            self.findings[key] = rules.get(code).finding(self.path, line, col, message, end_line, end_col, notes)


@dataclass(frozen=True)
class DimRef:
    """``x.shape[axis]`` as written: may it be None at trace time?"""

    receiver: str
    axis: int
    maybe_none: bool


class FunctionChecker:
    def __init__(self, ctx: ModuleContext, node: cst.FunctionDef, qualname: str, compiled: FunctionRegion | None,
                 traced: bool, region_notes: tuple[str, ...]) -> None:
        self.ctx = ctx
        self.node = node
        self.qualname = qualname
        self.compiled = compiled is not None
        self.traced = traced or self.compiled
        self.notes = region_notes
        self.env: dict[str, Prov] = {}
        self.dims: dict[str, DimRef] = {}
        self.locals: set[str] = set()
        self.self_names: set[str] = set()
        self.reported_reads: set[Tag] = set()
        self.axis_evidence: dict[str, dict[int, str]] = {}  # param -> axis -> "static" | "none"
        self.guards = _none_guards(node, ctx)
        self.leading_fixed: set[str] = set()  # names whose dim 0 is known not to be a None batch
        self._bind_params()
        self.batch_elsewhere = self._batch_read_elsewhere()

    # ---- parameters ----------------------------------------------------------------------
    def _bind_params(self) -> None:
        params = self.node.params
        ordered = [*params.posonly_params, *params.params]
        signature = self._input_signature()
        info = self.ctx.model.annotation_contract(self.node)  # the file model's reading of the annotations
        read = {p.name: p for p in info.params} if info is not None else {}
        sig_i = 0
        for i, p in enumerate([*ordered, *params.kwonly_params]):
            name = p.name.value
            self.locals.add(name)
            if i == 0 and name in ("self", "cls") and p in ordered:
                self.self_names.add(name)
                self.env[name] = STATIC
                continue
            known = read.get(name)
            if (known is not None and known.python_type is not None) or _python_default(p):
                self.env[name] = STATIC
            else:
                self.env[name] = frozenset({make_tag(PARAM, p.name)})
            evidence = _contract_axes(known.spec if known is not None else None)
            if p in ordered and signature is not None and sig_i < len(signature):
                for axis, kind in signature[sig_i].items():
                    evidence.setdefault(axis, kind)
            if p in ordered:
                sig_i += 1
            if evidence:
                self.axis_evidence[name] = evidence
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.locals.add(star.name.value)
                self.env[star.name.value] = frozenset({make_tag(PARAM, star.name)})

    def _input_signature(self) -> list[dict[int, str]] | None:
        for dec in self.node.decorators:
            if not isinstance(dec.decorator, cst.Call):
                continue
            if self.ctx.table.resolve(dec.decorator.func) not in TF_FUNCTION:
                continue
            for arg in dec.decorator.args:
                if arg.keyword is not None and arg.keyword.value == "input_signature" and isinstance(
                        arg.value, (cst.List, cst.Tuple)):
                    out = []
                    for el in arg.value.elements:
                        out.append(_tensorspec_axes(el.value))
                    return out
        return None

    # ---- statements ----------------------------------------------------------------------
    def run(self) -> None:
        self.block(self.node.body)

    def block(self, body: cst.BaseSuite | cst.BaseCompoundStatement) -> None:
        if isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self.small(small)
            return
        if isinstance(body, cst.IndentedBlock):
            for stmt in body.body:
                self.statement(stmt)

    def statement(self, stmt: cst.BaseStatement) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small)
        elif isinstance(stmt, cst.If):
            self.expr(stmt.test)
            dead = self._dead_branch(stmt.test)
            before = dict(self.env)
            if dead != "body":
                self.block(stmt.body)
            after_body = self.env
            self.env = dict(before)
            if stmt.orelse is not None and dead != "orelse":
                if isinstance(stmt.orelse, cst.If):
                    self.statement(stmt.orelse)
                else:
                    self.block(stmt.orelse.body)
            if dead is None:
                self.env = _merge(after_body, self.env)
            elif dead == "orelse":
                self.env = after_body
        elif isinstance(stmt, cst.For):
            p = self.expr(stmt.iter)
            self.bind(stmt.target, self._loop_variable(stmt.iter, p), None)
            self.block(stmt.body)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body)
        elif isinstance(stmt, cst.While):
            self.expr(stmt.test)
            self.block(stmt.body)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                p = self.expr(item.item)
                if item.asname is not None:
                    self.bind(item.asname.name, p, None)
            self.block(stmt.body)
        elif isinstance(stmt, cst.Match):
            self.expr(stmt.subject)
            before = dict(self.env)
            merged: dict[str, Prov] | None = None
            for case in stmt.cases:
                self.env = dict(before)
                self.block(case.body)
                merged = self.env if merged is None else _merge(merged, self.env)
            self.env = merged if merged is not None else before
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.block(stmt.body)
            for handler in stmt.handlers:
                self.block(handler.body)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body)
            if stmt.finalbody is not None:
                self.block(stmt.finalbody.body)
        # nested defs and classes are checked on their own when a region reaches them

    def _dead_branch(self, test: cst.BaseExpression) -> str | None:
        """``if n is None: n = cfg["n"]`` where every call of this function passes ``n``: the body never
        runs on a traced path ("body"); for ``is not None`` the ``else`` never runs ("orelse")."""
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name)):
            return None
        comp = test.comparisons[0]
        if not (isinstance(comp.comparator, cst.Name) and comp.comparator.value == "None"):
            return None
        if test.left.value not in self.ctx.region_map.always_passed.get(self.qualname, frozenset()):
            return None
        if isinstance(comp.operator, cst.Is):
            return "body"
        return "orelse" if isinstance(comp.operator, cst.IsNot) else None

    def _loop_variable(self, iterable: cst.BaseExpression, p: Prov) -> Prov:
        """``for i in range(n)``: with a tensor ``n`` AutoGraph builds a tf.while_loop and ``i`` is a
        loop-carried tensor, never a compile-time constant (even when ``n`` is shape-derived)."""
        if isinstance(iterable, cst.Call) and self._callee(iterable.func) in ("builtins.range", "tensorflow.range"):
            if any(t.kind in (SHAPE, DATA) for t in p):
                return frozenset({make_tag(DATA, iterable)})
            return p
        return p

    def small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            p = self.expr(small.value)
            for t in small.targets:
                self.bind(t.target, p, small.value)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.bind(small.target, self.expr(small.value), small.value)
        elif isinstance(small, cst.AugAssign):
            p = self.expr(small.value)
            if isinstance(small.target, cst.Name):
                self._check_dim_arith(small, small.target, small.value, small.operator)
                self.env[small.target.value] = union(self.env.get(small.target.value, STATIC), p)
                self.dims.pop(small.target.value, None)
        elif isinstance(small, (cst.Expr, cst.Return)):
            if small.value is not None:
                self.expr(small.value)
        elif isinstance(small, cst.Assert):
            self.expr(small.test)

    def bind(self, target: cst.BaseExpression, p: Prov, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            name = target.value
            self.locals.add(name)
            self.env[name] = p
            if value is not None and self._leading_fixed(value):
                self.leading_fixed.add(name)
            else:
                self.leading_fixed.discard(name)
            dim = self.dim_of(value) if value is not None else None
            if dim is not None:
                self.dims[name] = dim
            else:
                self.dims.pop(name, None)
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(elements) and not any(
                    isinstance(e, cst.StarredElement) for e in value.elements):
                for t, v in zip(elements, value.elements):
                    self.bind(t, self.expr_cached(v.value), v.value)
                return
            shape_of = _shape_receiver(value) if value is not None else None
            fixed = value is not None and self._leading_fixed(value)  # mean, var = tf.nn.moments(x, axes)
            for axis, t in enumerate(elements):
                if isinstance(t, cst.StarredElement):
                    self.bind(t.value, p, None)
                    shape_of = None
                    continue
                self.bind(t, p, None)
                if fixed and isinstance(t, cst.Name):
                    self.leading_fixed.add(t.value)
                if shape_of is not None and isinstance(t, cst.Name):
                    self.env[t.value] = STATIC
                    dim = self._make_dim(shape_of, axis)
                    if dim is not None:
                        self.dims[t.value] = dim

    # ---- expressions ---------------------------------------------------------------------
    _cache: dict[int, Prov]

    def expr_cached(self, node: cst.BaseExpression) -> Prov:
        cache = self.__dict__.setdefault("_cache", {})
        if id(node) in cache:
            return cache[id(node)]
        return self.expr(node)

    def expr(self, node: cst.BaseExpression) -> Prov:
        p = self._expr(node)
        self.__dict__.setdefault("_cache", {})[id(node)] = p
        return p

    def _expr(self, node: cst.BaseExpression) -> Prov:
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString,
                             cst.FormattedString, cst.Ellipsis)):
            return STATIC
        if isinstance(node, cst.Name):
            if node.value in self.env:
                return self.env[node.value]
            return STATIC
        if isinstance(node, cst.Attribute):
            return self.attribute(node)
        if isinstance(node, cst.Subscript):
            return self.subscript(node)
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, cst.BinaryOperation):
            left = self.expr(node.left)
            right = self.expr(node.right)
            self._check_dim_arith(node, node.left, node.right, node.operator)
            return union(left, right)
        if isinstance(node, cst.UnaryOperation):
            return self.expr(node.expression)
        if isinstance(node, cst.BooleanOperation):
            return union(self.expr(node.left), self.expr(node.right))
        if isinstance(node, cst.Comparison):
            parts = [self.expr(node.left)] + [self.expr(c.comparator) for c in node.comparisons]
            return union(*parts)
        if isinstance(node, cst.IfExp):
            self.expr(node.test)
            return union(self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return union(*(self.expr(e.value) for e in node.elements))
        if isinstance(node, cst.Dict):
            return union(*(self.expr(e.value) for e in node.elements if isinstance(e, cst.DictElement)))
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            for comp in _comp_fors(node.for_in):
                p = self.expr(comp.iter)
                self.bind(comp.target, p, None)
            return self.expr(node.elt)
        if isinstance(node, cst.NamedExpr):
            p = self.expr(node.value)
            self.bind(node.target, p, node.value)
            return p
        if isinstance(node, cst.Await):
            return self.expr(node.expression)
        return STATIC

    def attribute(self, node: cst.Attribute) -> Prov:
        base_name = dotted_name(node.value)
        read = self._config_attribute(node, base_name)
        if read is not None:
            return read
        if node.attr.value in ("shape", "dtype", "ndim", "rank"):
            self.expr(node.value)
            return STATIC
        if base_name is not None and base_name.split(".")[0] in self.self_names:
            return STATIC
        return self.expr(node.value)

    def subscript(self, node: cst.Subscript) -> Prov:
        read = self._config_subscript(node)
        if read is not None:
            return read
        base = self.expr(node.value)
        if _shape_receiver(node.value) is not None:
            index_p = union(*(self._slice_prov(e) for e in node.slice))
            return index_p
        # a bound computed from tensor data makes a bounded-dynamic dim: the shape interpreter
        # follows it to the ops that reject it (SC204, shapecheck/static/dynamism.py)
        parts = [base]
        for element in node.slice:
            sl = element.slice
            if isinstance(sl, cst.Slice):
                for bound in (sl.lower, sl.upper, sl.step):
                    if bound is None:
                        continue
                    bp = self.expr(bound)
                    parts.append(without(bp, PARAM, DATA, SHAPE))
                    self._shape_sink(bound, bp, "slice bound")
            elif isinstance(sl, cst.Index):
                parts.append(self.expr(sl.value))
        return union(*parts)

    def _slice_prov(self, element: cst.SubscriptElement) -> Prov:
        sl = element.slice
        if isinstance(sl, cst.Index):
            return self.expr(sl.value)
        if isinstance(sl, cst.Slice):
            return union(*(self.expr(b) for b in (sl.lower, sl.upper, sl.step) if b is not None))
        return STATIC

    def call(self, node: cst.Call) -> Prov:
        name = self._callee(node.func)
        read = self._config_call(node, name)
        if read is not None:
            for arg in node.args:
                self.expr(arg.value)
            return read
        if isinstance(node.func, cst.Attribute) and name is None:
            receiver = self.expr(node.func.value)
            if node.func.attr.value in ("get_shape", "as_list", "num_elements"):
                receiver = STATIC
        else:
            receiver = STATIC
            if not isinstance(node.func, (cst.Name, cst.Attribute)):
                self.expr(node.func)
        arg_provs = [self.expr(a.value) for a in node.args]
        args_p = union(*arg_provs)
        if name is not None:
            self.check_call(node, name, arg_provs)
        if name in ("builtins.range", "builtins.int", "builtins.float") and node.args:
            self._check_dim_call(node, name, node.args[0].value)
        if name is None:
            return union(receiver, args_p)
        if self.ctx.pack.is_shape_source(name):
            return frozenset({make_tag(SHAPE, node)})
        if self.ctx.pack.is_passthrough(name):
            return args_p
        if name.startswith(TF_HEADS):
            if any(t.kind in (PARAM, DATA) for t in args_p):
                return union(without(args_p, PARAM), frozenset({make_tag(DATA, node)}))
            return args_p
        return args_p

    def _callee(self, func: cst.BaseExpression) -> str | None:
        dotted = dotted_name(func)
        if dotted is None:
            return None
        head = dotted.split(".")[0]
        if head in self.locals or head in self.self_names:
            return None
        return self.ctx.table.resolve_dotted(dotted)

    # ---- configuration reads (SC301/SC302) -----------------------------------------------
    def _is_global(self, dotted: str | None) -> bool:
        if dotted is None:
            return False
        head = dotted.split(".")[0]
        return head not in self.locals and head not in self.self_names

    def _config_object(self, node: cst.BaseExpression) -> bool:
        """A module-global configuration object: ``cfg``, ``p.cfg``, ``params()``, ``FLAGS``."""
        if isinstance(node, cst.Call) and not node.args:
            node = node.func
        dotted = dotted_name(node)
        if not self._is_global(dotted):
            return False
        assert dotted is not None
        resolved = self.ctx.table.resolve_dotted(dotted) or dotted
        if resolved.startswith(("tensorflow.", "keras.", "numpy.", "tf_keras.", "builtins.", "absl.flags.")):
            return False  # absl flags (also through TF's re-exports) are parsed once at start-up, never changed
        if dotted.split(".")[0] in self.ctx.model.flag_objects:
            return False
        for candidate in {dotted.rsplit(".", 1)[-1], resolved.rsplit(".", 1)[-1]}:
            low = candidate.lower()
            if low in CONFIG_NAMES or low.endswith(("_cfg", "_config", "_params")) or low.startswith(
                    ("get_param", "get_config")):
                return True
        # mutated anywhere in the tree: in this file or another (`from config import STATE` ... `STATE["N"] = 3`)
        qualified = resolved if resolved != dotted or dotted not in self.ctx.model.module_globals else (
            f"{self.ctx.region_key}.{dotted}")
        mutated = self.ctx.region_map.mutated_globals
        return qualified in mutated

    def _read(self, node: cst.CSTNode, key: str, env: bool) -> Prov:
        if names_xla_switch(key):
            tag = make_tag(SWITCH, node)
            if self.traced and tag not in self.reported_reads:
                text = self.ctx.code(node)
                self.reported_reads.add(tag)
                source = "the environment" if env else "global configuration"
                self.ctx.report(
                    "SC302", node,
                    f"XLA switch `{text}` is read from {source} inside traced code ({display_name(self.qualname)}): the "
                    "decision is baked into the graph when it is traced, so changing the setting later has no "
                    "effect; decide before tracing (pass it as jit_compile=... or build the model after setting it)",
                    self.notes)
            return frozenset({tag})
        return frozenset({make_tag(ENV if env else CONFIG, node)})

    def _config_subscript(self, node: cst.Subscript) -> Prov | None:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        key_node = node.slice[0].slice.value
        if not isinstance(key_node, cst.SimpleString):
            return None
        key = string_value(key_node) or ""
        base = dotted_name(node.value)
        if base is not None and self._is_global(base) and self.ctx.table.resolve_dotted(base) == "os.environ":
            return self._read(node, key, env=True)
        if self._config_object(node.value):
            return self._read(node, key, env=False)
        return None

    def _config_call(self, node: cst.Call, name: str | None) -> Prov | None:
        key_node = node.args[0].value if node.args else None
        key = string_value(key_node) if isinstance(key_node, cst.SimpleString) else None
        if key is None:
            return None
        if name in ENV_READERS or name == "os.environ.get":
            return self._read(node, key, env=True)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" and self._config_object(
                node.func.value):
            return self._read(node, key, env=False)
        if isinstance(node.func, cst.Name) and node.func.value == "get" and name is not None:
            owner = name.rsplit(".", 2)
            if len(owner) >= 2 and owner[-2].lower() in CONFIG_NAMES:
                return self._read(node, key, env=False)
        return None

    def _config_attribute(self, node: cst.Attribute, base_name: str | None) -> Prov | None:
        if base_name is None or "." in base_name or not self._config_object(node.value):
            return None
        if self.ctx.table.resolve_dotted(base_name) is None and base_name not in self.ctx.model.module_globals:
            return None
        return self._read(node, node.attr.value, env=False)

    # ---- sinks ---------------------------------------------------------------------------
    def _shape_sink(self, node: cst.CSTNode, p: Prov, what: str) -> None:
        """A shape-determining value: report global config reads feeding it (SC301)."""
        if not self.traced:
            return
        for tag in of_kind(p, CONFIG, ENV):
            if tag in self.reported_reads:
                continue
            self.reported_reads.add(tag)
            source = "the environment" if tag.kind == ENV else "mutable global configuration"
            self.ctx.report(
                "SC301", tag,
                f"{what} `{self.ctx.code(node)}` depends on {self.ctx.where(tag)}, read from {source} inside traced code "
                f"({display_name(self.qualname)}): the value is frozen into the graph at trace time and later changes are "
                "silently ignored (or retrace with a different shape); pass it as an argument or read it once "
                "when the model is built",
                self.notes)

    def check_call(self, node: cst.Call, name: str, arg_provs: list[Prov]) -> None:
        """Report the call's hazards (SC201-SC203, SC205, SC301)."""
        pack = self.ctx.pack
        short = _short(name)
        if self.compiled:
            dd = pack.data_dependent_of(name)
            if dd is not None and _data_dependent_applies(node, dd):
                self.ctx.report("SC202", node,
                                f"{short} in a compiled region has a data-dependent output shape: {dd.what}; XLA "
                                "needs static shapes (use a fixed-size form: tf.where(c, x, y), masks, "
                                "minlength=maxlength, pad to a maximum)", self.notes)
            nk = pack.no_kernel_of(name)
            if nk is not None:
                self.ctx.report("SC203", node, f"{short} in a compiled region: {nk.what}", self.notes)
        specs = pack.constant_args_of(name)
        for spec in specs:
            arg = _argument(node, spec.position, spec.param)
            if arg is None:
                continue
            if self.traced and isinstance(arg, (cst.List, cst.Tuple)):
                for element in arg.elements:
                    dim = self.dim_of(element.value)
                    if dim is not None and dim.maybe_none and not self._guarded(dim, element.value):
                        self._report_dim(element.value, element.value, dim, f"{short} {spec.what} element")
            p = self.expr_cached(arg)
            self._shape_sink(arg, p, f"{short} {spec.what}")
            if not self.compiled:
                continue
            data = of_kind(p, DATA)
            if not data or spec.dynamic_dim:
                continue  # XLA takes a bounded dynamic size here: followed by the shape interpreter (SC204)
            self.ctx.report(
                "SC201", arg,
                f"{short} {spec.what} `{self.ctx.code(arg)}` in a compiled region is computed from tensor data "
                f"({self.ctx.where(self.ctx.first(data))}): XLA requires it to be a compile-time constant; derive it from static "
                "shapes, tf.shape() or Python ints", self.notes)
        if name == "builtins.range" and node.args:
            self._shape_sink(node.args[-1].value, union(*arg_provs), "range limit")
        if pack.is_layer_constructor(name) and arg_provs:
            for arg in node.args:
                self._shape_sink(arg.value, self.expr_cached(arg.value), f"{short} argument")

    # ---- SC205 ---------------------------------------------------------------------------
    def _make_dim(self, receiver: cst.BaseExpression, axis: int) -> DimRef | None:
        text = self.ctx.module.code_for_node(receiver).strip()
        head = dotted_name(receiver)
        if head is not None and head.split(".")[0] in self.self_names:
            return None
        if not tensorlike(self.expr_cached(receiver)):
            return None
        evidence = self.axis_evidence.get(head or "", {})
        kind = evidence.get(axis)
        if kind == "static" or (axis == 0 and kind is None and (
                head in self.batch_elsewhere or self._leading_fixed(receiver))):
            return DimRef(text, axis, False)
        maybe_none = axis == 0 or kind == "none"
        return DimRef(text, axis, maybe_none)

    def _leading_fixed(self, node: cst.BaseExpression) -> bool:
        """Whether dim 0 of the value is known not to be a batch that may be None at trace time: a NumPy
        array, a reduction (``tf.nn.moments``, ``reduce_*``) over axis 0 or over axes the code computes, a
        stack along axis 0 (its length is the number of values), and elementwise arithmetic on those."""
        if isinstance(node, cst.Name):
            return node.value in self.leading_fixed
        if isinstance(node, (cst.Integer, cst.Float)):
            return True
        if isinstance(node, cst.BinaryOperation):
            return self._leading_fixed(node.left) and self._leading_fixed(node.right)
        if isinstance(node, cst.UnaryOperation):
            return self._leading_fixed(node.expression)
        if not isinstance(node, cst.Call):
            return False
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "numpy" and not node.args:
            return True
        name = self._callee(node.func)
        if name is None:
            return False
        if name.startswith("numpy.") or name in NUMPY_RESULTS:
            return True
        kind = _op_kind(name)
        if kind in ("reduce", "moments"):
            return _reduces_axis_0(node)
        if kind == "stack":
            axis = _argument(node, 1, "axis")
            return axis is None or _int_literal(axis) == 0
        if kind in SAME_LEADING_KINDS:
            operands = [a.value for a in node.args if a.keyword is None and not a.star]
            return bool(operands) and all(self._leading_fixed(v) for v in operands)
        return False

    def _batch_read_elsewhere(self) -> frozenset[str]:
        """Tensors whose batch the function itself reads from another axis (``bsz = tf.shape(inp)[1]``,
        time-major code): their dim 0 is not assumed to be the batch."""
        out: set[str] = set()
        for stmt in iter_nodes(self.node.body):
            if not isinstance(stmt, cst.Assign) or len(stmt.targets) != 1:
                continue
            target, value = stmt.targets[0].target, stmt.value
            if not (isinstance(target, cst.Name) and _batch_word(target.value) and isinstance(value, cst.Subscript)):
                continue
            if len(value.slice) != 1 or not isinstance(value.slice[0].slice, cst.Index):
                continue
            axis = _int_literal(value.slice[0].slice.value)
            receiver = _shape_receiver(value.value)
            if receiver is None and isinstance(value.value, cst.Call) and value.value.args:
                callee = self._callee(value.value.func)
                if callee is not None and self.ctx.pack.is_shape_source(callee):
                    receiver = value.value.args[0].value
            head = dotted_name(receiver) if receiver is not None else None
            if head is not None and axis not in (None, 0):
                out.add(head)
        return frozenset(out)

    def dim_of(self, node: cst.BaseExpression | None) -> DimRef | None:
        if node is None:
            return None
        if isinstance(node, cst.Name):
            return self.dims.get(node.value)
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            receiver = _shape_receiver(node.value)
            axis = _int_literal(node.slice[0].slice.value)
            if receiver is not None and axis is not None:
                return self._make_dim(receiver, axis)
        return None

    def _guarded(self, dim: DimRef, node: cst.BaseExpression) -> bool:
        text = self.ctx.module.code_for_node(node).strip()
        return text in self.guards or f"{dim.receiver}.shape[{dim.axis}]" in self.guards or (
            f"{dim.receiver}.shape" in self.guards)

    def _check_dim_arith(self, node: cst.CSTNode, left: cst.BaseExpression, right: cst.BaseExpression,
                         op: cst.BaseBinaryOp | cst.BaseAugOp) -> None:
        if not self.traced:
            return
        if not isinstance(op, (*ARITH_OPS, cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign,
                               cst.FloorDivideAssign, cst.DivideAssign, cst.ModuloAssign)):
            return
        for side in (left, right):
            dim = self.dim_of(side)
            if dim is not None and dim.maybe_none and not self._guarded(dim, side):
                self._report_dim(node, side, dim, "Python arithmetic on")
                return

    def _check_dim_call(self, node: cst.Call, name: str, arg: cst.BaseExpression) -> None:
        if not self.traced:
            return
        dim = self.dim_of(arg)
        if dim is not None and dim.maybe_none and not self._guarded(dim, arg):
            self._report_dim(node, arg, dim, f"{name.split('.')[-1]}() of")

    def _report_dim(self, node: cst.CSTNode, side: cst.BaseExpression, dim: DimRef, what: str) -> None:
        which = "the batch dimension" if dim.axis == 0 else f"dimension {dim.axis}"
        self.ctx.report(
            "SC205", node,
            f"{what} `{self.ctx.code(side)}` ({which} of `{dim.receiver}`) in traced code ({display_name(self.qualname)}): it is "
            "None when the dimension is unknown at trace time (TypeError, or a shape baked in for one batch "
            "size); use tf.shape(" + dim.receiver + f")[{dim.axis}] or guard with `is not None`",
            self.notes)


# ---- helpers ---------------------------------------------------------------------------------
def _short(name: str) -> str:
    for prefix, repl in (("tensorflow.", "tf."), ("keras.ops.", "keras.ops.")):
        if name.startswith(prefix):
            return repl + name[len(prefix):]
    return name


def _merge(a: dict[str, Prov], b: dict[str, Prov]) -> dict[str, Prov]:
    out = dict(a)
    for k, v in b.items():
        out[k] = union(out.get(k, STATIC), v)
    return out


def _comp_fors(node: cst.CompFor) -> list[cst.CompFor]:
    out = []
    cur: cst.CompFor | None = node
    while cur is not None:
        out.append(cur)
        cur = cur.inner_for_in
    return out


def _argument(node: cst.Call, position: int, param: str) -> cst.BaseExpression | None:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == param:
            return arg.value
    if position < 0:
        return None
    positional = [a for a in node.args if a.keyword is None and not a.star]
    if position < len(positional):
        return positional[position].value
    return None


def _data_dependent_applies(node: cst.Call, dd: DataDependentOp) -> bool:
    keywords = {a.keyword.value for a in node.args if a.keyword is not None}
    positional = [a for a in node.args if a.keyword is None]
    if dd.when_positional is not None and (len(positional) != dd.when_positional or keywords & dd.unless_any):
        return False
    if dd.when_positional is None and dd.unless_any and keywords & dd.unless_any:
        return False
    if dd.unless_all and dd.unless_all <= keywords:
        return False
    return True


def _shape_receiver(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``x`` for ``x.shape`` / ``x.get_shape()`` / ``x.shape.as_list()``."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value == "get_shape":
            return node.func.value
        if node.func.attr.value == "as_list":
            return _shape_receiver(node.func.value)
        return None
    if isinstance(node, cst.Attribute) and node.attr.value == "shape":
        return node.value
    return None


def _reduces_axis_0(node: cst.Call) -> bool:
    """A reduction whose result has no dim 0 of its input: no ``keepdims=True``, and the axes are absent
    (all), include 0, or are computed (which axes is unknown, so dim 0 is not known to be the batch)."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in ("keepdims", "keep_dims"):
            if not (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
                return False
    axes = _argument(node, 1, "axis") or _argument(node, -1, "axes") or _argument(node, -1, "reduction_indices")
    if axes is None or (isinstance(axes, cst.Name) and axes.value == "None"):
        return True
    values = [e.value for e in axes.elements] if isinstance(axes, (cst.List, cst.Tuple)) else [axes]
    literals = [_int_literal(v) for v in values]
    if any(v is None for v in literals):
        return True
    return 0 in literals


def _int_literal(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) and isinstance(
            node.expression, cst.Integer):
        return -int(node.expression.value)
    return None


def _python_default(p: cst.Param) -> bool:
    """A default that is a Python literal: the parameter holds a Python value (its annotation aside)."""
    if p.default is not None and isinstance(p.default, (cst.Integer, cst.Float, cst.SimpleString, cst.Tuple)):
        return True
    if p.default is not None and isinstance(p.default, cst.Name) and p.default.value in ("True", "False"):
        return True
    return False


def _contract_axes(spec: ShapeSpec | None) -> dict[int, str]:
    """Axis evidence from a parameter's shape contract (the file model's): fixed dims are static."""
    if spec is None:
        return {}
    out: dict[int, str] = {}
    variadic_seen = False
    for axis, dim in enumerate(spec.dims):
        kind = getattr(dim.kind, "name", str(dim.kind))
        if kind == "VARIADIC":
            variadic_seen = True
            break
        if kind == "FIXED":
            out[axis] = "static"
    if not variadic_seen:
        n = len(spec.dims)
        for axis in list(out):
            out[axis - n] = out[axis]
    return out


def _tensorspec_axes(node: cst.BaseExpression) -> dict[int, str]:
    if not isinstance(node, cst.Call):
        return {}
    shape = None
    for i, arg in enumerate(node.args):
        if (arg.keyword is not None and arg.keyword.value == "shape") or (arg.keyword is None and i == 0):
            shape = arg.value
    if not isinstance(shape, (cst.List, cst.Tuple)):
        return {}
    out: dict[int, str] = {}
    n = len(shape.elements)
    for axis, el in enumerate(shape.elements):
        v = el.value
        kind = "none" if isinstance(v, cst.Name) and v.value == "None" else (
            "static" if isinstance(v, cst.Integer) else None)
        if kind is not None:
            out[axis] = kind
            out[axis - n] = kind
    return out


def _none_guards(fn: cst.FunctionDef, ctx: ModuleContext) -> frozenset[str]:
    """Expressions the function compares with None (or checks with is_fully_defined / `or`)."""
    found: set[str] = set()

    def add(node: cst.CSTNode) -> None:
        """The guarded expression as written, and a dim read in the one spelling ``_guarded`` asks for
        (``x.shape.as_list()[0]`` and ``x.get_shape()[0]`` guard ``x.shape[0]``)."""
        code = ctx.module.code_for_node
        found.add(code(node).strip())
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            receiver = _shape_receiver(node.value)
            axis = _int_literal(node.slice[0].slice.value)
            if receiver is not None and axis is not None:
                found.add(f"{code(receiver).strip()}.shape[{axis}]")

    class _Guards:
        def visit_Comparison(self, node: cst.Comparison) -> bool:
            for comp in node.comparisons:
                if isinstance(comp.operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)):
                    if isinstance(comp.comparator, cst.Name) and comp.comparator.value == "None":
                        add(node.left)
                    elif isinstance(node.left, cst.Name) and node.left.value == "None":
                        add(comp.comparator)
            return True

        def visit_BooleanOperation(self, node: cst.BooleanOperation) -> bool:
            if isinstance(node.operator, cst.Or):
                add(node.left)
            return True

        def visit_Call(self, node: cst.Call) -> bool:
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("is_fully_defined", "assert_is_fully_defined"):
                add(node.func.value)
            return True

        def visit_If(self, node: cst.If) -> bool:  # `if x.shape[0]:` / `if not b:` also guard
            test = node.test
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test = test.expression
            if isinstance(test, (cst.Name, cst.Subscript)):
                add(test)
            return True

    walk(fn, _Guards())
    return frozenset(found)


def _function_nodes(model: FileModel, module_name: str, wanted: set[str]) -> dict[str, list[cst.FunctionDef]]:
    """The file's functions (the model's index) that the region map names, under the map's module name."""
    out: dict[str, list[cst.FunctionDef]] = {}
    for d in model.functions:
        q = ".".join((module_name, *d.path))
        if q in wanted:
            out.setdefault(q, []).append(d.node)  # type: ignore[arg-type]
    return out


def check_module(path: str, module_name: str, wrapper: MetadataWrapper, region_map: RegionMap,
                 pack: XlaOpPack | None = None, model: FileModel | None = None, positions: Any = None) -> list[Finding]:
    original_name, module_name = module_name, region_map.module_key(module_name, path)
    wanted = set(region_map.module_functions.get(module_name, ()))
    literal_roots = [r for r in region_map.module_roots.get(module_name, ())
                     if r.switch.kind == "literal-true" and r.kind in ("tf.function", "tf.function-call", "keras-compile")]
    if not wanted and not literal_roots:
        return []
    module = wrapper.module
    model = model if model is not None else model_for(module, original_name, path)
    ctx = ModuleContext(module_name, path, model, wrapper, pack or default_pack(), region_map,
                        region_key=module_name, positions=positions)
    for root in literal_roots:
        ctx.findings[("SC303", root.switch.line, root.switch.col)] = rules.get("SC303").finding(
            path, root.switch.line, root.switch.col,
            f"`jit_compile=True` in {root.label} is a literal: no argument or setting can turn XLA off for this "
            "code, and TF_XLA_FLAGS=--tf_xla_auto_jit=0 does not either (it only controls auto-clustering); take "
            "the value from a parameter or configuration (jit_compile=use_xla)",
            root.switch.line, root.switch.col + len("True"),
            (f"root kind: {root.kind}", *_documented_reason(module.code, root.line)))
    for qualname, nodes in _function_nodes(model, module_name, wanted).items():
        compiled = region_map.compiled.get(qualname)
        traced = qualname in region_map.traced or qualname in region_map.keras_traced
        notes = region_notes(region_map, qualname)
        for node in nodes:
            with isolated(lambda f: ctx.findings.setdefault((f.code, f.line, f.col), f), path, "compiled-region",
                          qualname, lambda: ctx.pos(node.name)[:2]):
                FunctionChecker(ctx, node, qualname, compiled, traced, notes).run()
    return in_test_file(path, sorted(ctx.findings.values()))


def region_notes(region_map: RegionMap, qualname: str) -> tuple[str, ...]:
    """How a function comes to be compiled or traced: its root, the call chain, the switch."""
    compiled = region_map.compiled.get(qualname)
    region = compiled or region_map.traced.get(qualname)
    if region is not None:
        root = region_map.root_of(region)
        state = "compiled" if compiled is not None else "traced"
        return (f"{state} via {root.label} at {root.path}:{root.line}",
                "call chain: " + " -> ".join(region.chain),
                f"switch: {root.switch.describe()}")
    if qualname in region_map.keras_traced:
        return ("traced by Keras (a layer's call or a model step)",)
    return ()


def in_test_file(path: str, findings: list[Finding]) -> list[Finding]:
    """Compiled-region findings as reported: one severity lower in a test file."""
    return [_in_test_file(f) for f in findings] if is_test_file(path) else findings


def _documented_reason(source: str, line: int) -> tuple[str, ...]:
    """The comment right above a compile root that says why it compiles with XLA (a documented
    workaround: "only supported when compiling with XLA ... b/186463870"), as a rationale note."""
    lines = source.splitlines()
    comment: list[str] = []
    i = line - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        comment.insert(0, lines[i].strip().lstrip("#").strip())
        i -= 1
    text = " ".join(comment)
    if not (names_xla_switch(text) or "compil" in text.lower()):
        return ()
    return (f"rationale: the comment above says why: {text if len(text) <= 160 else text[:157] + '...'}",)


TEST_FILE_RATIONALE = ("rationale: a test file: tests compile with XLA on purpose, and pin shapes for one "
                       "batch; reported one severity lower than elsewhere")


def is_test_file(path: str) -> bool:
    """``test_*.py``, ``*_test.py``, ``conftest.py``, or a file under a ``tests``/``test``/``testing`` directory."""
    parts = PurePath(path).parts
    name = parts[-1] if parts else ""
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or any(d in ("tests", "test", "testing") for d in parts[:-1]))


def _in_test_file(f: Finding) -> Finding:
    """A compiled-region finding in a test file: one severity lower, saying why."""
    if f.code.startswith("SC005"):
        return f
    lower = {"error": "warning", "warning": "info"}.get(f.severity, f.severity)
    return replace(f, severity=lower, notes=(*f.notes, TEST_FILE_RATIONALE))
