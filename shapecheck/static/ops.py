"""Op handlers: one function per *kind* named in the op signature packs (``rules/packs/*.toml``).

A handler gets the call's arguments bound to the names the pack gives, and returns what the
op's result is known to be. Provable contradictions are reported through the context.
"""

from __future__ import annotations

from typing import Callable, Protocol

import libcst as cst

from shapecheck.contract.expr import Expr
from shapecheck.static.args import BoundArgs, CallArgs
from shapecheck.static.packs import OpSignature
from shapecheck.static.shape_math import (
    axis_list,
    broadcast,
    const_of,
    int_of,
    norm_axis,
    reshape_dims,
    shape_arg,
)
from shapecheck.static.values import (
    TENSOR_VALUE,
    UNKNOWN,
    BoolValue,
    Dim,
    Dims,
    FloatValue,
    FunctionRef,
    IntValue,
    LayerValue,
    NoneValue,
    Origin,
    Sequence_,
    ShapeVector,
    StrValue,
    Tensor,
    Value,
    format_dim,
    format_dims,
    join,
    product,
    provably_different,
    provenance,
)


class OpContext(Protocol):
    def report(self, code: str, node: cst.CSTNode, message: str, notes: list[Origin | str]) -> None: ...

    def call_value(self, fn: Value, args: CallArgs, node: cst.CSTNode) -> Value: ...

    def line(self, node: cst.CSTNode) -> str: ...

    def function_ref(self, node: cst.CSTNode) -> Value: ...
    def read_dim(self, source: Value, axis: int, node: cst.CSTNode, label: str | None = None) -> Expr: ...
    def dynamic_dim(self, what: str, node: cst.CSTNode, key: object, sliced: bool = False) -> Expr: ...


Handler = Callable[[OpContext, OpSignature, BoundArgs, cst.Call], Value]


def _o(sig: OpSignature, node: cst.CSTNode, what: str = "") -> Origin:
    short = sig.name.replace("tensorflow.", "tf.")
    return Origin(f"{short}{what}", node)


def _t(value: Value | None) -> Tensor | None:
    return value if isinstance(value, Tensor) else None


def tensor_like(value: Value | None) -> Tensor | None:
    """A value as a tensor: tensors, Python numbers (rank 0), nested literal lists."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (IntValue, FloatValue, BoolValue)):
        return Tensor(())
    if isinstance(value, Sequence_):
        dims = _literal_dims(value)
        return Tensor(dims) if dims is not None else None
    if isinstance(value, ShapeVector):
        return Tensor((Expr.const(len(value.dims)),) if value.dims is not None else (None,))
    return None


def _literal_dims(value: Value) -> Dims:
    if isinstance(value, (IntValue, FloatValue, BoolValue)):
        return ()
    if isinstance(value, Tensor):
        return value.dims
    if isinstance(value, Sequence_):
        if not value.items:
            return (Expr.const(0),)
        inner = [_literal_dims(v) for v in value.items]
        if any(d is None for d in inner) or len({len(d) for d in inner if d is not None}) != 1:
            return None
        first = inner[0]
        assert first is not None
        return (Expr.const(len(value.items)), *first)
    return None


def _dims_of(value: Value | None) -> Dims:
    t = tensor_like(value)
    return t.dims if t is not None else None


def _origins(*values: Value | None) -> tuple[Origin, ...]:
    out: list[Origin] = []
    for v in values:
        if v is not None:
            out.extend(v.origins[-3:])
    return tuple(out[-6:])


# ----- elementwise --------------------------------------------------------------------------


def elementwise(ctx: OpContext, node: cst.CSTNode, operands: list[Value], what: str) -> Value:
    dims_list = [_dims_of(v) for v in operands]
    result: Dims = dims_list[0] if dims_list else None
    for i in range(1, len(dims_list)):
        merged, clash = broadcast(result, dims_list[i])
        if clash is not None:
            report_broadcast_clash(ctx, node, operands[0], operands[i], clash.left, clash.right, clash.axis, clash.reason, what)
        result = merged
    return Tensor(result, (Origin(what, node),), prefix=_scalar_broadcast_prefix(operands) if result is None else ())


def _scalar_broadcast_prefix(operands: list[Value]) -> tuple[Dim, ...]:
    """The leading dims of an elementwise result whose rank is unknown: those of its one operand of
    unknown rank when every other operand is a scalar (``tf.complex(x[:n], 0.0)``)."""
    unknown = [t for t in map(tensor_like, operands) if t is None or t.dims is None]
    if len(unknown) != 1 or unknown[0] is None:
        return ()
    others = [t for t in map(tensor_like, operands) if t is not unknown[0]]
    return unknown[0].prefix if all(t is not None and t.dims == () for t in others) else ()


def report_broadcast_clash(
    ctx: OpContext, node: cst.CSTNode, left: Value, right: Value, a: Expr, b: Expr, axis: int, reason: str, what: str
) -> None:
    ld, rd = _dims_of(left), _dims_of(right)
    from shapecheck.static.contracts import Mismatch, is_layout_mixup

    mix = is_layout_mixup(Mismatch("", 0, "", a, b))
    code = "SC103" if mix else "SC101"
    hint = (
        f"; one side is a flat (B*C, ...) batch and the other a per-group (B, ...) batch: "
        f"{format_dim(a if len(str(a)) > len(str(b)) else b)} vs {format_dim(b if len(str(a)) > len(str(b)) else a)}"
        if mix
        else ""
    )
    message = (
        f"operands of {what} cannot broadcast: {format_dims(ld)} and {format_dims(rd)} "
        f"differ at axis {axis} ({format_dim(a)} vs {format_dim(b)}; {reason}){hint}"
    )
    ctx.report(code, node, message, [f"left operand {format_dims(ld)}", *left.origins, f"right operand {format_dims(rd)}", *right.origins])


def h_elementwise(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    names = [n for n in sig.args if a.has(n)]
    values = [a.get(n) for n in names]
    if sig.params.get("variadic_list") and values and isinstance(values[0], Sequence_):
        values = list(values[0].items)
    if not values:
        return UNKNOWN
    x = values[0]
    if sig.params.get("floormod") and len(values) >= 2:
        return _floormod(ctx, x, values[1], node, sig)
    return elementwise(ctx, node, values, f"`{sig.name.replace('tensorflow.', 'tf.')}`")


def _floormod(ctx: OpContext, x: Value, y: Value, node: cst.CSTNode, sig: OpSignature | None) -> Value:
    """``range(n) % m``: remember (n, m) for SC106; otherwise elementwise."""
    t = _t(x)
    m = int_of(y)
    if t is not None and t.cyclic is None and getattr(t, "param_index", None) is None and t.dims is not None and len(t.dims) == 1:
        n = t.arange
        if n is not None and m is not None:
            return Tensor(t.dims, (*t.origins, Origin(f"range({format_dim(n)}) % {format_dim(m)}", node)), (n, m))
    return elementwise(ctx, node, [x, y], "`%`")


# ----- shape-changing ops -------------------------------------------------------------------


def op_name(sig: OpSignature) -> str:
    return "`" + sig.name.replace("tensorflow.", "tf.").replace("numpy.", "np.") + "`"


def checked_axis(ctx: OpContext, sig: OpSignature, node: cst.CSTNode, axis: int, x: Tensor, extra: int = 0, what: str = "axis") -> int | None:
    """``axis`` normalised against ``x``'s known rank (``+ extra`` for ops that add a dim);
    out of range is reported (SC101: the op's own signature is the contract) and gives None."""
    assert x.dims is not None
    i = norm_axis(axis, len(x.dims), extra)
    if i is None:
        n = len(x.dims) + extra
        ctx.report(
            "SC101", node,
            f"{op_name(sig)}: {what} {axis} is out of range for a tensor of rank {len(x.dims)} {format_dims(x.dims)} "
            f"(valid: {-n} .. {n - 1})",
            [f"input {format_dims(x.dims)}", *x.origins],
        )
    return i


def h_identity(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = a.value(sig.args[0]) if sig.args else None
    t = tensor_like(x)
    if t is None:
        return Tensor(None, (_o(sig, node),))
    return Tensor(t.dims, (*t.origins[-4:], _o(sig, node)), prefix=t.prefix if t.dims is None else ())


def h_convert(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = a.value(sig.args[0]) if sig.args else None
    shape = shape_arg(a.value("shape")) if a.has("shape") else None
    if shape is not None:
        return Tensor(tuple(shape), (_o(sig, node),))
    if isinstance(x, Tensor):
        return x
    dims = _literal_dims(x) if x is not None else None
    return Tensor(dims, (_o(sig, node, f" of a literal {format_dims(dims)}"),)) if dims is not None else Tensor(None, (_o(sig, node),))


def check_shape_items(ctx: OpContext, sig: OpSignature, value: Value | None, node: cst.CSTNode | None) -> None:
    """Each entry of a shape list is one number: a tensor of known rank >= 1 there is SC101
    (``tf.reshape(x, [-1, channels, h])`` with arguments swapped at a call)."""
    if not isinstance(value, Sequence_) or node is None:
        return
    for i, item in enumerate(value.items):
        if isinstance(item, Tensor) and item.dims:
            ctx.report(
                "SC101", node,
                f"entry {i} of the shape given to `{sig.name.replace('tensorflow.', 'tf.')}` is a tensor of shape "
                f"{format_dims(item.dims)}, not one number",
                [f"entry {i} {format_dims(item.dims)}", *item.origins],
            )
            return


def h_reshape(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    check_shape_items(ctx, sig, a.value(sig.args[1]), a.node(sig.args[1]))
    target = shape_arg(a.value(sig.args[1]))
    if target is None:
        return Tensor(None, (_o(sig, node),))
    total = product(x.dims) if x is not None and x.dims is not None else None
    dims, error, target_total = reshape_dims(total, target)
    if error and x is not None:
        inferred = any(d is not None and d.const_value == -1 for d in target)  # -1: a multiple of the rest
        wanted = f"a multiple of {format_dim(target_total)}" if inferred else format_dim(target_total)
        ctx.report(
            "SC104", node,
            f"reshape of {format_dims(x.dims)} ({format_dim(total)} elements) to "
            f"{format_dims(tuple(target))} ({wanted} elements): the element counts differ ({error})",
            [f"input {format_dims(x.dims)}", *x.origins, f"target shape {format_dims(tuple(target))}"],
        )
    return Tensor(dims, (_o(sig, node, f" to {format_dims(tuple(target))}"),))


def h_transpose(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    perm_v = a.value("perm") or (a.value(sig.args[1]) if len(sig.args) > 1 else None)
    if x is not None and x.dims is None and not x.prefix and not x.alts:
        # the perm tells the rank: the result's dims are the input's, each read as a symbol of it
        perm = axis_list(perm_v) if perm_v is not None else None
        if perm is not None and sorted(perm) == list(range(len(perm))):
            arg = a.node(sig.args[0])
            base = f"{arg.value}.shape" if isinstance(arg, cst.Name) else "dim"
            return Tensor(tuple(ctx.read_dim(x, p, node, f"{base}[{p}]") for p in perm), (*x.origins[-3:], _o(sig, node, f" perm {perm}")))
    if x is None or x.dims is None:
        return Tensor(None, (_o(sig, node),))
    if perm_v is None or isinstance(perm_v, NoneValue):
        return Tensor(tuple(reversed(x.dims)), (_o(sig, node),))
    perm = axis_list(perm_v)
    if perm is not None and len(perm) != len(x.dims):
        ctx.report("SC101", node, f"{op_name(sig)}: perm {perm} has {len(perm)} entries for a tensor of rank {len(x.dims)} {format_dims(x.dims)}",
                   [f"input {format_dims(x.dims)}", *x.origins])
    if perm is None or len(perm) != len(x.dims):
        return Tensor(None if perm is None else tuple([None] * len(perm)), (_o(sig, node),))
    out: list[Dim] = []
    for p in perm:
        i = checked_axis(ctx, sig, node, p, x, what="perm entry")
        out.append(x.dims[i] if i is not None else None)
    return Tensor(tuple(out), (_o(sig, node, f" perm {perm}"),))


def h_expand_dims(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    axis = const_of(a.value(sig.args[1])) if len(sig.args) > 1 else None
    if x is None or x.dims is None or axis is None:
        return Tensor(None, (_o(sig, node),))
    i = checked_axis(ctx, sig, node, axis, x, 1)
    if i is None:
        return Tensor(None, (_o(sig, node),))
    dims = list(x.dims)
    dims.insert(i, Expr.const(1))
    return Tensor(tuple(dims), (_o(sig, node),))


def h_squeeze(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    if x is None or x.dims is None:
        return Tensor(None, (_o(sig, node),))
    axv = a.value(sig.args[1]) if len(sig.args) > 1 else None
    if axv is None or isinstance(axv, NoneValue):
        if any(d is None for d in x.dims):
            return Tensor(None, (_o(sig, node),))
        return Tensor(tuple(d for d in x.dims if d.const_value != 1), (_o(sig, node),))  # type: ignore[union-attr]
    axes = axis_list(axv)
    if axes is None:
        return Tensor(None, (_o(sig, node),))
    drop = {checked_axis(ctx, sig, node, ax, x) for ax in axes}
    if None in drop:
        return Tensor(None, (_o(sig, node),))
    for i in drop:
        d = x.dims[i]  # type: ignore[index]
        if d is not None and d.const_value is not None and d.const_value != 1:
            ctx.report("SC101", node, f"{op_name(sig)}: axis {i} of {format_dims(x.dims)} has size {d.const_value}, not 1", [*x.origins])
    return Tensor(tuple(d for i, d in enumerate(x.dims) if i not in drop), (_o(sig, node),))


def _seq_items(value: Value | None) -> list[Value] | None:
    if isinstance(value, Sequence_):
        return list(value.items)
    return None


def h_concat(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    items = _seq_items(a.value(sig.args[0]))
    axis = const_of(a.value(sig.args[1])) if len(sig.args) > 1 and a.has(sig.args[1]) else sig.params.get("default_axis", 0)
    if items is None or axis is None:
        return Tensor(None, (_o(sig, node),))
    # concatenating shape vectors builds a shape: tf.concat([tf.shape(x)[:1], [2]], 0)
    if items and all(isinstance(i, (ShapeVector, Sequence_)) for i in items) and any(isinstance(i, ShapeVector) for i in items):
        dims: list[Dim] = []
        for i in items:
            part = shape_arg(i)
            if part is None:
                return ShapeVector(None)
            dims.extend(part)
        return ShapeVector(tuple(dims))
    tensors = [tensor_like(i) for i in items]
    if any(t is None or t.dims is None for t in tensors) or not tensors:
        return Tensor(None, (_o(sig, node),))
    rank = len(tensors[0].dims)  # type: ignore[union-attr]
    ax = checked_axis(ctx, sig, node, axis, tensors[0])  # type: ignore[arg-type]
    if ax is None:
        return Tensor(None, (_o(sig, node),))
    if any(len(t.dims) != rank for t in tensors):  # type: ignore[union-attr]
        ctx.report(
            "SC101", node,
            f"{op_name(sig)} of operands of different ranks: " + ", ".join(format_dims(t.dims) for t in tensors),  # type: ignore[union-attr]
            [o for t in tensors for o in (f"operand {format_dims(t.dims)}", *t.origins[-2:])],  # type: ignore[union-attr]
        )
        return Tensor(None, (_o(sig, node),))
    out = list(tensors[0].dims)  # type: ignore[union-attr]
    total: Dim = Expr.const(0)
    for k, t in enumerate(tensors):
        d = t.dims[ax]  # type: ignore[union-attr, index]
        total = total + d if (total is not None and d is not None) else None
        for j in range(rank):
            if j == ax or k == 0:
                continue
            other = t.dims[j]  # type: ignore[union-attr, index]
            reason = provably_different(out[j], other)
            if reason:
                ctx.report(
                    "SC101", node,
                    f"`{sig.name.replace('tensorflow.', 'tf.')}` along axis {ax}: operand {k} has dim {j} = {format_dim(other)} "
                    f"but operand 0 has {format_dim(out[j])} ({reason})",
                    [f"operand 0 {format_dims(tensors[0].dims)}", *tensors[0].origins, f"operand {k} {format_dims(t.dims)}", *t.origins],  # type: ignore[union-attr]
                )
            elif out[j] is None:
                out[j] = other
    out[ax] = total
    return Tensor(tuple(out), (_o(sig, node, f" axis {ax}"),))


def h_stack(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    items = _seq_items(a.value(sig.args[0]))
    axis = const_of(a.value(sig.args[1])) if len(sig.args) > 1 and a.has(sig.args[1]) else 0
    if items is None or axis is None:
        return Tensor(None, (_o(sig, node),))
    if items and all(isinstance(i, IntValue) for i in items) and axis == 0:
        return ShapeVector(tuple(int_of(i) for i in items))
    tensors = [tensor_like(i) for i in items]
    if not tensors or any(t is None or t.dims is None for t in tensors):
        return Tensor(None, (_o(sig, node),))
    rank = len(tensors[0].dims)  # type: ignore[union-attr]
    out = list(tensors[0].dims)  # type: ignore[union-attr]
    for k, t in enumerate(tensors[1:], start=1):
        if len(t.dims) != rank:  # type: ignore[union-attr]
            ctx.report("SC101", node, f"`{sig.name.replace('tensorflow.', 'tf.')}`: operand {k} has rank {len(t.dims)} but operand 0 has rank {rank}", [*t.origins])  # type: ignore[union-attr]
            return Tensor(None, (_o(sig, node),))
        for j in range(rank):
            reason = provably_different(out[j], t.dims[j])  # type: ignore[union-attr, index]
            if reason:
                ctx.report(
                    "SC101", node,
                    f"`{sig.name.replace('tensorflow.', 'tf.')}`: operand {k} is {format_dims(t.dims)} but operand 0 is {format_dims(tensors[0].dims)} ({reason})",  # type: ignore[union-attr]
                    [*tensors[0].origins, *t.origins],  # type: ignore[union-attr]
                )
                break
            if out[j] is None:
                out[j] = t.dims[j]  # type: ignore[union-attr, index]
    ax = checked_axis(ctx, sig, node, axis, tensors[0], 1)  # type: ignore[arg-type]
    if ax is None:
        return Tensor(None, (_o(sig, node),))
    out.insert(ax, Expr.const(len(tensors)))
    return Tensor(tuple(out), (_o(sig, node),))


def h_unstack(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    axis = const_of(a.value("axis")) if a.has("axis") else 0
    if x is None or x.dims is None or axis is None:
        return UNKNOWN
    ax = checked_axis(ctx, sig, node, axis, x)
    if ax is None:
        return UNKNOWN
    n = x.dims[ax].const_value if x.dims[ax] is not None else None  # type: ignore[union-attr]
    rest = x.dims[:ax] + x.dims[ax + 1 :]
    if n is None:
        return UNKNOWN
    return Sequence_(tuple(Tensor(rest, (_o(sig, node),)) for _ in range(n)))


def h_split(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    spec = a.value(sig.args[1]) if len(sig.args) > 1 else None
    axis = const_of(a.value(sig.args[2])) if len(sig.args) > 2 and a.has(sig.args[2]) else 0
    if x is None or x.dims is None or axis is None:
        return UNKNOWN
    ax = checked_axis(ctx, sig, node, axis, x)
    if ax is None:
        return UNKNOWN
    sizes: list[Dim]
    n = const_of(spec)
    if n is not None and n > 0:
        d = x.dims[ax]
        part = d // n if d is not None else None
        sizes = [part] * n
    elif isinstance(spec, Sequence_):
        sizes = [int_of(i) for i in spec.items]
    else:
        return UNKNOWN
    outs = []
    for s in sizes:
        dims = list(x.dims)
        dims[ax] = s
        outs.append(Tensor(tuple(dims), (_o(sig, node),)))
    return Sequence_(tuple(outs))


def h_tile(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    mult = shape_arg(a.value(sig.args[1]))
    mult_v = a.value(sig.args[1])
    if isinstance(mult_v, Sequence_):
        # SC106 is about batches: only the leading (batch) axis is checked
        axis_dim = x.dims[0] if x is not None and x.dims else None
        if mult_v.items:
            _check_ratio(ctx, node, "tile", mult_v.items[0], axis_dim, x.origins if x is not None else ())
    if x is None or x.dims is None or mult is None or len(mult) != len(x.dims):
        return Tensor(None if x is None or x.dims is None else tuple([None] * len(x.dims)), (_o(sig, node),))
    out = tuple(d * m if d is not None and m is not None else None for d, m in zip(x.dims, mult))
    return Tensor(out, (_o(sig, node, f" multiples {format_dims(tuple(mult))}"),))


def h_repeat(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    reps_v = a.value(sig.args[1]) if len(sig.args) > 1 else None
    reps = int_of(reps_v)
    axv = a.value(sig.args[2]) if len(sig.args) > 2 else None
    axis = const_of(axv) if axv is not None and not isinstance(axv, NoneValue) else None
    ax = None
    if x is not None and x.dims is not None:
        ax = norm_axis(axis, len(x.dims)) if axis is not None else (0 if len(x.dims) == 1 else None)
    axis_dim = x.dims[ax] if x is not None and x.dims is not None and ax is not None else None
    if ax == 0 or (ax is None and axis in (0, None)):
        # SC106 is about batches: a repeat along another axis (heads of grouped-query attention,
        # num_heads // num_kv_heads on axis 2) stretches no batch
        _check_ratio(ctx, node, "repeat", reps_v, axis_dim, x.origins if x is not None else ())
    if x is None or x.dims is None:
        return Tensor(None, (_o(sig, node),))
    if axis is None:
        if axv is not None and not isinstance(axv, NoneValue):
            return Tensor(None, (_o(sig, node),))
        total = product(x.dims)
        return Tensor(((total * reps) if total is not None and reps is not None else None,), (_o(sig, node),))
    ax = checked_axis(ctx, sig, node, axis, x)
    if ax is None:
        return Tensor(None, (_o(sig, node),))
    dims = list(x.dims)
    dims[ax] = dims[ax] * reps if dims[ax] is not None and reps is not None else None
    return Tensor(tuple(dims), (_o(sig, node, f" {format_dim(reps)} times on axis {ax}"),))


def _check_ratio(ctx: OpContext, node: cst.Call, op: str, reps_v: Value | None, axis_dim: Dim, origins: tuple[Origin, ...]) -> None:
    """SC106: ``repeat(x, n // m)`` / ``tile(x, [n // m, ...])`` where n and m are two different sizes."""
    if not isinstance(reps_v, IntValue) or reps_v.ratio is None:
        return
    n, m = reps_v.ratio
    if n.const_value is not None or m.const_value is not None or n == m:
        return
    ctx.report(
        "SC106", node,
        f"{op} by {format_dim(n)} // {format_dim(m)} stretches a batch of {format_dim(m)} to {format_dim(n)} rows: "
        f"two different batch sizes are being reconciled by a silent broadcast"
        + (f" (the stretched axis is {format_dim(axis_dim)})" if axis_dim is not None else ""),
        [f"n = {format_dim(n)}, m = {format_dim(m)}", *reps_v.origins, *origins,
         "if the two batches really differ (flat B*C vs per-group B), convert one layout explicitly instead"],
    )


def ratio_value(n: Expr | None, m: Expr | None, node: cst.CSTNode) -> IntValue:
    """``n // m`` as an int value that remembers its operands (for SC106)."""
    expr = (n // m) if n is not None and m is not None and m.const_value != 0 else None
    origin = Origin(f"{format_dim(n)} // {format_dim(m)}", node)
    return IntValue(expr, (origin,), (n, m) if n is not None and m is not None else None)


def h_gather(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    params = tensor_like(a.value(sig.args[0]))
    indices_v = a.value(sig.args[1]) if len(sig.args) > 1 else None
    indices = tensor_like(indices_v)
    axis = const_of(a.value("axis")) if a.has("axis") and not isinstance(a.value("axis"), NoneValue) else None
    batch_dims = const_of(a.value("batch_dims")) if a.has("batch_dims") else 0
    if axis is None:
        axis = batch_dims if not (a.has("axis") and not isinstance(a.value("axis"), NoneValue)) else None
    if isinstance(indices, Tensor) and indices.cyclic is not None:
        n, m = indices.cyclic
        if n != m and n.const_value is None and m.const_value is None:
            target = params.dims[axis] if params is not None and params.dims is not None and axis is not None and axis < len(params.dims) else None
            ctx.report(
                "SC106", node,
                f"gather with indices range({format_dim(n)}) % {format_dim(m)} cycles {format_dim(m)} rows over "
                f"{format_dim(n)} positions: a batch mismatch hidden by a silent broadcast"
                + (f" (gathered axis is {format_dim(target)})" if target is not None else ""),
                [*indices.origins, *(params.origins if params is not None else ()),
                 "rows are paired by position modulo the smaller batch, not by meaning; fix the layouts so the batches agree"],
            )
    if (params is not None and params.dims is None and axis == 0 and batch_dims == 0 and indices is not None
            and indices.dims is not None and any(d is not None for d in indices.dims)):
        return Tensor(None, (_o(sig, node),), prefix=indices.dims)  # rows picked by the indices: their dims lead
    if params is None or params.dims is None or indices is None or indices.dims is None or axis is None or batch_dims is None:
        return Tensor(None, (_o(sig, node),))
    ax = checked_axis(ctx, sig, node, axis, params)
    if ax is None:
        return Tensor(None, (_o(sig, node),))
    out = params.dims[:ax] + indices.dims[batch_dims:] + params.dims[ax + 1 :]
    return Tensor(out, (_o(sig, node),))


def h_matmul(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    y = tensor_like(a.value(sig.args[1])) if len(sig.args) > 1 else None
    ta = _truthy(a.value("transpose_a")) or _truthy(a.value("adjoint_a"))
    tb = _truthy(a.value("transpose_b")) or _truthy(a.value("adjoint_b"))
    return matmul(ctx, node, x, y, ta, tb, "`" + sig.name.replace("tensorflow.", "tf.") + "`")


def _truthy(v: Value | None) -> bool:
    return isinstance(v, BoolValue) and v.value is True


def matmul(ctx: OpContext, node: cst.CSTNode, x: Tensor | None, y: Tensor | None, ta: bool, tb: bool, what: str) -> Value:
    if x is None or y is None or x.dims is None or y.dims is None or len(x.dims) < 2 or len(y.dims) < 2:
        return Tensor(None, (Origin(what, node),))
    n, k1 = (x.dims[-1], x.dims[-2]) if ta else (x.dims[-2], x.dims[-1])
    k2, m = (y.dims[-1], y.dims[-2]) if tb else (y.dims[-2], y.dims[-1])
    reason = provably_different(k1, k2)
    if reason:
        ctx.report(
            "SC101", node,
            f"{what}: inner dims differ: {format_dims(x.dims)} @ {format_dims(y.dims)} contracts {format_dim(k1)} with {format_dim(k2)} ({reason})",
            [f"left {format_dims(x.dims)}", *x.origins, f"right {format_dims(y.dims)}", *y.origins],
        )
    batch, clash = broadcast(x.dims[:-2], y.dims[:-2])
    if clash is not None:
        report_broadcast_clash(ctx, node, x, y, clash.left, clash.right, clash.axis - 2, clash.reason, what + " batch dims")
    if batch is None:
        return Tensor(None, (Origin(what, node),))
    return Tensor((*batch, n, m), (Origin(what, node),))


def h_einsum(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    eq = a.value(sig.args[0])
    operands = [v for v, _n in a.raw.positional[1:]]
    if not isinstance(eq, StrValue) or "..." in eq.text:
        return Tensor(None, (_o(sig, node),))
    text = eq.text.replace(" ", "")
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        return Tensor(None, (_o(sig, node),))
    sizes: dict[str, tuple[Dim, int]] = {}
    for k, (term, v) in enumerate(zip(terms, operands)):
        t = tensor_like(v)
        if t is None or t.dims is None:
            continue
        if len(term) != len(t.dims):
            ctx.report("SC101", node, f"einsum {eq.text!r}: operand {k} has rank {len(t.dims)} but {term!r} names {len(term)} dims", [*t.origins])
            return Tensor(None, (_o(sig, node),))
        for letter, d in zip(term, t.dims):
            have = sizes.get(letter)
            if have is None or have[0] is None:
                sizes[letter] = (d, k)
                continue
            reason = provably_different(have[0], d)
            if reason and not (d is not None and d.const_value == 1) and have[0].const_value != 1:
                ctx.report(
                    "SC101", node,
                    f"einsum {eq.text!r}: {letter!r} is {format_dim(have[0])} in operand {have[1]} but {format_dim(d)} in operand {k} ({reason})",
                    [*t.origins],
                )
    if not arrow:
        counts = {c: lhs.count(c) for c in set(lhs) if c.isalpha()}
        rhs = "".join(sorted(c for c, n in counts.items() if n == 1))
    return Tensor(tuple(sizes.get(c, (None, 0))[0] for c in rhs), (_o(sig, node, f" {eq.text!r}"),))


def h_fftshift(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    axv = a.value("axes") if a.has("axes") else (a.value(sig.args[1]) if len(sig.args) > 1 else None)
    axes = axis_list(axv) if axv is not None and not isinstance(axv, NoneValue) else None
    if x is not None and x.dims is not None and axes is not None:
        for ax in axes:
            checked_axis(ctx, sig, node, ax, x, what="axes entry")
    return h_identity(ctx, sig, a, node)


def h_fft_same(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    if x is None:
        return Tensor(None, (_o(sig, node),))
    return Tensor(x.dims, (*x.origins[-3:], _o(sig, node)), prefix=x.prefix if x.dims is None else ())


def h_rfft(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    if x is None or x.dims is None:
        return Tensor(None, (_o(sig, node),))
    n_axes = int(sig.params.get("axes", 1))
    lengths = shape_arg(a.value("fft_length")) if a.has("fft_length") else None
    dims = list(x.dims)
    if len(dims) < n_axes:
        return Tensor(None, (_o(sig, node),))
    if lengths is not None and len(lengths) == n_axes:
        for j in range(n_axes):
            dims[len(dims) - n_axes + j] = lengths[j]
    last = dims[-1]
    dims[-1] = (last // 2 + 1) if last is not None else None
    return Tensor(tuple(dims), (_o(sig, node),))


def h_irfft(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    if x is None or x.dims is None or not x.dims:
        return Tensor(None, (_o(sig, node),))
    n_axes = int(sig.params.get("axes", 1))
    lengths = shape_arg(a.value("fft_length")) if a.has("fft_length") else None
    dims = list(x.dims)
    if lengths is not None and len(lengths) == n_axes and len(dims) >= n_axes:
        for j in range(n_axes):
            dims[len(dims) - n_axes + j] = lengths[j]
    else:
        last = dims[-1]
        dims[-1] = 2 * (last - 1) if last is not None else None
    return Tensor(tuple(dims), (_o(sig, node),))


def h_pad(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    pads = a.value(sig.args[1]) if len(sig.args) > 1 else None
    if x is not None and x.dims is not None and isinstance(pads, Sequence_) and len(pads.items) != len(x.dims):
        ctx.report("SC101", node, f"{op_name(sig)}: {len(pads.items)} rows of pad widths for a tensor of rank {len(x.dims)} {format_dims(x.dims)}",
                   [f"input {format_dims(x.dims)}", *x.origins])
    if x is None or x.dims is None or not isinstance(pads, Sequence_) or len(pads.items) != len(x.dims):
        return Tensor(None if x is None or x.dims is None else tuple([None] * len(x.dims)), (_o(sig, node),))
    out: list[Dim] = []
    for d, pair in zip(x.dims, pads.items):
        widths = shape_arg(pair)
        if d is None or widths is None or len(widths) != 2 or any(w is None for w in widths):
            out.append(None)
        else:
            out.append(d + widths[0] + widths[1])  # type: ignore[operator]
    return Tensor(tuple(out), (_o(sig, node),))


def h_reduce(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    axv = a.value(sig.args[1]) if len(sig.args) > 1 else None
    keep = _truthy(a.value("keepdims")) or _truthy(a.value("keep_dims"))
    if x is not None and x.dims is None and (axv is None or isinstance(axv, NoneValue)) and not keep:
        return Tensor((), (_o(sig, node),))  # every axis reduced: a scalar, whatever the rank
    if x is None or x.dims is None:
        return Tensor(None, (_o(sig, node),))
    if axv is None or isinstance(axv, NoneValue):
        dims: Dims = tuple(Expr.const(1) for _ in x.dims) if keep else ()
        return Tensor(dims, (_o(sig, node),))
    axes = axis_list(axv)
    if axes is None:
        return Tensor(None if not keep else tuple([None] * len(x.dims)), (_o(sig, node),))
    drop = {checked_axis(ctx, sig, node, ax, x) for ax in axes}
    if None in drop:
        return Tensor(None, (_o(sig, node),))
    if keep:
        return Tensor(tuple(Expr.const(1) if i in drop else d for i, d in enumerate(x.dims)), (_o(sig, node),))
    return Tensor(tuple(d for i, d in enumerate(x.dims) if i not in drop), (_o(sig, node),))


def h_moments(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``mean, variance = tf.nn.moments(x, axes)``: two results reduced like ``reduce_mean``."""
    reduced = h_reduce(ctx, sig, a, node)
    return Sequence_((reduced, reduced))


def h_arg_reduce(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    axv = a.value(sig.args[1]) if len(sig.args) > 1 else None
    axis = 0 if axv is None or isinstance(axv, NoneValue) else const_of(axv)
    if x is None or x.dims is None or axis is None:
        return Tensor(None, (_o(sig, node),))
    ax = checked_axis(ctx, sig, node, axis, x)
    if ax is None:
        return Tensor(None, (_o(sig, node),))
    return Tensor(tuple(d for i, d in enumerate(x.dims) if i != ax), (_o(sig, node),))


def h_constructor(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    if sig.params.get("dims_as_args"):
        dims = [int_of(v) for v, _n in a.raw.positional]
        if a.raw.has_star:
            return Tensor(None, (_o(sig, node),))
        return Tensor(tuple(dims), (_o(sig, node, f"{format_dims(tuple(dims))}"),))
    # the argument that holds the shape: the first, or the one named (``size`` of np.random.randint)
    name = sig.params.get("shape_arg", sig.args[0] if sig.args else None)
    if name:
        check_shape_items(ctx, sig, a.value(name), a.node(name))
    shape = shape_arg(a.value(name)) if name else None
    if shape is None:
        return Tensor(None, (_o(sig, node),))
    return Tensor(tuple(shape), (_o(sig, node, f"({format_dims(tuple(shape))})"),))


def h_range(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    pos = [v for v, _n in a.raw.positional]
    for v in (*pos, *(a.value(k) for k in ("start", "limit") if a.has(k))):
        if isinstance(v, Tensor) and v.dims:  # a known rank of 1 or more: range takes scalars
            ctx.report("SC101", node, f"{op_name(sig)}: a bound is a tensor of shape {format_dims(v.dims)}, not a scalar",
                       [f"bound {format_dims(v.dims)}", *v.origins])
            return Tensor((None,), (Origin("tf.range", node),))
    start: Expr | None = Expr.const(0)
    limit: Expr | None = None
    delta = a.value("delta")
    if len(pos) == 1:
        limit = int_of(pos[0])
    elif len(pos) >= 2:
        start, limit = int_of(pos[0]), int_of(pos[1])
        if len(pos) >= 3:
            delta = pos[2]
    elif a.has("limit"):
        limit = int_of(a.value("limit"))
        start = int_of(a.value("start")) if a.has("start") else Expr.const(0)
    if delta is not None and const_of(delta) != 1:
        return Tensor((None,), (Origin("tf.range", node),))
    n = limit - start if limit is not None and start is not None else None
    return Tensor((n,), (Origin(f"tf.range({format_dim(n)})", node),), arange=n)


def h_meshgrid(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``meshgrid(x1, ..., xn)`` of vectors: n grids of one shape, ``indexing="xy"`` swapping the first two."""
    vectors = [tensor_like(v) for v, _n in a.raw.positional]
    if a.raw.has_star or not vectors:
        return UNKNOWN
    lengths: list[Dim] = []
    for t in vectors:
        lengths.append(t.dims[0] if t is not None and t.dims is not None and len(t.dims) == 1 else None)
    indexing = a.raw.keywords.get("indexing", (StrValue("xy"), node))[0]
    if not isinstance(indexing, StrValue):
        return Sequence_(tuple(Tensor(None, (_o(sig, node),)) for _ in vectors))
    if indexing.text == "xy" and len(lengths) >= 2:
        lengths[0], lengths[1] = lengths[1], lengths[0]
    grid = Tensor(tuple(lengths), (_o(sig, node, format_dims(tuple(lengths))),))
    return Sequence_(tuple(grid for _ in vectors))


def h_fftfreq(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``fftfreq(n)``: ``(n,)``; ``rfftfreq(n)``: ``(n // 2 + 1,)``."""
    n = int_of(a.value("n")) if a.has("n") else None
    if n is not None and sig.params.get("half"):
        c = n.const_value
        n = Expr.const(c // 2 + 1) if c is not None else None
    return Tensor((n,), (_o(sig, node),))


def h_shape(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    if x is None:
        return ShapeVector(None, tensor=True)
    return ShapeVector(x.dims, x.origins, x.param_index, x, tensor=True)


def h_size(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    return IntValue(product(x.dims) if x is not None and x.dims is not None else None, tensor=True)


def h_floormod(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    return _floormod(ctx, a.get(sig.args[0]), a.get(sig.args[1]), node, sig)


def h_floordiv(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x, y = a.get(sig.args[0]), a.get(sig.args[1])
    if isinstance(x, IntValue) and isinstance(y, IntValue):
        return ratio_value(x.expr, y.expr, node)
    return elementwise(ctx, node, [x, y], "`floordiv`")


def h_ensure_shape(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    shape = a.value(sig.args[1]) if len(sig.args) > 1 else None
    dims = shape_arg(shape)
    if dims is None and isinstance(shape, Sequence_):
        dims = [int_of(i) if isinstance(i, IntValue) else None for i in shape.items]
    if dims is None:
        return x if x is not None else Tensor(None, (_o(sig, node),))
    if x is not None and x.dims is not None:
        if len(x.dims) != len(dims):
            ctx.report("SC101", node, f"`tf.ensure_shape` to rank {len(dims)} of a tensor of rank {len(x.dims)} {format_dims(x.dims)}", [*x.origins])
        else:
            for i, (have, want) in enumerate(zip(x.dims, dims)):
                reason = provably_different(have, want)
                if reason:
                    ctx.report(
                        "SC101", node,
                        f"`tf.ensure_shape` expects dim {i} = {format_dim(want)} but the tensor is {format_dims(x.dims)} ({reason})",
                        [*x.origins],
                    )
                    break
            dims = [w if w is not None else h for h, w in zip(x.dims, dims)]
    return Tensor(tuple(dims), (*(x.origins[-3:] if x else ()), _o(sig, node)))


def h_broadcast_to(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    shape = shape_arg(a.value(sig.args[1])) if len(sig.args) > 1 else None
    return Tensor(tuple(shape) if shape is not None else None, (_o(sig, node),))


def h_one_hot(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    depth = int_of(a.value(sig.args[1])) if len(sig.args) > 1 else None
    if x is None or x.dims is None:
        return Tensor(None, (_o(sig, node),))
    dims = x.dims
    if sig.params.get("drop_trailing_one") and dims and dims[-1] is not None and dims[-1].const_value == 1 and len(dims) > 1:
        dims = dims[:-1]
    return Tensor((*dims, depth), (_o(sig, node),))


def h_eye(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``np.eye(n, m)`` / ``tf.eye(num_rows, num_columns, batch_shape)`` → ``(*batch, n, m or n)``."""
    n = int_of(a.value(sig.args[0])) if sig.args else None
    cols = a.value(sig.args[1]) if len(sig.args) > 1 else None
    m = n if cols is None or isinstance(cols, NoneValue) else int_of(cols)
    batch = a.value(sig.args[2]) if len(sig.args) > 2 else None
    lead = [] if batch is None or isinstance(batch, NoneValue) else shape_arg(batch)
    if lead is None:
        return Tensor(None, (_o(sig, node),))
    return Tensor((*lead, n, m), (_o(sig, node, f"({format_dim(n)})"),))


def h_where(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    cond = tensor_like(a.value(sig.args[0]))
    x = a.value(sig.args[1]) if len(sig.args) > 1 else None
    y = a.value(sig.args[2]) if len(sig.args) > 2 else None
    if x is None or y is None or isinstance(x, NoneValue):
        rank = len(cond.dims) if cond is not None and cond.dims is not None else None
        # one row per true element: bounded-dynamic under XLA (NumPy's one-argument form is a tuple)
        rows = None if sig.name.startswith("numpy.") else ctx.dynamic_dim(op_name(sig), node, node)
        return Tensor((rows, Expr.const(rank) if rank is not None else None), (_o(sig, node),))
    return elementwise(ctx, node, [a.get(sig.args[0]), x, y], "`tf.where`")


def h_boolean_mask(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``boolean_mask(x, mask, axis=0)``: the mask's dims become one of as many rows as it selects."""
    x = tensor_like(a.value(sig.args[0]))
    mask = tensor_like(a.value(sig.args[1])) if len(sig.args) > 1 else None
    axv = a.value("axis")
    axis = 0 if axv is None or isinstance(axv, NoneValue) else const_of(axv)
    if axis is None or axis < 0:
        return Tensor(None, (_o(sig, node),))
    rows = ctx.dynamic_dim(op_name(sig), node, node)
    if x is not None and x.dims is not None and mask is not None and mask.dims is not None and axis + len(mask.dims) <= len(x.dims):
        return Tensor((*x.dims[:axis], rows, *x.dims[axis + len(mask.dims):]), (_o(sig, node),))
    return Tensor(None, (_o(sig, node),), prefix=(rows,) if axis == 0 else ())


def h_unique(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``y, idx = unique(x)`` (``unique_with_counts``: and ``count``): one element per distinct value."""
    x = tensor_like(a.value(sig.args[0]))
    n = ctx.dynamic_dim(op_name(sig), node, node)
    values = Tensor((n,), (_o(sig, node),))
    idx = Tensor(x.dims if x is not None else None, (_o(sig, node),))
    return Sequence_((values, idx, values) if sig.params.get("counts") else (values, idx))


def h_dynamic_partition(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``dynamic_partition(data, partitions, n)``: n tensors of as many rows as their partition holds."""
    data = tensor_like(a.value(sig.args[0]))
    partitions = tensor_like(a.value(sig.args[1])) if len(sig.args) > 1 else None
    count = const_of(a.value(sig.args[2])) if len(sig.args) > 2 else None
    if count is None or not 0 < count <= 64:
        return UNKNOWN
    rest: Dims = None
    if data is not None and data.dims is not None and partitions is not None and partitions.dims is not None:
        rest = data.dims[len(partitions.dims):]
    parts = []
    for i in range(count):
        rows = ctx.dynamic_dim(f"{op_name(sig)} part {i}", node, (node, i))
        parts.append(Tensor((rows, *rest), (_o(sig, node),)) if rest is not None else Tensor(None, (_o(sig, node),), prefix=(rows,)))
    return Sequence_(tuple(parts))


def h_slice(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    x = tensor_like(a.value(sig.args[0]))
    begin = shape_arg(a.value(sig.args[1])) if len(sig.args) > 1 else None
    size_v = a.value(sig.args[2]) if len(sig.args) > 2 else None
    size = shape_arg(size_v)
    if size is None:
        return Tensor(None, (_o(sig, node),))
    if isinstance(size_v, Sequence_) and len(size_v.items) == len(size):
        # a size computed from tensor data: XLA makes it a bounded-dynamic dim
        size_node = a.node(sig.args[2]) or node
        for i, item in enumerate(size_v.items):
            if provenance(item) == TENSOR_VALUE:
                size[i] = ctx.dynamic_dim(f"{op_name(sig)} size", size_node, item, sliced=True)
    out: list[Dim] = []
    for i, s in enumerate(size):
        if s is not None and s.const_value == -1:
            d = x.dims[i] if x is not None and x.dims is not None and i < len(x.dims) else None
            b = begin[i] if begin is not None and i < len(begin) else None
            out.append(d - b if d is not None and b is not None else None)
        else:
            out.append(s)
    return Tensor(tuple(out), (_o(sig, node),))


def h_cond(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    true_fn = a.value(sig.args[1]) if len(sig.args) > 1 else None
    false_fn = a.value(sig.args[2]) if len(sig.args) > 2 else None
    branches: list[tuple[str, Value, cst.CSTNode]] = []
    for label, fn, name in (("true_fn", true_fn, sig.args[1]), ("false_fn", false_fn, sig.args[2])):
        if isinstance(fn, FunctionRef):
            branches.append((label, ctx.call_value(fn, CallArgs(), a.node(name) or node), a.node(name) or node))
    return _compare_branches(ctx, node, branches, "`tf.cond`")


def h_case(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    pairs = a.value(sig.args[0])
    default = a.value("default") if a.has("default") else (a.value(sig.args[1]) if len(sig.args) > 1 else None)
    branches: list[tuple[str, Value, cst.CSTNode]] = []
    if isinstance(pairs, Sequence_):
        for i, pair in enumerate(pairs.items):
            if isinstance(pair, Sequence_) and len(pair.items) == 2 and isinstance(pair.items[1], FunctionRef):
                fn = pair.items[1]
                branches.append((f"branch {i}", ctx.call_value(fn, CallArgs(), fn.node or node), fn.node or node))
    if isinstance(default, FunctionRef):
        branches.append(("default", ctx.call_value(default, CallArgs(), default.node or node), default.node or node))
    return _compare_branches(ctx, node, branches, "`tf.case`")


def h_switch_case(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``tf.switch_case(i, [f0, f1, ...])`` (a list or tuple of branches): every branch called, shapes compared."""
    fns = a.value(sig.args[1]) if len(sig.args) > 1 else None
    default = a.value("default") if a.has("default") else None
    branches: list[tuple[str, Value, cst.CSTNode]] = []
    if isinstance(fns, Sequence_):
        for i, fn in enumerate(fns.items):
            if isinstance(fn, FunctionRef):
                branches.append((f"branch {i}", ctx.call_value(fn, CallArgs(), fn.node or node), fn.node or node))
    if isinstance(default, FunctionRef):
        branches.append(("default", ctx.call_value(default, CallArgs(), default.node or node), default.node or node))
    return _compare_branches(ctx, node, branches, "`tf.switch_case`")


def h_while_loop(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``tf.while_loop(cond, body, loop_vars)``: ``cond`` and ``body`` called with the loop variables.

    A loop variable whose shape the body provably changes is an error in TensorFlow unless a
    ``shape_invariants`` entry relaxes it (reported as SC105, the shape depending on the path).
    The result keeps what one more iteration does not change (one pass, no fixed point).
    """
    cond, body = a.value(sig.args[0]), a.value(sig.args[1])
    loop_vars = a.value(sig.args[2]) if len(sig.args) > 2 else None
    if loop_vars is None:
        return UNKNOWN
    single = not isinstance(loop_vars, Sequence_)
    items = [loop_vars] if single else list(loop_vars.items)  # type: ignore[union-attr]
    vars_node = a.node(sig.args[2]) or node
    args = CallArgs([(v, vars_node) for v in items])
    if isinstance(cond, FunctionRef):
        ctx.call_value(cond, args, cond.node or node)
    if not isinstance(body, FunctionRef):
        return loop_vars if not single else Tensor(None, (_o(sig, node),))
    out = ctx.call_value(body, args, body.node or node)
    outs = [out] if single else (list(out.items) if isinstance(out, Sequence_) else None)
    if outs is None or len(outs) != len(items):
        return Sequence_(tuple(Tensor(None, (_o(sig, node),)) if isinstance(v, Tensor) else UNKNOWN for v in items)) if not single else Tensor(None, (_o(sig, node),))
    relaxed = a.has(sig.args[3]) if len(sig.args) > 3 else False
    result: list[Value] = []
    for k, (before, after) in enumerate(zip(items, outs)):
        problem = _branch_difference(before, after)
        if problem and not relaxed:
            ctx.report(
                "SC105", node,
                f"`tf.while_loop` body changes loop variable {k} from {_describe(before)} to {_describe(after)} ({problem}) "
                "and no shape_invariants allows it",
                [f"enters the loop as {_describe(before)}", *before.origins, f"one iteration gives {_describe(after)}", *after.origins],
            )
        result.append(join(before, after))
    return result[0] if single else Sequence_(tuple(result))


def _compare_branches(ctx: OpContext, node: cst.CSTNode, branches: list[tuple[str, Value, cst.CSTNode]], what: str) -> Value:
    if not branches:
        return Tensor(None, (Origin(what, node),))
    first_label, first, _fn = branches[0]
    result = first
    for label, value, _n in branches[1:]:
        problem = _branch_difference(first, value)
        if problem:
            ctx.report(
                "SC105", node,
                f"{what} branches return different shapes: {first_label} gives {_describe(first)}, {label} gives {_describe(value)} ({problem})",
                [f"{first_label}: {_describe(first)}", *first.origins, f"{label}: {_describe(value)}", *value.origins,
                 "the result's shape then depends on a runtime value: graph shape inference and XLA see an unknown shape"],
            )
        result = _dynamic_where_different(ctx, node, join(result, value), first, value, what)
    return result


def _dynamic_where_different(ctx: OpContext, node: cst.CSTNode, joined: Value, a: Value, b: Value, what: str) -> Value:
    """The joined result of two branches, each dim the branches provably disagree on made a
    bounded-dynamic dim (XLA pads the result to the larger branch and sets its size at run time)."""
    ta, tb = tensor_like(a), tensor_like(b)
    if not isinstance(joined, Tensor) or ta is None or tb is None or (ta.dims is None) != (tb.dims is None):
        return joined
    ranked = ta.dims is not None and tb.dims is not None
    da, db = (ta.dims, tb.dims) if ranked else (ta.prefix, tb.prefix)
    if da is None or db is None or (ranked and len(da) != len(db)):
        return joined
    dims: list[Dim] = []
    changed = False
    for i, (x, y) in enumerate(zip(da, db)):
        if x is not None and y is not None and x == y:
            dims.append(x)
        elif provably_different(x, y) or _branch_difference(Tensor((x,)), Tensor((y,))):
            dims.append(ctx.dynamic_dim(f"{what.strip('`')} branches", node, (node, i)))
            changed = True
        elif ranked:
            dims.append(None)
        else:
            break  # the leading dims known on both paths end here
    if not changed:
        return joined
    if ranked:
        return Tensor(tuple(dims), joined.origins, prov=joined.prov)
    return Tensor(None, joined.origins, prefix=tuple(dims), prov=joined.prov)


def _describe(v: Value) -> str:
    from shapecheck.static.values import describe

    return describe(v)


def _branch_difference(a: Value, b: Value) -> str | None:
    if isinstance(a, Sequence_) and isinstance(b, Sequence_):
        if len(a.items) != len(b.items):
            return f"{len(a.items)} vs {len(b.items)} outputs"
        for x, y in zip(a.items, b.items):
            p = _branch_difference(x, y)
            if p:
                return p
        return None
    ta, tb = tensor_like(a), tensor_like(b)
    if ta is None or tb is None or ta.dims is None or tb.dims is None:
        return None
    if len(ta.dims) != len(tb.dims):
        return f"rank {len(ta.dims)} vs {len(tb.dims)}"
    for i, (x, y) in enumerate(zip(ta.dims, tb.dims)):
        reason = provably_different(x, y)
        if reason:
            return f"dim {i}: {reason}"
    for i, (x, y) in enumerate(zip(ta.dims, tb.dims)):
        # one branch collapses a dim to a literal 1 that the other keeps: different unless it is 1
        for one, kept in ((x, y), (y, x)):
            if one is not None and kept is not None and one.const_value == 1 and kept.const_value is None:
                return f"dim {i}: 1 vs {format_dim(kept)}, different unless {format_dim(kept)} == 1"
    return None


# ----- Keras layers -------------------------------------------------------------------------


# a Keras layer's width arguments: one number each
_COUNT_ARGS = ("units", "filters", "output_dim")


def h_layer(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    config = {k: v for k, (v, _n) in a.items.items()}
    if "spatial" in sig.params:
        config["__spatial__"] = IntValue(Expr.const(int(sig.params["spatial"])))
    for name in _COUNT_ARGS:
        v = config.get(name)
        if isinstance(v, Tensor) and v.dims:
            # Dense(x) for Dense(n): a tensor where a count goes (arguments swapped at a call)
            ctx.report(
                "SC101", a.node(name) or node,
                f"`{name}` of {sig.name.rpartition('.')[2]} is a count (an int), but this is a tensor of shape {format_dims(v.dims)}",
                [f"`{name}` {format_dims(v.dims)}", *v.origins],
            )
            config[name] = UNKNOWN
    if sig.params.get("transpose"):
        config["__transpose__"] = BoolValue(True)
    return LayerValue(sig.kind, config, sig.name, (_o(sig, node),))


def h_wrap_function(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``tf.function(f, ...)``: calling the result calls ``f`` (its contracts still apply)."""
    fn = a.value(sig.args[0]) if sig.args else None
    if isinstance(fn, (FunctionRef, LayerValue)):
        return fn
    target = a.node(sig.args[0]) if sig.args else None
    return ctx.function_ref(target) if target is not None else UNKNOWN  # an imported function


def h_map_fn(ctx: OpContext, sig: OpSignature, a: BoundArgs, node: cst.Call) -> Value:
    """``tf.map_fn(fn, elems)`` / ``tf.vectorized_map``: ``fn`` on one row, stacked over rows."""
    fn = a.value(sig.args[0])
    elems = tensor_like(a.value(sig.args[1]) if len(sig.args) > 1 else None)
    if not isinstance(fn, FunctionRef) or elems is None or elems.dims is None or not elems.dims:
        return Tensor(None, (_o(sig, node),))
    row = Tensor(elems.dims[1:], (*elems.origins[-3:], _o(sig, node, " row")))
    out = tensor_like(ctx.call_value(fn, CallArgs([(row, a.node(sig.args[1]) or node)]), node))
    if out is None or out.dims is None:
        return Tensor(None, (_o(sig, node),))
    return Tensor((elems.dims[0], *out.dims), (_o(sig, node),))


def _per_axis(v: Value | None, n: int, default: int | None) -> tuple[Expr | None, ...]:
    """A layer's per-axis argument (``kernel_size=3`` or ``(3, 5)``) for ``n`` spatial axes."""
    if v is None or isinstance(v, NoneValue):
        d = Expr.const(default) if default is not None else None
        return (d,) * n
    if isinstance(v, IntValue):
        return (v.expr,) * n
    if isinstance(v, Sequence_) and len(v.items) == n:
        return tuple(int_of(i) for i in v.items)
    return (None,) * n


def _pair(v: Value | None, default: int | None) -> tuple[Expr | None, Expr | None]:
    a, b = _per_axis(v, 2, default)
    return a, b


def _conv_or_pool(layer: LayerValue, dims: tuple[Dim, ...], what: Origin) -> Tensor:
    """Conv1D/2D/3D (and transposed) and pooling layers on (batch, *spatial, channels)."""
    cfg = layer.config
    spatial = len(dims) - 2
    b, space, c = dims[0], dims[1:-1], dims[-1]
    if layer.kind == "layer_conv":
        filters = int_of(cfg.get("filters"))
        dilation = cfg.get("dilation_rate")
        if dilation is not None and any(d != Expr.const(1) for d in _per_axis(dilation, spatial, 1)):
            return Tensor((b, *(None,) * spatial, filters), (what,))
        kernel = _per_axis(cfg.get("kernel_size"), spatial, None)
        strides = _per_axis(cfg.get("strides"), spatial, 1)
        out_c = filters
    else:
        kernel = _per_axis(cfg.get("pool_size"), spatial, 2)
        given = cfg.get("strides")
        strides = kernel if given is None or isinstance(given, NoneValue) else _per_axis(given, spatial, None)
        out_c = c
    padding = _padding(cfg)
    if padding == "causal":  # Conv1D: k - 1 zeros on the left only, so as long as "same"
        padding = "same"
    if padding not in ("valid", "same"):
        return Tensor((b, *(None,) * spatial, out_c), (what,))
    length = _deconv_len if cfg.get("__transpose__") is not None else _conv_len
    return Tensor((b, *(length(d, k, s, padding) for d, k, s in zip(space, kernel, strides)), out_c), (what,))


def _conv_len(d: Dim, k: Expr | None, s: Expr | None, padding: str, dilation: Expr | None = None) -> Dim:
    if d is None or s is None:
        return None
    if padding == "same":
        return d if s.const_value == 1 else (d + s - 1) // s
    if k is None:
        return None
    return (d - k) // s + 1


def _deconv_len(d: Dim, k: Expr | None, s: Expr | None, padding: str) -> Dim:
    if d is None or s is None:
        return None
    if padding == "same":
        return d * s
    if k is None:
        return None
    return (d - 1) * s + k


def _padding(cfg: dict[str, Value]) -> str | None:
    """A layer's ``padding`` ("valid" when not given); None when given but not a known string."""
    pad = cfg.get("padding")
    if pad is None:
        return "valid"
    return pad.text.lower() if isinstance(pad, StrValue) else None


def apply_layer(ctx: OpContext, layer: LayerValue, inputs: Value, node: cst.CSTNode) -> Value:
    kind = layer.kind
    cfg = layer.config
    x = tensor_like(inputs)
    what = Origin(f"{(layer.qualname or kind).replace('tensorflow.', 'tf.')} layer", node)
    from shapecheck.static import keras_models

    if kind in keras_models.LAYER_KINDS:
        return keras_models.apply_kind(ctx, layer, inputs, node)  # type: ignore[arg-type]
    if kind == "layer_identity":
        return Tensor(x.dims if x else None, (what,))
    if x is None or x.dims is None:
        return Tensor(None, (what,))
    dims = x.dims
    if kind == "layer_dense":
        units = int_of(cfg.get("units"))
        return Tensor((*dims[:-1], units), (what,))
    if kind == "layer_flatten":
        return Tensor((dims[0], product(dims[1:])), (what,))
    if kind == "layer_reshape":
        target = shape_arg(cfg.get("target_shape"))
        if target is None:
            return Tensor(None, (what,))
        total = product(dims[1:])
        out, error, tt = reshape_dims(total, target)
        if error:
            ctx.report("SC104", node, f"Reshape layer to {format_dims(tuple(target))} of input {format_dims(dims)}: element counts differ ({error})", [*x.origins])
        return Tensor((dims[0], *(out or [None] * len(target))), (what,))
    if not keras_models.check_input_rank(ctx, layer, x, node):  # type: ignore[arg-type]
        return Tensor(None, (what,))
    fmt = cfg.get("data_format")
    if isinstance(fmt, StrValue) and fmt.text == "channels_first":
        return Tensor(None, (what,))
    if kind in ("layer_conv", "layer_pool"):
        return _conv_or_pool(layer, dims, what)
    if len(dims) != 4:
        return Tensor(None, (what,))
    b, h, w, c = dims
    if kind == "layer_upsampling2d":
        uh, uw = _pair(cfg.get("size"), 2)
        return Tensor((b, h * uh if h is not None and uh is not None else None, w * uw if w is not None and uw is not None else None, c), (what,))
    return Tensor(None, (what,))


HANDLERS: dict[str, Handler] = {
    "identity": h_identity,
    "cast": h_identity,
    "constructor_like": h_identity,
    "roll": h_identity,
    "fftshift": h_fftshift,
    "real": h_identity,
    "complex": h_elementwise,
    "convert": h_convert,
    "elementwise": h_elementwise,
    "reshape": h_reshape,
    "transpose": h_transpose,
    "expand_dims": h_expand_dims,
    "squeeze": h_squeeze,
    "concat": h_concat,
    "stack": h_stack,
    "unstack": h_unstack,
    "split": h_split,
    "tile": h_tile,
    "repeat": h_repeat,
    "gather": h_gather,
    "matmul": h_matmul,
    "einsum": h_einsum,
    "fft_same": h_fft_same,
    "rfft": h_rfft,
    "irfft": h_irfft,
    "pad": h_pad,
    "reduce": h_reduce,
    "moments": h_moments,
    "arg_reduce": h_arg_reduce,
    "constructor": h_constructor,
    "fill": h_constructor,
    "range": h_range,
    "meshgrid": h_meshgrid,
    "fftfreq": h_fftfreq,
    "shape": h_shape,
    "size": h_size,
    "floormod": h_floormod,
    "floordiv": h_floordiv,
    "ensure_shape": h_ensure_shape,
    "broadcast_to": h_broadcast_to,
    "one_hot": h_one_hot,
    "eye": h_eye,
    "where": h_where,
    "boolean_mask": h_boolean_mask,
    "unique": h_unique,
    "dynamic_partition": h_dynamic_partition,
    "slice": h_slice,
    "cond": h_cond,
    "case": h_case,
    "switch_case": h_switch_case,
    "while_loop": h_while_loop,
    "layer_conv": h_layer,
    "layer_pool": h_layer,
    "layer_upsampling2d": h_layer,
    "layer_dense": h_layer,
    "layer_flatten": h_layer,
    "layer_reshape": h_layer,
    "layer_identity": h_layer,
    "layer_lambda": h_layer,
    "layer_concatenate": h_layer,
    "layer_merge": h_layer,
    "layer_embedding": h_layer,
    "layer_global_pool": h_layer,
    "wrap_function": h_wrap_function,
    "map_fn": h_map_fn,
}
