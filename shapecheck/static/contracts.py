"""Matching inferred shapes against contracts: binding named dims, proving mismatches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from shapecheck.contract.expr import Expr
from shapecheck.contract.spec import Dim as SpecDim
from shapecheck.contract.spec import DimKind, ShapeSpec
from shapecheck.static.values import Dim, Dims, format_dim, format_dims, provably_different


@dataclass
class Binding:
    value: Expr | None
    where: str  # "argument `imgs` dim 0"


@dataclass
class Mismatch:
    arg: str  # which argument / operand ("imgs", "return value")
    index: int  # which of the matched values
    message: str
    expected: Expr | None = None
    actual: Expr | None = None
    bound_by: str | None = None  # where the conflicting binding came from
    reason: str = ""


@dataclass
class Matcher:
    """Binds the dims of one call (or one function body) and collects mismatches."""

    bindings: dict[str, Binding] = field(default_factory=dict)
    mismatches: list[Mismatch] = field(default_factory=list)
    variadics: dict[str, tuple[Dim, ...]] = field(default_factory=dict)  # "*batch" -> its dims

    def bind_known(self, name: str, value: Expr | None, where: str) -> None:
        self.bindings.setdefault(name, Binding(value, where))

    def match_all(self, items: Sequence[tuple[str, ShapeSpec, Dims] | tuple[str, ShapeSpec, Dims, tuple[Dim, ...]]]) -> None:
        """Match several (argument name, spec, inferred dims[, known leading dims]) at once, named dims first."""
        aligned: list[tuple[int, str, list[tuple[SpecDim, Dim, int]]]] = []
        for index, item in enumerate(items):
            arg, spec, dims = item[0], item[1], item[2]
            prefix: tuple[Dim, ...] = item[3] if len(item) > 3 else ()  # type: ignore[misc]
            if dims is None and prefix:
                pairs = self._align_prefix(spec, prefix)
            else:
                pairs = self._align(index, arg, spec, dims)
            if pairs is not None:
                aligned.append((index, arg, pairs))
        for index, arg, pairs in aligned:
            for sdim, actual, pos in pairs:
                if sdim.kind is DimKind.NAMED and sdim.name is not None:
                    self._bind_named(index, arg, sdim, actual, pos)
        for _round in range(3):  # "2*N" against 16 binds N = 8 (one unknown, linear)
            progress = False
            for index, arg, pairs in aligned:
                for sdim, actual, pos in pairs:
                    if sdim.kind is DimKind.EXPR and sdim.expr is not None and actual is not None and not (sdim.broadcast and actual.const_value == 1):
                        progress |= self._solve_linear(sdim.expr, actual, f"`{arg}` dim {pos}")
            if not progress:
                break
        for index, arg, pairs in aligned:
            for sdim, actual, pos in pairs:
                if sdim.kind in (DimKind.FIXED, DimKind.EXPR) and sdim.expr is not None:
                    self._check_expr(index, arg, sdim, actual, pos)
        flagged = {m.index for m in self.mismatches}
        for index, arg, pairs in aligned:
            if index not in flagged:
                self._check_permutation(index, arg, items[index][1], pairs)

    def _check_permutation(self, index: int, arg: str, spec: ShapeSpec, pairs: list[tuple[SpecDim, Dim, int]]) -> None:
        """Named dims in the wrong places: not a proof (the sizes may happen to be equal), so the
        message says "likely".

        * a permutation of the contract's dims (bound elsewhere): every dim known, at least two
          distinct dims out of place, one of them not a constant, none of them 1;
        * a dim that is another *named* dim in the place of the one expected (``C`` where ``P``
          is, both names the code or a contract gave and bound in this match, never fresh reads):
          the dims that are known must agree everywhere else.
        """
        expected: list[Expr | None] = []
        actual: list[Dim] = []
        for sdim, a, _pos in pairs:
            e = self.substitute(sdim.expr) if sdim.kind in (DimKind.NAMED, DimKind.EXPR, DimKind.FIXED) and sdim.expr is not None else None
            expected.append(e)
            actual.append(a)
        moved = [i for i, (e, a) in enumerate(zip(expected, actual)) if e is not None and a is not None and e != a]
        consts = [c for i in moved for c in (expected[i].const_value, actual[i].const_value)]  # type: ignore[union-attr]
        # a size-1 dim moves freely (keepdims, broadcasting); (2, B*C) for (B*C, 2) is a swap
        if not moved or 1 in consts or all(c is not None for c in consts):
            return
        complete = all(e is not None for e in expected) and all(a is not None for a in actual)
        rest = [expected[i] for i in moved]
        for i in moved:
            j = next((k for k, e in enumerate(rest) if e == actual[i]), None)
            if j is None:
                break
            rest.pop(j)
        else:
            if complete and len(moved) >= 2:
                self.mismatches.append(
                    Mismatch(
                        arg, index,
                        f"`{arg}` is {format_dims(tuple(actual))}: the dims of the contract {spec.text!r} = "
                        f"{format_dims(tuple(expected))} in another order (likely swapped dims {', '.join(str(i) for i in moved)})",
                        expected[moved[0]], actual[moved[0]], None, "a permutation of the bound dims",
                    )
                )
                return
        named = {n for b in self.bindings.values() if b.value is not None for n in b.value.names()}
        if not any(c is not None for c in consts) and all(_named_dim(expected[i], named) and _named_dim(actual[i], named) for i in moved):  # type: ignore[arg-type]
            i = moved[0]
            self.mismatches.append(
                Mismatch(
                    arg, index,
                    f"`{arg}` is {format_dims(tuple(actual))} where the contract {spec.text!r} = {format_dims(tuple(expected))}: "
                    f"dim {i} is {format_dim(actual[i])}, another named dim, where {format_dim(expected[i])} is expected "
                    f"(likely mixed-up dims; equal only if {format_dim(actual[i])} == {format_dim(expected[i])})",
                    expected[i], actual[i], None, "a named dim in the place of another",
                )
            )

    def _solve_linear(self, expr: Expr, actual: Expr, where: str) -> bool:
        unbound = [n for n in expr.names() if self.bindings.get(n) is None or self.bindings[n].value is None]
        if len(unbound) != 1 or any(n.startswith("$") for n in actual.names()):
            return False
        name = unbound[0]
        known = {n: b.value for n, b in self.bindings.items() if b.value is not None and n in expr.names()}
        e = expr.substitute(known)  # type: ignore[arg-type]
        at0, at1, at2 = (e.substitute({name: Expr.const(v)}) for v in (0, 1, 2))
        coeff = at1 - at0
        if not coeff.terms or (at2 - at1) != coeff or len(coeff.terms) != 1:
            return False  # not linear in the unknown, or a coefficient that is a sum
        rest = actual - at0
        try:
            value = rest // coeff
        except ZeroDivisionError:
            return False
        if value * coeff != rest or any(not isinstance(a, str) for m, _ in value.terms for a, _p in m):
            return False
        self.bindings[name] = Binding(value, f"{where} (solved {expr} = {actual})")
        return True

    def _align(self, index: int, arg: str, spec: ShapeSpec, dims: Dims) -> list[tuple[SpecDim, Dim, int]] | None:
        if dims is None:
            return None
        rank = len(dims)
        if spec.variadic_index is None:
            if rank != len(spec.dims):
                self.mismatches.append(
                    Mismatch(arg, index, f"`{arg}` has rank {rank} {format_dims(dims)} but the contract {spec.text!r} has rank {len(spec.dims)}")
                )
                return None
            return [(s, d, i) for i, (s, d) in enumerate(zip(spec.dims, dims))]
        if rank < spec.min_rank:
            self.mismatches.append(
                Mismatch(arg, index, f"`{arg}` has rank {rank} {format_dims(dims)} but the contract {spec.text!r} needs at least {spec.min_rank}")
            )
            return None
        v = spec.variadic_index
        head = list(zip(spec.dims[:v], dims[:v], range(v)))
        tail_n = len(spec.dims) - v - 1
        run = tuple(dims[v : rank - tail_n])
        vname = spec.dims[v].name
        if vname:
            have = self.variadics.get(vname)
            if have is None:
                self.variadics[vname] = run
            elif len(have) != len(run):
                self.mismatches.append(
                    Mismatch(arg, index, f"`{arg}` has {len(run)} dims in '*{vname}' but an earlier argument had {len(have)}")
                )
                return None
            else:
                self._match_run(index, arg, vname, spec.dims[v].broadcast, have, run, v)
        tail = [(spec.dims[v + 1 + j], dims[rank - tail_n + j], rank - tail_n + j) for j in range(tail_n)]
        return [*head, *tail]

    def _match_run(self, index: int, arg: str, vname: str, broadcast: bool, have: tuple[Dim, ...], run: tuple[Dim, ...], start: int) -> None:
        """A second sighting of ``*vname``: the same dims (a ``#`` run also accepts 1s)."""
        merged: list[Dim] = []
        for j, (was, now) in enumerate(zip(have, run)):
            ones = broadcast and any(d is not None and d.const_value == 1 for d in (was, now))
            reason = None if ones else provably_different(was, now)
            if reason:
                self.mismatches.append(
                    Mismatch(
                        arg, index,
                        f"`{arg}` dim {start + j} is {format_dim(now)} but '*{vname}' has {format_dim(was)} there",
                        was, now, None, reason,
                    )
                )
            keep_new = was is None or (broadcast and was.const_value == 1)
            merged.append(now if keep_new else was)
        self.variadics[vname] = tuple(merged)

    def _align_prefix(self, spec: ShapeSpec, prefix: tuple[Dim, ...]) -> list[tuple[SpecDim, Dim, int]]:
        """Rank unknown, leading dims known: match them against the contract's leading dims."""
        stop = spec.variadic_index if spec.variadic_index is not None else len(spec.dims)
        return [(spec.dims[i], prefix[i], i) for i in range(min(stop, len(prefix)))]

    def _bind_named(self, index: int, arg: str, sdim: SpecDim, actual: Dim, pos: int) -> None:
        assert sdim.name is not None
        where = f"`{arg}` dim {pos}"
        if sdim.broadcast and actual is not None and actual.const_value == 1:
            return  # a broadcast size 1 binds nothing (contract/SEMANTICS.md)
        have = self.bindings.get(sdim.name)
        if have is None:
            self.bindings[sdim.name] = Binding(actual, where)
            return
        if have.value is None:
            if actual is not None:
                self.bindings[sdim.name] = Binding(actual, where)
            return
        if sdim.broadcast and actual is not None and actual.const_value == 1:
            return
        reason = provably_different(have.value, actual)
        if reason:
            self.mismatches.append(
                Mismatch(
                    arg, index,
                    f"`{arg}` dim {pos} is {format_dim(actual)} but contract dim {sdim.text!r} was bound to "
                    f"{format_dim(have.value)} by {have.where}",
                    have.value, actual, have.where, reason,
                )
            )

    def _check_expr(self, index: int, arg: str, sdim: SpecDim, actual: Dim, pos: int) -> None:
        assert sdim.expr is not None
        if actual is None:
            return
        if sdim.broadcast and actual.const_value == 1:
            return
        expected = self.substitute(sdim.expr)
        if expected is None:
            return
        reason = provably_different(expected, actual)
        if reason:
            via = ", ".join(f"{n}={format_dim(self.bindings[n].value)} from {self.bindings[n].where}" for n in sorted(sdim.expr.names()))
            self.mismatches.append(
                Mismatch(
                    arg, index,
                    f"`{arg}` dim {pos} is {format_dim(actual)} but the contract needs {sdim.text!r} = {format_dim(expected)}"
                    + (f" ({via})" if via else ""),
                    expected, actual, via or None, reason,
                )
            )

    def substitute(self, expr: Expr) -> Expr | None:
        mapping: dict[str, Expr] = {}
        for name in expr.names():
            b = self.bindings.get(name)
            if b is None or b.value is None:
                return None
            mapping[name] = b.value
        return expr.substitute(mapping)

    def result_dims(self, spec: ShapeSpec) -> Dims:
        """The shape a contract promises under the current bindings (unknown dims as None)."""
        out: list[Dim] = []
        for d in spec.dims:
            if d.kind is DimKind.VARIADIC:
                run = self.variadics.get(d.name) if d.name else None
                if run is None:
                    return None
                out.extend(run)
            elif d.kind is DimKind.ANON or d.expr is None:
                out.append(None)
            else:
                out.append(self.substitute(d.expr))
        return tuple(out)


def spec_dims(spec: ShapeSpec) -> Dims:
    """The shape a parameter has inside its own function: its contract's dims, symbolically."""
    if spec.variadic_index is not None:
        return None
    return tuple(None if d.kind is DimKind.ANON else d.expr for d in spec.dims)


def spec_prefix(spec: ShapeSpec) -> tuple[Dim, ...]:
    """The dims before a variadic run (``"B ..."`` → ``(B,)``)."""
    if spec.variadic_index is None:
        return ()
    return tuple(None if d.kind is DimKind.ANON else d.expr for d in spec.dims[: spec.variadic_index])


def is_layout_mixup(m: Mismatch) -> bool:
    """``B*C`` against ``B`` (or the reverse): a product against one of its factors."""
    a, b = m.expected, m.actual
    if a is None or b is None:
        return False
    for big, small in ((a, b), (b, a)):
        if small.const_value is not None:
            continue
        q = big // small
        if q.terms and q.const_value is None and q * small == big and all(isinstance(at, str) for mono, _ in q.terms for at, _p in mono):
            return True
    return False


def _named_dim(e: Expr, named: set[str]) -> bool:
    """A dim that is one name the code or a contract gave (bound in this match), not a fresh read."""
    name = e.as_name
    return name is not None and not name.startswith("$") and name in named
