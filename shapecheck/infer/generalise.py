"""Generalising observed calls into contracts (pure Python: no TensorFlow, no NumPy).

For one function (:func:`classes_of`):

1. Positions whose sizes are equal in every call where both are known (and at least one
   call knows both) form one *class*: one dim.
2. A class *varies* when it took two sizes, or was unknown (``None``) while tracing;
   otherwise it is *constant*.
3. A class equal in every call to an ``int`` parameter (or an ``int`` attribute of ``self``)
   is *carried* by it: it is a named dim even when constant.

Then names are chosen, first from the function's own evidence (existing contracts, docstring
and comment tuples, carriers), then from the same parameter elsewhere in its module, then in
the package, then a fallback alphabet (an ``int`` parameter's name only for the dim it
carries); a docstring name that varies anywhere in the module varies everywhere in it (``B``
seen with one batch size in one function is still the batch); a constant class no name varies
for becomes a literal. Last, a class whose size is in every call the product of two named
dims (``B*C``, ``g*g``), or unambiguously their sum, difference or ``//``, becomes that
expression. Values whose rank varies only in leading dims share a variadic run (``*batch``,
see :func:`shapecheck.infer.evidence.fit_run`); calls that disagree in rank otherwise give no
contract, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product as pairs

from shapecheck.contract import annotations as _annotations
from shapecheck.contract.dtypes import FAMILIES
from shapecheck.contract.expr import Expr
from shapecheck.contract.spec import SCALAR, Dim, DimKind, parse_shape
from shapecheck.infer.evidence import ABSENT, NoContract, Slot, Table, build_table, columns_agree
from shapecheck.infer.naming import docstring_tuples, fallback_name, is_dim_name
from shapecheck.infer.observe import Call, FunctionInfo, Observations

RUN_NAME = "batch"  # a variadic run no contract of the function names
# dtype family label -> the annotator that spells it ("float32" -> "Float32"), from the contract language.
ANNOTATORS: dict[str, str] = {label: name for name, label in _annotations.ANNOTATORS.items()}


@dataclass
class DimClass:
    members: list[int]  # positions
    values: list[object]  # per call: int, None (unknown while tracing) or ABSENT
    carrier: str | None = None
    name: str | None = None
    source: str = ""  # where the name came from: "doc" (docstring or existing contract), "carrier", "module", "fallback"
    literal: bool = False
    expr: Expr | None = None
    doc_names: set[str] = field(default_factory=set)  # names of a docstring expression (``B*C``) at this dim

    @property
    def known(self) -> list[int]:
        return [v for v in self.values if isinstance(v, int)]

    @property
    def varies(self) -> bool:
        return len(set(self.known)) > 1 or any(v is None for v in self.values)

    @property
    def constant(self) -> int | None:
        sizes = set(self.known)
        return next(iter(sizes)) if len(sizes) == 1 and not self.varies else None


@dataclass
class Proposal:
    """The contract proposed for one function (``reason`` set when there is none)."""

    info: FunctionInfo
    calls: int  # distinct calls used as evidence
    slots: list[Slot] = field(default_factory=list)
    dims: list[list[str]] = field(default_factory=list)  # per slot, per axis
    dtypes: list[str] = field(default_factory=list)  # per slot, a dtype family label
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    run: str = RUN_NAME  # the variadic run's name, for slots whose rank varies

    @property
    def params(self) -> list[Slot]:
        return [s for s in self.slots if s.param is not None]

    @property
    def results(self) -> list[Slot]:
        return [s for s in self.slots if s.param is None]

    def contract(self, slot: Slot) -> str:
        """The contract of ``slot`` as an annotation writes it (``""``: a scalar)."""
        dims = self.dims[self.slots.index(slot)]
        return " ".join([f"*{self.run}", *dims] if slot.variadic else dims)

    def spec(self, slot: Slot) -> str:
        """... and as a stub signature writes it (``()``: a scalar)."""
        return self.contract(slot) or SCALAR

    @property
    def signature(self) -> str:
        params = ", ".join(self.spec(s) for s in self.params)
        results = ", ".join(self.spec(s) for s in self.results)
        return f"{params} -> {results}".strip()


# ----- one function ----------------------------------------------------------------------
def _merge(values: list[object], more: list[object]) -> list[object]:
    out = []
    for x, y in zip(values, more):
        out.append(x if isinstance(x, int) else (y if isinstance(y, int) or x is ABSENT else x))
    return out


def classes_of(table: Table) -> list[DimClass]:
    """Equality classes of positions (greedy, in position order)."""
    columns = [[row[p] for row in table.rows] for p in range(len(table.positions))]
    classes: list[DimClass] = []
    for p, column in enumerate(columns):
        for cls in classes:
            if all(columns_agree(columns[q], column) for q in cls.members):
                cls.members.append(p)
                cls.values = _merge(cls.values, column)
                break
        else:
            classes.append(DimClass([p], list(column)))
    for cls in classes:
        cls.carrier = _carrier(cls, table.carriers)
    return classes


def _carrier(cls: DimClass, carriers: list[dict[str, int]]) -> str | None:
    names = sorted({k for c in carriers for k in c})
    for name in names:
        column: list[object] = [c.get(name, ABSENT) for c in carriers]
        if is_dim_name(name) and columns_agree(cls.values, column):
            return name
    return None


def dtype_family(names: set[str]) -> str:
    """The narrowest family with an annotator that allows every dtype in ``names``."""
    best = "any"
    best_size = float("inf")
    for label, allowed in FAMILIES.items():
        if label not in ANNOTATORS or allowed is None or not names <= allowed:
            continue
        if len(allowed) < best_size:
            best, best_size = label, len(allowed)
    return best


# ----- expressions -----------------------------------------------------------------------
def _candidates(a: DimClass, b: DimClass) -> list[tuple[str, Expr, object]]:
    ea, eb = Expr.name(a.name or ""), Expr.name(b.name or "")
    return [
        ("product", ea * eb, lambda x, y: x * y),
        ("sum", ea + eb, lambda x, y: x + y),
        ("sum", ea + 2 * eb, lambda x, y: x + 2 * y),
        ("sum", ea - eb, lambda x, y: x - y),
        ("floordiv", ea // eb, lambda x, y: x // y if y else None),
    ]


def _fits(target: DimClass, a: DimClass, b: DimClass, kind: str, fn: object) -> bool:
    combos: set[tuple[int, int]] = set()
    nontrivial = False
    for t, x, y in zip(target.values, a.values, b.values):
        if not (isinstance(t, int) and isinstance(x, int) and isinstance(y, int)):
            continue
        if fn(x, y) != t:  # type: ignore[operator]
            return False
        combos.add((x, y))
        if kind == "product":
            nontrivial |= x > 1 and y > 1
        elif kind == "floordiv":
            nontrivial |= y > 1 and x % y != 0
        else:
            nontrivial |= x > 0 and y > 0
    # one configuration fits many expressions (16 = 4*4 with N = 16, C = 4): two distinct witnesses,
    # or one when the docstring writes an expression of these names there (``(B*C, 2)``)
    documented = {a.name, b.name} <= target.doc_names
    return nontrivial and (len(combos) >= 2 or documented)


def find_expressions(classes: list[DimClass], in_params: set[int]) -> list[str]:
    """Turn classes into products/sums of named classes where the evidence is unambiguous.

    ``in_params`` holds the ids of classes that occur in a parameter: a parameter's dim is
    only expressed through such classes, so the contract can be checked on entry (a
    parameter dim related to dims only the result binds stays a free name), unless the
    docstring writes it so (``(B*C, H, W, 1) -> (B, H, W, C)``: checked on return). A literal is
    only replaced by a product (a constant sum or ``//`` is a coincidence of one call). A dim
    carried by an ``int`` argument keeps that argument's name (``size``, not ``3*N``), and one the
    docstring or an existing contract names keeps that name (``C`` in ``(N, H, W, C)``).
    """
    ambiguous: list[str] = []
    atoms = [c for c in classes if not c.literal and c.name]
    for target in sorted(classes, key=lambda c: -max(c.known, default=0)):
        if not target.known or target.carrier:  # an int argument that carries the size explains it best
            continue
        if target.source == "doc" and not target.doc_names:  # the author named it (``C``); sizes that fit
            continue  # ``W//N`` in the calls seen are a coincidence, unless the docstring writes one there
        operands = [
            c for c in atoms
            if c is not target and c.expr is None
            and (id(target) not in in_params or id(c) in in_params or c.name in target.doc_names)
        ]
        found: dict[str, dict[str, Expr]] = {}
        for a, b in pairs(operands, operands):
            for kind, expr, fn in _candidates(a, b):
                if (target.literal or a is b) and kind != "product":  # N + 2*N is a multiple, not a sum
                    continue
                if _fits(target, a, b, kind, fn):
                    found.setdefault(kind, {})[str(expr)] = expr
        for kind in ("product", "sum", "floordiv"):
            options = found.get(kind, {})
            if len(options) == 1:
                target.expr = next(iter(options.values()))
                target.literal = False
                break
            if len(options) > 1:
                ambiguous.append(f"{target.name or target.constant}: could be {' or '.join(sorted(options))}")
                break
    return ambiguous


# ----- a module --------------------------------------------------------------------------
@dataclass
class _Work:
    proposal: Proposal
    table: Table | None = None
    classes: list[DimClass] = field(default_factory=list)


Form = tuple[int, bool]  # explicit dims and whether a run comes before them (Slot.form)
Vocabulary = dict[tuple[str, Form], list[str | None]]  # (parameter, form) -> a name per explicit axis


def _slot_positions(table: Table, slot_index: int) -> list[int]:
    return [i for i, (s, _axis) in enumerate(table.positions) if s == slot_index]


def _may_take(work: _Work, cls: DimClass, name: str) -> bool:
    """An ``int`` parameter's name (or ``self``'s) names only the dim it carries: the runtime binds
    it to the argument (``N`` in ``# (B*C, N, N, 1)`` is not ``obj``'s size when ``N: int`` is the patch's)."""
    table = work.table
    assert table is not None
    ints = set(work.proposal.info.params) | {k for c in table.carriers for k in c}
    return name not in ints or cls.carrier == name


def _name_from_docstring(work: _Work, used: set[str]) -> None:
    table = work.table
    assert table is not None
    by_position = {p: cls for cls in work.classes for p in cls.members}
    tuples = docstring_tuples(f"{work.proposal.info.doc}\n{work.proposal.info.comments}")
    taken: set[int] = set()
    for slot_index, slot in enumerate(table.slots):
        positions = _slot_positions(table, slot_index)
        for t_index, entries in enumerate(tuples):
            if t_index in taken or slot.variadic or len(entries) != slot.rank:
                continue
            plan: dict[int, str] = {}
            pending_exprs: list[tuple[DimClass, set[str]]] = []
            ok = True
            for pos, entry in zip(positions, entries):
                cls = by_position[pos]
                if entry.literal is not None and cls.constant != entry.literal:
                    ok = False
                elif entry.name is None and entry.literal is None:
                    pending_exprs.append((cls, entry.names))
                elif entry.name is not None:
                    cid = id(cls)
                    clash = (
                        cls.name not in (None, entry.name)
                        or plan.get(cid, entry.name) != entry.name
                        or (entry.name in used and cls.name != entry.name)
                        or (entry.name in plan.values() and plan.get(cid) != entry.name)
                        or not _may_take(work, cls, entry.name)
                    )
                    if clash and cls.constant is None:
                        ok = False
                    elif not clash:  # a clash on a constant (H = W = 8 in every call) just names nothing
                        plan[cid] = entry.name
            if not ok:
                continue
            taken.add(t_index)
            for cls, names in pending_exprs:
                cls.doc_names |= names
            for cls in work.classes:
                if id(cls) in plan and cls.name is None:
                    cls.name, cls.source = plan[id(cls)], "doc"
                    used.add(cls.name)
            break


def contract_form(text: str) -> tuple[Form, tuple[Dim, ...], str | None] | None:
    """An existing contract's form, its explicit dims and its run's name; ``None`` for a run
    that does not lead (``B *S``: no slot the recorder builds has that form)."""
    spec = parse_shape(text)
    if spec.variadic_index is None:
        return (len(spec.dims), False), spec.dims, None
    if spec.variadic_index == 0:
        return (len(spec.dims) - 1, True), spec.dims[1:], spec.dims[0].name
    return None


def _name_from_contracts(work: _Work, used: set[str]) -> None:
    """Names of the function's own existing contracts (a partly annotated function)."""
    table = work.table
    assert table is not None
    by_position = {p: cls for cls in work.classes for p in cls.members}
    for slot_index, slot in enumerate(table.slots):
        text = work.proposal.info.contracts.get(slot.param or slot.label)
        found = contract_form(text) if text is not None else None
        if found is None or found[0] != slot.form:
            continue
        _form, dims, run = found
        if run is not None:
            work.proposal.run = run
        for pos, dim in zip(_slot_positions(table, slot_index), dims):
            cls = by_position[pos]
            if dim.kind is DimKind.NAMED and dim.name and cls.name is None and dim.name not in used:
                cls.name, cls.source = dim.name, "doc"
                used.add(dim.name)


def _name_from_sources(work: _Work) -> None:
    """Phase 1: the function's own evidence (existing contracts, docstring, carrier parameters)."""
    used: set[str] = set()
    _name_from_contracts(work, used)
    _name_from_docstring(work, used)
    for cls in work.classes:
        if cls.name is None and cls.carrier and cls.carrier not in used:
            cls.name, cls.source = cls.carrier, "carrier"
            used.add(cls.name)


def _learn(work: _Work, vocabulary: Vocabulary) -> None:
    """Remember the phase-1 names of each parameter, axis by axis (the first function seen wins)."""
    table = work.table
    assert table is not None
    by_position = {p: cls for cls in work.classes for p in cls.members}
    for slot_index, slot in enumerate(table.slots):
        if slot.param is None:
            continue
        names = vocabulary.setdefault((slot.param, slot.form), [None] * slot.rank)
        for axis, pos in enumerate(_slot_positions(table, slot_index)):
            cls = by_position[pos]
            if names[axis] is None and cls.name is not None:
                names[axis] = cls.name


Axis = tuple[str, Form, int]  # (parameter, form, axis)


def _param_axes(work: _Work, cls: DimClass) -> set[Axis]:
    """The parameter axes ``cls`` is the size of."""
    table = work.table
    assert table is not None
    out: set[Axis] = set()
    for pos in cls.members:
        slot_index, axis = table.positions[pos]
        slot = table.slots[slot_index]
        if slot.param is not None:
            out.add((slot.param, slot.form, axis))
    return out


def varying_axes(works: list[_Work]) -> set[Axis]:
    """Parameter axes that took several sizes in some function: there they are a dim, so they are
    one wherever the same parameter has the same rank, even where the tests kept them constant
    (see :func:`_varies_elsewhere`)."""
    return {a for w in works if w.table is not None for c in w.classes if c.varies for a in _param_axes(w, c)}


def _varies_elsewhere(work: _Work, cls: DimClass, varying: set[Axis]) -> bool:
    """A constant ``cls`` that is an axis varying elsewhere; never a size-1 axis, which is layout
    (``x`` is ``B*C H W 1`` in one function and ``B H W C`` in another)."""
    return cls.constant != 1 and bool(_param_axes(work, cls) & varying)


def _known_names(key: tuple[str, Form], vocabularies: list[Vocabulary]) -> list[str | None]:
    """Axis by axis, the name of the first vocabulary that has one."""
    names: list[str | None] = [None] * key[1][0]
    for vocabulary in vocabularies:
        for axis, name in enumerate(vocabulary.get(key, ())):
            names[axis] = names[axis] or name
    return names


def _name_from_vocabulary(work: _Work, vocabularies: list[Vocabulary], varying: set[Axis]) -> None:
    """Phase 2: the same parameter elsewhere in the module, then in the package, then a fallback alphabet."""
    table = work.table
    assert table is not None
    info = work.proposal.info
    used = {c.name for c in work.classes if c.name}
    by_position = {p: cls for cls in work.classes for p in cls.members}
    for slot_index, slot in enumerate(table.slots):
        known = _known_names((slot.param, slot.form), vocabularies) if slot.param is not None else None
        for pos, name in zip(_slot_positions(table, slot_index), known or ()):
            cls = by_position[pos]
            if (
                name and cls.name is None and (cls.varies or _varies_elsewhere(work, cls, varying)) and name not in used
                and _may_take(work, cls, name)
            ):
                cls.name, cls.source = name, "module"
                used.add(name)
    reserved = {n for n in used if n} | set(info.params) | {k for c in table.carriers for k in c}
    for slot_index, slot in enumerate(table.slots):
        positions = _slot_positions(table, slot_index)
        for axis, pos in enumerate(positions):
            cls = by_position[pos]
            if cls.name is None:
                square = any(by_position.get(q) is cls for q in positions if q != pos)
                leading = axis == 0 and not slot.variadic  # after a run, the first explicit dim leads nothing
                cls.name, cls.source = fallback_name(reserved, square=square, leading=leading), "fallback"
                reserved.add(cls.name)


def _render(work: _Work) -> None:
    proposal, table = work.proposal, work.table
    assert table is not None
    by_position = {p: cls for cls in work.classes for p in cls.members}
    proposal.slots = table.slots
    proposal.dims = [[] for _ in table.slots]
    for p, (slot_index, _axis) in enumerate(table.positions):
        cls = by_position[p]
        if cls.expr is not None:
            text = str(cls.expr).replace(" ", "")
        elif cls.literal:
            text = str(cls.constant)
        else:
            text = cls.name or "_"
        proposal.dims[slot_index].append(text)
    if proposal.calls == 1:
        proposal.notes.append("one call shape seen: a size no other evidence shows varying is a literal")
    for cls in work.classes:  # "H W" seen only square is "N N": say so, a reviewer may know better
        if cls.literal or cls.expr is not None:
            continue
        by_slot: dict[int, list[int]] = {}
        for p in cls.members:
            slot_index, axis = table.positions[p]
            by_slot.setdefault(slot_index, []).append(axis)
        for slot_index, axes in by_slot.items():
            if len(axes) > 1:
                proposal.notes.append(
                    f"{table.slots[slot_index].label}: axes {', '.join(map(str, axes))} were equal in every call, "
                    f"so the contract ties them ({cls.name}); if they may differ, no test showed it"
                )
    names = {cls.name for cls in work.classes if cls.name} | set(proposal.info.params)
    while proposal.run in names:  # a dim (or an int argument) already has the name
        proposal.run += "_"
    proposal.dtypes = [dtype_family(s.dtypes) for s in table.slots]
    for slot in table.slots:
        parse_shape(proposal.contract(slot))  # a bug here is ours: fail loudly


def _start_module(module_functions: list[tuple[FunctionInfo, list[Call]]]) -> tuple[list[_Work], Vocabulary]:
    """Evidence, classes and phase-1 names of one module's functions, and the names they give their parameters."""
    vocabulary: Vocabulary = {}
    works: list[_Work] = []
    for info, calls in module_functions:
        work = _Work(Proposal(info, len(calls)))
        works.append(work)
        if not calls:
            work.proposal.reason = "not reached by the command (or only by failing tests / calls that raised)"
            continue
        try:
            work.table = build_table(info, calls)
        except NoContract as exc:
            work.proposal.reason = f"calls disagree: {exc}"
            continue
        work.proposal.notes = work.table.notes
        if not work.table.slots:
            work.proposal.reason = "no tensor or array argument or result"
            work.table = None
            continue
        work.classes = classes_of(work.table)
    for work in works:
        if work.table is not None:
            _name_from_sources(work)
    for info, _calls in module_functions:  # the package's existing contracts name its parameters first
        for param, text in info.contracts.items():
            found = contract_form(text)
            if found is None:
                continue
            form, dims, _run = found
            names = vocabulary.setdefault((param, form), [None] * form[0])
            for axis, dim in enumerate(dims):
                if names[axis] is None and dim.kind is DimKind.NAMED:
                    names[axis] = dim.name
    for work in works:
        if work.table is not None:
            _learn(work, vocabulary)
    return works, vocabulary


def _finish_module(works: list[_Work], vocabularies: list[Vocabulary], varying: set[Axis]) -> list[Proposal]:
    for work in works:
        if work.table is not None:
            _name_from_vocabulary(work, vocabularies, varying)
    varying_doc_names = {c.name for w in works for c in w.classes if c.source == "doc" and c.varies}
    for work in works:
        if work.table is None:
            continue
        for cls in work.classes:
            pooled = (cls.source == "doc" and cls.name in varying_doc_names) or bool(cls.doc_names & varying_doc_names)
            pooled |= _varies_elsewhere(work, cls, varying)
            cls.literal = cls.constant is not None and not cls.carrier and not pooled
        table = work.table
        param_positions = {p for p, (slot, _axis) in enumerate(table.positions) if table.slots[slot].param is not None}
        in_params = {id(c) for c in work.classes if param_positions.intersection(c.members)}
        work.proposal.ambiguous = find_expressions(work.classes, in_params)
        _render(work)
    return [w.proposal for w in works]


def generalise_module(module_functions: list[tuple[FunctionInfo, list[Call]]]) -> list[Proposal]:
    """Proposals for the functions of one module (in definition order)."""
    works, vocabulary = _start_module(module_functions)
    return _finish_module(works, [vocabulary], varying_axes(works))


def generalise(observations: Observations) -> list[Proposal]:
    """Proposals for every recorded function, module by module. A parameter's dim names are
    shared, those of its own module first, then the package's (``offsets`` is ``B 1 2 C``
    wherever one docstring says so; ``images`` is ``M H W K`` in a module whose comments say
    so even if another module calls them ``R H W K``)."""
    modules: dict[str, list[tuple[FunctionInfo, list[Call]]]] = {}
    for rec in observations.functions.values():
        modules.setdefault(rec.info.module, []).append((rec.info, observations.evidence(rec)))
    started = [_start_module(functions) for functions in modules.values()]
    modules_vocabularies = [vocabulary for _works, vocabulary in started]
    # the first module that names an axis names it for the package
    package = {key: _known_names(key, modules_vocabularies) for v in modules_vocabularies for key in v}
    varying = varying_axes([w for works, _vocabulary in started for w in works])
    return [p for works, vocabulary in started for p in _finish_module(works, [vocabulary, package], varying)]
