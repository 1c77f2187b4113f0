"""Keras models as programs: layer graphs, ``Sequential``, subclassed layers, ``fit``/``predict``.

A functional model is the graph its code builds: ``Input(shape=...)`` gives a tensor, each
layer call a new one (``ops.apply_layer`` and the merge/embedding/pooling kinds here), and
``Model(inputs, outputs)`` keeps both ends (:class:`ModelValue`). A ``Sequential`` keeps its
layers in order (``.add`` appends) and runs them on whatever it is given. A layer or model
class of the project (a ``keras.layers.Layer``/``keras.Model`` subclass, in this file or, by an
analyser of that file, in another) is instantiated by running its ``__init__`` with the
constructor's arguments and applied by running ``build`` and ``call`` on the input. ``model.fit(x, y)`` / ``evaluate`` / ``predict``
compare the arrays' shapes with the model's input, its output and what the compiled loss
expects (SC101 for the input, SC108 for the labels); a class's ``compute_output_shape`` is
compared with what its ``call`` returns (SC107).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import libcst as cst

from shapecheck.contract.expr import Expr
from shapecheck.static import ops
from shapecheck.static.args import BoundArgs, CallArgs
from shapecheck.static.packs import OpSignature
from shapecheck.static.parsed import ParsedFile
from shapecheck.static.shape_math import int_of, shape_arg
from shapecheck.static.values import (
    UNKNOWN,
    BoolValue,
    UnknownValue,
    Dim,
    Dims,
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
    format_dim,
    format_dims,
    fresh_dim,
    provably_different,
)

if TYPE_CHECKING:
    from shapecheck.static.infer import Analyzer, Frame


def _short(name: str | None) -> str:
    return (name or "layer").replace("tensorflow.", "tf.")


# ----- layers of the kinds this module adds ---------------------------------------------------

LAYER_KINDS = frozenset({"layer_concatenate", "layer_merge", "layer_embedding", "layer_global_pool", "layer_lambda"})
# layers whose input must have this rank (Keras's ``InputSpec(ndim=...)``); a known other rank is SC101
# conv and pooling layers take (batch, *spatial, channels): `spatial` axes from their pack entry
REQUIRED_RANK = {"layer_conv": 4, "layer_pool": 4, "layer_upsampling2d": 4}


def _layer_origin(layer: LayerValue, node: cst.CSTNode) -> Origin:
    return Origin(f"{_short(layer.qualname or layer.kind)} layer", node)


def check_input_rank(ctx: "Analyzer", layer: LayerValue, x: Tensor, node: cst.CSTNode) -> bool:
    """False (and SC101) when ``x``'s known rank is not the one the layer takes."""
    want = REQUIRED_RANK.get(layer.kind)
    spatial = layer.config.get("__spatial__")
    if want is not None and isinstance(spatial, IntValue) and spatial.expr is not None and spatial.expr.const_value is not None:
        want = spatial.expr.const_value + 2
    if want is None or x.dims is None or len(x.dims) == want:
        return True
    ctx.report(
        "SC101", node,
        f"`{_short(layer.qualname)}` takes a rank-{want} input but is given rank {len(x.dims)} {format_dims(x.dims)}",
        [f"input {format_dims(x.dims)}", *x.origins[-3:]],
    )
    return False


def apply_kind(ctx: "Analyzer", layer: LayerValue, inputs: Value, node: cst.CSTNode) -> Value:
    """A layer of one of :data:`LAYER_KINDS` applied to ``inputs`` (a tensor, or a list for merges)."""
    what = _layer_origin(layer, node)
    cfg = layer.config
    name = _short(layer.qualname)
    if layer.kind == "layer_lambda":
        fn = cfg.get("function")
        if fn is None:
            return Tensor(None, (what,))
        out = ctx.call_value(fn, CallArgs([(inputs, node)]), node)
        t = ops.tensor_like(out)
        return Tensor(t.dims, (what,)) if t is not None else out
    if layer.kind == "layer_concatenate":
        sig = OpSignature(name, "concat", ("values", "axis"))
        axis = cfg.get("axis") or IntValue(Expr.const(-1))
        return ops.h_concat(ctx, sig, BoundArgs({"values": (inputs, node), "axis": (axis, node)}, CallArgs()), node)  # type: ignore[arg-type]
    if layer.kind == "layer_merge":
        if not isinstance(inputs, Sequence_):
            return Tensor(None, (what,))
        merged = ops.tensor_like(ops.elementwise(ctx, node, list(inputs.items), f"`{name}`"))
        return Tensor(merged.dims if merged is not None else None, (what,))
    x = ops.tensor_like(inputs)
    if x is None or x.dims is None:
        return Tensor(None, (what,))
    if layer.kind == "layer_embedding":
        return Tensor((*x.dims, int_of(cfg.get("output_dim"))), (what,))
    if layer.kind == "layer_global_pool":
        keep = cfg.get("keepdims")
        fmt = cfg.get("data_format")
        channels_last = fmt is None or (isinstance(fmt, StrValue) and fmt.text == "channels_last")
        if len(x.dims) < 3 or not channels_last or not (keep is None or (isinstance(keep, BoolValue) and keep.value is False)):
            return Tensor(None, (what,))
        return Tensor((x.dims[0], x.dims[-1]), (what,))
    return Tensor(None, (what,))


# ----- models ---------------------------------------------------------------------------------

# The batch dim of every ``keras.Input``: a model's inputs are fed the same batch, so two inputs'
# batches are one symbol (printed ``batch``); like any fresh symbol it proves differences only
# against expressions of itself (``2*batch`` vs ``batch``).
KERAS_BATCH = Expr.name("$batch#0")


def h_keras_input(ctx: "Analyzer", sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``keras.Input(shape=(H, W, C), batch_size=None)`` → ``(batch, H, W, C)``."""
    shape = shape_arg(a.value("shape"))
    if shape is None:
        return Tensor(None, (ops._o(sig, node),))
    batch = int_of(a.value("batch_size")) if a.has("batch_size") else None
    dims = (batch if batch is not None else KERAS_BATCH, *shape)
    return Tensor(dims, (ops._o(sig, node, f"(shape={format_dims(tuple(shape))})"),))


def h_keras_model(ctx: "Analyzer", sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``keras.Model(inputs, outputs)``: the graph's two ends (a subclass call has neither)."""
    if not a.has("inputs") or not a.has("outputs"):
        return UNKNOWN
    inputs = a.get("inputs")
    items = inputs.items if isinstance(inputs, Sequence_) else (inputs,)
    return ModelValue(tuple(items), a.get("outputs"), None, None, (ops._o(sig, node),))


def h_keras_sequential(ctx: "Analyzer", sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``keras.Sequential([layer, ...])`` (or empty, filled by ``.add``)."""
    layers = a.value("layers")
    if layers is None or isinstance(layers, NoneValue):
        items: tuple[Value, ...] = ()
    elif isinstance(layers, Sequence_):
        items = layers.items
    else:
        return UNKNOWN
    model = ModelValue(None, None, items, None, (ops._o(sig, node),))
    _run_declared(ctx, model, node)
    return model


def _run_declared(ctx: "Analyzer", model: ModelValue, node: cst.CSTNode) -> None:
    """A Sequential that declares its input is checked layer by layer where it is built."""
    x = _sequential_input(model)
    if x is not None:
        run_sequential(ctx, model, x, node)


def _sequential_input(model: ModelValue) -> Tensor | None:
    """The input a Sequential declares: a leading ``Input(...)`` or its first layer's ``input_shape``."""
    if not model.layers:
        return None
    first = model.layers[0]
    if isinstance(first, Tensor):
        return first
    if isinstance(first, LayerValue):
        shape = shape_arg(first.config.get("input_shape")) if "input_shape" in first.config else None
        if shape is not None:
            return Tensor((KERAS_BATCH, *shape), (Origin(f"{_short(first.qualname)}(input_shape={format_dims(tuple(shape))})"),))
    return None


def model_input(model: ModelValue) -> Tensor | None:
    if model.inputs is not None:
        return ops.tensor_like(model.inputs[0]) if len(model.inputs) == 1 else None
    return _sequential_input(model)


def model_output(ctx: "Analyzer", model: ModelValue, node: cst.CSTNode) -> Value:
    """What the model returns for its own declared input."""
    if model.outputs is not None:
        return model.outputs
    x = _sequential_input(model)
    return run_sequential(ctx, model, x, node) if x is not None else UNKNOWN


def run_sequential(ctx: "Analyzer", model: ModelValue, x: Value, node: cst.CSTNode) -> Value:
    """Each layer on the previous one's output; findings go to the layer's own line."""
    assert model.layers is not None
    value = x
    for layer in model.layers:
        if isinstance(layer, Tensor):  # an Input at the head of the list
            continue
        at = layer.origins[0].node if layer.origins and layer.origins[0].node is not None else node
        value = ctx.call_value(layer, CallArgs([(value, at)]), at)
    return value


def call_model(ctx: "Analyzer", model: ModelValue, args: CallArgs, node: cst.CSTNode) -> Value:
    """``model(x)``: a Sequential runs its layers on ``x``; a functional model's output, its batch
    dim renamed to ``x``'s (after the input check)."""
    x = args.positional[0][0] if args.positional else args.keywords.get("inputs", (UNKNOWN, node))[0]
    if isinstance(x, Sequence_) and x.items and all(isinstance(v, Tensor) for v in x.items):
        # model([inputs]) / model([inputs, targets]): the list of the model's inputs, not one array
        x = x.items[0] if len(x.items) == 1 else UNKNOWN
    if model.layers is not None and model.inputs is None:
        return run_sequential(ctx, model, x, node)
    out = model.outputs if model.outputs is not None else UNKNOWN
    declared = model_input(model)
    given = ops.tensor_like(x)
    if declared is None or given is None or given.dims is None or declared.dims is None:
        return out
    if not _check_input(ctx, "calling the model", declared, given, node):
        return out
    batch = declared.dims[0]
    t = ops.tensor_like(out)
    if t is None or t.dims is None or batch is None or batch.as_name is None:
        return out
    mapping = {batch.as_name: given.dims[0]} if given.dims[0] is not None else None
    if mapping is None:
        return out
    return Tensor(tuple(d.substitute(mapping) if d is not None else None for d in t.dims), t.origins)


def _check_input(ctx: "Analyzer", what: str, declared: Tensor, given: Tensor, node: cst.CSTNode) -> bool:
    """SC101 when ``given`` cannot be the model's input (rank, or a non-batch dim proven different)."""
    assert declared.dims is not None and given.dims is not None
    notes: list[Origin | str] = [f"model input {format_dims(declared.dims)}", *declared.origins[-2:], f"given {format_dims(given.dims)}", *given.origins[-2:]]
    if len(declared.dims) != len(given.dims):
        ctx.report("SC101", node, f"{what}: the model takes rank-{len(declared.dims)} input {format_dims(declared.dims)} but is given rank {len(given.dims)} {format_dims(given.dims)}", notes)
        return False
    for i in range(1, len(given.dims)):
        reason = provably_different(declared.dims[i], given.dims[i])
        if reason:
            ctx.report("SC101", node, f"{what}: input dim {i} is {format_dim(given.dims[i])} but the model takes {format_dim(declared.dims[i])} ({reason}); model input {format_dims(declared.dims)}, given {format_dims(given.dims)}", notes)
            return False
    return True


# ----- losses and labels ----------------------------------------------------------------------

# what a loss expects of its labels, by the loss's name with case and underscores dropped
_LOSS_LABELS = {
    "sparsecategoricalcrossentropy": "sparse",
    "categoricalcrossentropy": "one_hot",
    "categoricalhinge": "one_hot",
    "kldivergence": "one_hot",
    "kld": "one_hot",
    "binarycrossentropy": "same",
    "binaryfocalcrossentropy": "same",
    "meansquarederror": "same",
    "mse": "same",
    "meanabsoluteerror": "same",
    "mae": "same",
    "huber": "same",
}


@dataclass(frozen=True, eq=False)
class LossValue(Value):
    """A Keras loss object (``keras.losses.CategoricalCrossentropy()``) or loss function."""

    name: str
    labels: str  # "sparse" | "one_hot" | "same"
    origins: tuple[Origin, ...] = ()


def _loss_key(name: str) -> str:
    return name.rpartition(".")[2].replace("_", "").lower()


def loss_from_name(qn: str | None, node: cst.CSTNode) -> LossValue | None:
    """A loss class or function of a ``losses`` module (any Keras spelling), by its name."""
    if not qn or ".losses." not in f".{qn}":
        return None
    labels = _LOSS_LABELS.get(_loss_key(qn))
    return LossValue(qn.rpartition(".")[2], labels, (Origin(_short(qn), node),)) if labels else None


def _loss_of(ctx: "Analyzer", value: Value, node: cst.BaseExpression) -> LossValue | None:
    if isinstance(value, LossValue):
        return value
    if isinstance(value, StrValue):
        labels = _LOSS_LABELS.get(_loss_key(value.text))
        return LossValue(value.text, labels, (Origin(f"loss={value.text!r}", node),)) if labels else None
    if isinstance(node, (cst.Name, cst.Attribute)):
        return loss_from_name(ctx.qualname(node), node)
    return None


def _check_labels(ctx: "Analyzer", model: ModelValue, out: Tensor, y: Tensor, node: cst.CSTNode, method: str) -> None:
    """SC108: labels ``y`` against the model's output ``out`` and the compiled loss."""
    assert out.dims is not None and y.dims is not None
    loss = model.loss if isinstance(model.loss, LossValue) else None
    notes: list[Origin | str] = [f"model output {format_dims(out.dims)}", *out.origins[-2:], f"labels {format_dims(y.dims)}", *y.origins[-2:]]
    if loss is not None:
        notes.append(Origin(f"loss {loss.name}", loss.origins[0].node if loss.origins else None))
    k = out.dims[-1] if out.dims else None
    head = f"`{method}`: labels {format_dims(y.dims)} for a model that outputs {format_dims(out.dims)}"
    if y.dims and out.dims and len(y.dims) >= 1 and len(out.dims) >= 1:
        reason = provably_different(y.dims[0], out.dims[0])
        if reason:
            ctx.report("SC108", node, f"{head}: {format_dim(y.dims[0])} labels for {format_dim(out.dims[0])} rows ({reason})", notes)
            return
    kind = loss.labels if loss is not None else None
    if kind == "sparse":
        # integer class ids: (N,) or (N, 1); labels as wide as the output are one-hot
        if len(y.dims) == len(out.dims) and k is not None and k.const_value != 1 and y.dims[-1] is not None and (y.dims[-1] == k or (y.dims[-1].const_value or 0) > 1):
            ctx.report("SC108", node, f"{head}: `{loss.name}` takes integer class ids, shape {format_dims(out.dims[:-1])}, but these labels are one-hot ({format_dim(y.dims[-1])} wide); use `categorical_crossentropy` or pass the class ids", notes)  # type: ignore[union-attr]
        return
    if kind == "one_hot":
        if k is not None and k.const_value != 1 and (len(y.dims) == len(out.dims) - 1 or (len(y.dims) == len(out.dims) and y.dims[-1] is not None and y.dims[-1].const_value == 1)):
            ctx.report("SC108", node, f"{head}: `{loss.name}` takes one-hot labels {format_dims(out.dims)}, but these are integer class ids; use `sparse_categorical_crossentropy` or one-hot encode them", notes)  # type: ignore[union-attr]
            return
    if kind in ("one_hot", "same") and len(y.dims) == len(out.dims):
        for i in range(1, len(y.dims)):
            reason = provably_different(y.dims[i], out.dims[i])
            if reason:
                what = f"{format_dim(y.dims[i])} classes in the labels, {format_dim(out.dims[i])} outputs" if i == len(y.dims) - 1 else f"dim {i}: {format_dim(y.dims[i])} vs {format_dim(out.dims[i])}"
                ctx.report("SC108", node, f"{head}: {what} ({reason})", notes)
                return


HANDLERS = {"keras_input": h_keras_input, "keras_model": h_keras_model, "keras_sequential": h_keras_sequential}


# ----- methods of a model value ---------------------------------------------------------------

def _array(value: Value | None) -> Tensor | None:
    """An array argument of ``fit``/``predict``: a tensor, never a list of inputs or a dataset."""
    return value if isinstance(value, Tensor) else None


_TRAIN = {"fit": ("x", "y"), "evaluate": ("x", "y"), "train_on_batch": ("x", "y"), "test_on_batch": ("x", "y"), "predict": ("x",), "predict_on_batch": ("x",)}


def model_method(ctx: "Analyzer", model: ModelValue, func: cst.Attribute, args: CallArgs, node: cst.Call, frame: "Frame") -> Value | None:
    name = func.attr.value
    if name == "add" and model.layers is not None and args.positional:
        grown = ModelValue(None, None, (*model.layers, args.positional[0][0]), model.loss, model.origins)
        if isinstance(func.value, (cst.Name, cst.Attribute)):
            ctx.assign(func.value, grown, frame, node)
        _run_declared(ctx, grown, node)
        return NoneValue()
    if name == "compile":
        bound = args.bind(("optimizer", "loss"))
        loss = _loss_of(ctx, bound.get("loss"), bound.node("loss")) if bound.has("loss") else None  # type: ignore[arg-type]
        if isinstance(func.value, (cst.Name, cst.Attribute)):
            ctx.assign(func.value, ModelValue(model.inputs, model.outputs, model.layers, loss, model.origins), frame, node)
        return NoneValue()
    if name in ("call", "__call__"):
        return call_model(ctx, model, args, node)
    params = _TRAIN.get(name)
    if params is None:
        return None
    bound = args.bind(params)
    x = _array(bound.value("x"))
    declared = model_input(model)
    at = bound.node("x") or node
    xs = bound.value("x")
    if isinstance(xs, Sequence_) and model.inputs is not None and len(xs.items) == len(model.inputs):
        # one array per input of a multi-input model; the first gives the sample count
        for given, want in zip(xs.items, model.inputs):
            g, w = _array(given), _array(want)
            if g is not None and w is not None and g.dims is not None and w.dims is not None:
                _check_input(ctx, f"`{name}`", w, g, at)
        x = _array(xs.items[0]) if xs.items else None
    elif x is not None and x.dims is not None and declared is not None and declared.dims is not None:
        _check_input(ctx, f"`{name}`", declared, x, at)
    out = ops.tensor_like(model_output(ctx, model, node))
    if (out is None or out.dims is None) and x is not None and x.dims is not None and model.layers is not None:
        out = ops.tensor_like(run_sequential(ctx, model, x, node))  # no declared input: run it on x
    y = _array(bound.value("y"))
    if y is not None and y.dims is not None and out is not None and out.dims is not None:
        _check_labels(ctx, model, out, y, bound.node("y") or node, name)
    if x is not None and y is not None and x.dims and y.dims:
        reason = provably_different(x.dims[0], y.dims[0])
        if reason:
            ctx.report("SC108", bound.node("y") or node, f"`{name}`: {format_dim(y.dims[0])} labels for {format_dim(x.dims[0])} samples ({reason})", [f"x {format_dims(x.dims)}", *x.origins[-2:], f"y {format_dims(y.dims)}", *y.origins[-2:]])
    if name.startswith("predict") and out is not None and out.dims is not None and x is not None and x.dims:
        return Tensor((x.dims[0], *out.dims[1:]), (Origin(f"model.{name}", node),))
    return UNKNOWN if not name.startswith("predict") else Tensor(None, (Origin(f"model.{name}", node),))


# ----- classes written in the analysed file ---------------------------------------------------

_KERAS_BASES = re.compile(r"(?:^|\.)(?:Layer|Model)$")
_MODEL_BASE = re.compile(r"(?:^|\.)Model$")


def _class_defs(module: cst.Module) -> dict[str, cst.ClassDef]:
    return {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}


def _method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    return next((s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == name), None)


def _is_keras_class(
    qualname: Callable[[cst.CSTNode], str | None], cls: cst.ClassDef, classes: dict[str, cst.ClassDef],
    seen: frozenset[str] = frozenset(), model: bool = False,
) -> bool:
    """Whether ``cls`` derives from a Keras ``Layer`` (or, with ``model``, a ``Model``), directly or
    through classes of this file."""
    bases = _MODEL_BASE if model else _KERAS_BASES
    for base in cls.bases:
        qn = qualname(base.value) or ""
        if bases.search(qn) and ("keras" in qn or "." not in qn):
            return True
        local = classes.get(qn)
        if local is not None and qn not in seen and _is_keras_class(qualname, local, classes, seen | {qn}, model):
            return True
    return False


@dataclass(frozen=True, eq=False)
class Unresolved(UnknownValue):
    """An instance of a class this file cannot see (``Projection(8)`` imported from elsewhere):
    unknown, but applying it to a known input is remembered, so the file is analysed again with
    the project if that class is a Keras class of another file (see :func:`applied`)."""

    qualname: str = ""


def applied(qn: str) -> str:
    """The lookup name recorded when an instance of ``qn`` is applied to an input of known shape."""
    return f"{qn}(...)"


def unresolved_instance(qn: str) -> Value:
    """What an unresolved call returns: a class-like name gives an :class:`Unresolved`."""
    return Unresolved(qualname=qn) if qn.rpartition(".")[2][:1].isupper() else UNKNOWN


def keras_class_digests(parsed: ParsedFile) -> dict[str, str]:
    """The file's module-level Keras classes with a ``call``, each with the file's content hash:
    other files run them, so any change to this file changes what they see."""
    classes = _class_defs(parsed.module)
    digest = hashlib.sha256(parsed.source.encode("utf-8", "surrogatepass")).hexdigest()
    return {
        (f"{parsed.module_name}.{name}" if parsed.module_name else name):
            f"{'model' if _is_keras_class(parsed.qualname, cls, classes, model=True) else 'layer'}:{digest}"
        for name, cls in classes.items()
        if _method(cls, "call") is not None and _is_keras_class(parsed.qualname, cls, classes)
    }


def _foreign(ctx: "Analyzer", qn: str) -> "Analyzer | None":
    """An analyser of the other project file that defines the Keras class ``qn`` (parsed once per
    checking analyser), or None when the file is not the one the project summarised."""
    digest = ctx.project.keras_classes.get(qn, "").partition(":")[2] or None
    module = qn.rpartition(".")[0]
    path = ctx.project.modules.get(module)
    if digest is None or path is None or path == ctx.parsed.path:
        return None
    if module in ctx.foreign:
        return ctx.foreign[module]
    ctx.foreign[module] = None
    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest() != digest:
        return None  # changed since the project was summarised
    from shapecheck.static.api import parsed_for_reading
    from shapecheck.static.infer import Analyzer
    from shapecheck.static.stub_contracts import checked_contracts

    parsed = parsed_for_reading(path, source)
    other = Analyzer(parsed, ctx.project, ctx.packs, summary_mode=True)
    other.foreign = ctx.foreign  # one analyser per module for the whole chain
    other.register_local(checked_contracts(parsed, ctx.packs))
    other.analyse_module()
    ctx.foreign[module] = other
    return other


def local_keras_class(ctx: "Analyzer", qn: str) -> cst.ClassDef | None:
    """The module-level ``Layer``/``Model`` subclass ``qn`` names in this file, if any."""
    mod = ctx.parsed.module_name
    short = qn[len(mod) + 1:] if mod and qn.startswith(mod + ".") else qn
    if ctx.class_defs is None:
        ctx.class_defs = _class_defs(ctx.parsed.module)
    classes = ctx.class_defs
    cls = classes.get(short)
    if cls is None or _method(cls, "call") is None or not _is_keras_class(ctx.qualname, cls, classes):
        return None
    return cls


def _run_method(ctx: "Analyzer", cls: cst.ClassDef, qn: str, name: str, attrs: dict[str, Value], values: list[Value], keywords: dict[str, Value], depth: int,
                site: cst.CSTNode | None = None) -> tuple[dict[str, Value], list[Value]] | None:
    """Run ``cls.name(self, *values)`` with ``self.*`` bound to ``attrs``: (new attrs, returns).

    With ``site`` (the layer call, whose inputs are known), a conflict inside is reported there,
    as for a function analysed at its call; otherwise the run is quiet: the class's own
    analysis reports what holds for any input."""
    from shapecheck.static.infer import MAX_INLINE_DEPTH

    fn = _method(cls, name)
    if fn is None or depth >= MAX_INLINE_DEPTH:
        return None
    env = ctx.module_env.child(dict(attrs))
    ctx.bind_params(fn, values, keywords, env, skip=1, defaults=True)
    if site is None:
        with ctx.quiet(inlined=True):
            frame = ctx.analyse_function(fn, None, qn, env=env, depth=depth + 1, check_returns=False)
    elif ctx._call_site is not None:  # another file's class run for a call there: reported at that call
        with ctx.quiet(False, inlined=True):
            frame = ctx.analyse_function(fn, None, qn, env=env, depth=depth + 1, check_returns=False)
    else:
        with ctx.reporting_at(site, f"{qn.rpartition('.')[2]}.{name}"):
            frame = ctx.analyse_function(fn, None, qn, env=env, depth=depth + 1, check_returns=False)
    out = dict(attrs)
    for key, value in frame.env.items():
        if key.startswith("self."):
            out[key] = value
    return out, [v for v, _n in frame.returns]


def instantiate(ctx: "Analyzer", qn: str, args: CallArgs, node: cst.CSTNode, depth: int) -> Value | None:
    """``MyLayer(8)`` of a class in this file: its ``__init__`` run with these arguments."""
    cls = local_keras_class(ctx, qn)
    if cls is None:
        entry = ctx.project.keras_classes.get(qn)
        if entry is None:
            return None
        # another file's class: its __init__ runs there, once an instance meets a known input
        pending: dict[str, Value] = {"__args__": Sequence_(tuple(v for v, _n in args.positional))}
        pending.update({f"__kw__{k}": v for k, (v, _n) in args.keywords.items()})
        layer = LayerValue("subclass", pending, qn, (Origin(f"{qn.rpartition('.')[2]} instance", node),))
        return ModelValue(None, None, (layer,), None, layer.origins) if entry.startswith("model:") else layer
    ran = _run_method(ctx, cls, qn, "__init__", {}, [v for v, _n in args.positional], {k: v for k, (v, _n) in args.keywords.items()}, depth)
    attrs = ran[0] if ran is not None else {}
    layer = LayerValue("subclass", attrs, qn, (Origin(f"{qn.rpartition('.')[2]} instance", node),))
    if _is_keras_class(ctx.qualname, cls, ctx.class_defs or {}, model=True):
        # a subclassed Model: a one-layer Sequential of itself, so compile/fit/predict apply
        return ModelValue(None, None, (layer,), None, layer.origins)
    return layer


def apply_subclass(ctx: "Analyzer", layer: LayerValue, args: CallArgs, node: cst.CSTNode, depth: int) -> Value:
    """``layer(x)`` of a class in this file: ``build(x.shape)`` (if written) then ``call(x)``."""
    from shapecheck.static.infer import _join_returns

    cls = local_keras_class(ctx, layer.qualname or "")
    if cls is None:
        return _apply_foreign(ctx, layer, args, node, depth)
    values = [v for v, _n in args.positional]
    keywords = {k: v for k, (v, _n) in args.keywords.items()}
    attrs = dict(layer.config)
    x = ops.tensor_like(values[0]) if values else None
    if _method(cls, "build") is not None:
        shape = ShapeVector(x.dims if x is not None else None)
        built = _run_method(ctx, cls, layer.qualname or "", "build", attrs, [shape], {}, depth)
        if built is not None:
            attrs = built[0]
    from shapecheck.static.infer import _informative

    site = node if any(_informative(v) for v in (*values, *keywords.values())) else None
    ran = _run_method(ctx, cls, layer.qualname or "", "call", attrs, values, keywords, depth, site)
    if ran is None:
        return UNKNOWN
    return _join_returns([(v, node) for v in ran[1]])


def _apply_foreign(ctx: "Analyzer", layer: LayerValue, args: CallArgs, node: cst.CSTNode, depth: int) -> Value:
    """An instance of another file's class applied to a known input: constructed and run there."""
    from shapecheck.static.infer import _informative

    args_seq = layer.config.get("__args__")
    if not isinstance(args_seq, Sequence_) or not any(_informative(v) for v, _n in args.positional):
        return UNKNOWN
    other = _foreign(ctx, layer.qualname or "")
    if other is None:
        return UNKNOWN
    kwargs = {k[len("__kw__"):]: (v, node) for k, v in layer.config.items() if k.startswith("__kw__")}
    built = instantiate(other, layer.qualname or "", CallArgs([(v, node) for v in args_seq.items], kwargs), node, depth)
    if isinstance(built, ModelValue) and built.layers:
        built = built.layers[0]
    if not isinstance(built, LayerValue):
        return UNKNOWN
    # a conflict inside is reported at this call, as for another module's helper (foreign.py)
    saved = other._call_site, other.summary_mode
    other._call_site = (ctx, node, f"{(layer.qualname or '').rpartition('.')[2]}.call", 0)
    other.summary_mode = ctx.summary_mode
    try:
        return apply_subclass(other, built, args, node, depth)
    finally:
        other._call_site, other.summary_mode = saved


# ----- SC107: compute_output_shape against call -----------------------------------------------

_COUNT_PARAM = re.compile(r"(?:^|_)(?:units|filters|channels|dim|dims|depth|heads|features|classes|size)$|^(?:num|n)_")


def _symbolic_ctor_args(cls: cst.ClassDef) -> dict[str, Value]:
    """Constructor parameters without a default that name a count: a fresh symbol each."""
    init = _method(cls, "__init__")
    out: dict[str, Value] = {}
    if init is None:
        return out
    for p in init.params.params[1:]:
        name = p.name.value
        if p.default is None and _COUNT_PARAM.search(name):
            out[name] = IntValue(fresh_dim(name), (Origin(f"constructor argument `{name}`"),))
    return out


def _output_dims(value: Value) -> list[tuple[Dim, ...]] | None:
    """What ``call`` returned: one tensor, or a tuple of tensors (several outputs), all of known rank."""
    items = value.items if isinstance(value, Sequence_) else (value,)
    out = [v.dims for v in items if isinstance(v, Tensor) and v.dims is not None]
    return out if out and len(out) == len(items) else None


def _declared_shapes(value: Value, multiple: bool) -> list[tuple[Dim, ...]] | None:
    """What ``compute_output_shape`` returned: one shape, or (for several outputs) a list of shapes."""
    if multiple:
        if not isinstance(value, Sequence_):
            return None
        shapes = [_declared_shapes(v, False) for v in value.items]
        return [s[0] for s in shapes if s is not None] if all(s is not None for s in shapes) else None
    if isinstance(value, ShapeVector):
        return [value.dims] if value.dims is not None else None
    if isinstance(value, Sequence_) and any(isinstance(v, (Sequence_, ShapeVector)) for v in value.items):
        return None  # a list of shapes where one output was expected
    dims = shape_arg(value)
    return [tuple(dims)] if dims is not None else None


def _shapes_text(shapes: list[tuple[Dim, ...]]) -> str:
    return format_dims(shapes[0]) if len(shapes) == 1 else "[" + ", ".join(format_dims(d) for d in shapes) + "]"


@dataclass
class OutputShapeCheck:
    """``compute_output_shape`` against ``call`` for one class: the ranks where both sides were
    known and agreed, and those where they disagreed (input dims, declared, returned, why)."""

    agreed: list[int]
    disagreed: list[tuple[tuple[Dim, ...], str, str, str]]


def compare_output_shapes(ctx: "Analyzer", cls: cst.ClassDef, qn: str) -> OutputShapeCheck:
    """Run ``call`` and ``compute_output_shape`` on inputs of rank 2, 3 and 4 with symbolic dims
    (stopping at the first rank where they agree)."""
    from shapecheck.static.infer import _join_returns

    ran = _run_method(ctx, cls, qn, "__init__", {}, [], _symbolic_ctor_args(cls), 0)
    attrs = ran[0] if ran is not None else {}
    result = OutputShapeCheck([], [])
    for rank in (2, 3, 4):
        dims = tuple(fresh_dim(f"input_shape[{i}]") for i in range(rank))
        decl = _run_method(ctx, cls, qn, "compute_output_shape", attrs, [ShapeVector(dims)], {}, 0)
        declared = _join_returns([(v, cls) for v in decl[1]]) if decl is not None and decl[1] else None
        if declared is None or (_declared_shapes(declared, False) is None and _declared_shapes(declared, True) is None):
            continue  # nothing declared that can be read: ``call`` is not run (the costly side)
        x = Tensor(dims, (Origin(f"a rank-{rank} input"),))
        with ctx.quiet():  # a probe on made-up inputs: only its result counts
            got = _output_dims(apply_subclass(ctx, LayerValue("subclass", attrs, qn), CallArgs([(x, cls)]), cls, 0))
        want = _declared_shapes(declared, multiple=got is not None and len(got) != 1)
        if got is None or want is None or len(got) != len(want):
            continue
        why = next((f"output {i}: {w}" if len(got) > 1 else w for i, (a, b) in enumerate(zip(want, got)) if (w := _difference(a, b))), None)
        if why is None:
            result.agreed.append(rank)
            break
        result.disagreed.append((dims, _shapes_text(want), _shapes_text(got), why))
    return result


def check_output_shapes(ctx: "Analyzer") -> None:
    """SC107 for every Keras layer class of the file with both ``call`` and ``compute_output_shape``
    whose two sides disagree at every rank where both are known (a rank the layer cannot take
    leaves one side unknown)."""
    classes = _class_defs(ctx.parsed.module)
    mod = ctx.parsed.module_name
    for name, cls in classes.items():
        declared_fn = _method(cls, "compute_output_shape")
        if declared_fn is None or _method(cls, "call") is None or not _is_keras_class(ctx.qualname, cls, classes):
            continue
        outcome = compare_output_shapes(ctx, cls, f"{mod}.{name}" if mod else name)
        if outcome.agreed or not outcome.disagreed:
            continue
        dims, want, got_dims, why = outcome.disagreed[0]
        ranks = ", ".join(str(len(d[0])) for d in outcome.disagreed)
        ctx.report(
            "SC107", declared_fn.name,
            f"`{name}.compute_output_shape` declares {want} but `call` returns {got_dims} "
            f"for an input {format_dims(dims)} ({why})",
            [f"checked at input rank{'s' if len(outcome.disagreed) > 1 else ''} {ranks}"],
        )


def _difference(want: Dims, got: Dims) -> str | None:
    assert want is not None and got is not None
    if len(want) != len(got):
        return f"rank {len(want)} vs {len(got)}"
    for i, (a, b) in enumerate(zip(want, got)):
        reason = provably_different(a, b)
        if reason:
            return f"dim {i}: {reason}"
    return None
