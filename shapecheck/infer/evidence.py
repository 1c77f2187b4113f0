"""From the calls of one function to its *slots* (contracted values) and a table of dim sizes.

A slot is a parameter or a result (or one element of a returned tuple) that held a tensor in
every call that gave it; every axis of every slot is a *position*, and each call gives every
position a size (``None``: unknown while tracing; absent: the parameter was not passed).
Parameters that held a Python ``int`` are *carriers*: sizes they carry name a dim.

Slots whose rank varies between calls share one *variadic run* (``*batch``) of leading dims
when the calls disagree in rank only there (:func:`fit_run`): in every call those slots have
the same number of extra dims, and their leading dims are the same sizes. Their trailing dims
are positions as usual. Calls that disagree in rank otherwise make the function
uncontractable; the reason says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shapecheck.infer.observe import Call, Desc, FunctionInfo

ABSENT = object()


@dataclass
class Slot:
    label: str  # "offsets", "return", "return[1]"
    param: str | None  # the parameter name, None for results
    index: int | None  # element of a returned tuple
    rank: int  # the explicit dims: all of them, or those after the run of a variadic slot
    dtypes: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)  # "tf", "np"
    optional: bool = False  # None was passed at least once
    variadic: bool = False  # leading dims vary in number between calls: ``*batch`` then ``rank`` dims

    @property
    def form(self) -> tuple[int, bool]:
        """What a parameter's dims mean axis by axis: the same form, the same axes."""
        return self.rank, self.variadic

    def shape(self, call: Call) -> tuple[int | None, ...] | None:
        """The whole shape of this slot in ``call`` (``None``: no tensor there)."""
        if self.param is not None:
            desc = call.args.get(self.param)
        elif self.index is None:
            desc = call.result
        else:
            desc = call.result[2][self.index] if call.result is not None and call.result[0] == "S" else None
        return desc[1] if desc is not None and desc[0] == "T" else None

    def explicit(self, call: Call, rank: int | None = None) -> tuple[int | None, ...] | None:
        """The sizes of the last ``rank`` dims in ``call`` (default: the explicit ones)."""
        shape, rank = self.shape(call), self.rank if rank is None else rank
        return None if shape is None else shape[len(shape) - rank:] if rank else ()


@dataclass
class Table:
    """Sizes by call: ``rows[c][p]`` for position ``p`` (int, None or ABSENT); carriers by name."""

    slots: list[Slot]
    positions: list[tuple[int, int]]  # (slot index, axis)
    rows: list[list[object]]
    carriers: list[dict[str, int]]  # per call: int parameters and int attributes of ``self``
    notes: list[str]  # values left without a contract, and why


class NoContract(Exception):
    """The calls cannot share one contract (the message says why)."""


def _tensor_slot(label: str, param: str | None, index: int | None, descs: list[Desc]) -> Slot | None:
    tensors = [d for d in descs if d is not None and d[0] == "T"]
    if not tensors:
        return None
    ranks = sorted({len(d[1]) for d in tensors})
    slot = Slot(label, param, index, ranks[0], variadic=len(ranks) > 1)  # rank: the least seen, until fit_run
    for d in tensors:
        slot.dtypes.add(d[2])
        slot.kinds.add(d[3])
    slot.optional = any(d is not None and d[0] == "N" for d in descs)
    return slot


def _kinds(descs: list[Desc]) -> set[str]:
    return {"other" if d is None else d[0] for d in descs}


def _result_slots(calls: list[Call], notes: list[str]) -> list[Slot]:
    results = [c.result for c in calls]
    kinds = _kinds(results)
    if kinds <= {"T", "N"}:
        slot = _tensor_slot("return", None, None, results)
        return [slot] if slot is not None else []
    if kinds == {"S"}:
        lengths = {len(r[2]) for r in results if r is not None}
        if len(lengths) != 1:
            raise NoContract(f"the returned sequence had lengths {sorted(lengths)}")
        (length,) = lengths
        items = [[r[2][i] for r in results if r is not None] for i in range(length)]
        if all(_kinds(col) == {"T"} for col in items) and all(r[1] == "tuple" for r in results if r is not None):
            out = []
            for i, col in enumerate(items):
                slot = _tensor_slot(f"return[{i}]", None, i, col)
                assert slot is not None
                out.append(slot)
            return out
        notes.append("return: a list or a tuple holding non-tensors (recorded, not expressible as a contract)")
        return []
    if "T" in kinds or "S" in kinds or "M" in kinds:
        notes.append(f"return: mixed kinds of value ({', '.join(sorted(kinds))})")
    return []


def _ranks(slot: Slot, calls: list[Call]) -> str:
    return ", ".join(map(str, sorted({len(sh) for c in calls if (sh := slot.shape(c)) is not None})))


def columns_agree(a: list[object], b: list[object]) -> bool:
    """Two positions are one dim: equal in every call where both are known, and known together in one."""
    support = 0
    for x, y in zip(a, b):
        if isinstance(x, int) and isinstance(y, int):
            if x != y:
                return False
            support += 1
    return support > 0


def _same(sizes: tuple[int | None, ...]) -> bool:
    return len({s for s in sizes if s is not None}) <= 1


def fit_run(slots: list[Slot], calls: list[Call], carriers: list[dict[str, int]]) -> str | None:
    """Give the slots whose rank varies one shared run of leading dims, or raise :class:`NoContract`.

    In every call those slots must have the same number of dims beyond their least rank (the
    run's length changes, nothing else). The run is made as long as the calls allow (its
    sizes equal across the slots in every call where they are known); then, while the run
    ends in every call in a size that is a dim by the usual rules (constant, carried by an
    ``int`` argument, or equal to an explicit dim of some value), that dim is given back to the
    explicit ones (``*batch 3``, ``*batch C, C``). A run that ties nothing (one value, no
    explicit dim left) is no contract: the calls disagree in rank. Sets each slot's ``rank``;
    returns a note on the run for the report.
    """
    varied = [s for s in slots if s.variadic]
    if not varied:
        return None
    least = {id(s): s.rank for s in varied}
    seen = "; ".join(f"{s.label} was seen with ranks {_ranks(s, calls)}" for s in varied)
    rows = [[(s, sh) for s in varied if (sh := s.shape(c)) is not None] for c in calls]
    if any(len({len(sh) - least[id(s)] for s, sh in row}) > 1 for row in rows):
        raise NoContract(f"ranks vary, but not by the same number of leading dims in every call ({seen})")

    def run(s: Slot, shape: tuple[int | None, ...], m: int) -> tuple[int | None, ...]:
        return shape[: len(shape) - (least[id(s)] - m)]

    def explicit(m: int) -> list[list[object]]:  # a column per explicit position, given a run of at least m
        columns = []
        for s in slots:
            t = least[id(s)] - m if s.variadic else s.rank
            sizes = [s.explicit(c, t) for c in calls]
            columns += [[ABSENT if z is None else z[axis] for z in sizes] for axis in range(t)]
        return columns

    for m in range(min(least.values()), -1, -1):
        if all(_same(sizes) for row in rows for sizes in zip(*(run(s, sh, m) for s, sh in row))):
            break
    else:
        raise NoContract(f"ranks vary, and the leading dims that vary in number are not the same sizes ({seen})")
    while m > 0:
        last: list[object] = [
            next((r[-1] for s, sh in row if (r := run(s, sh, m))[-1] is not None), None) if row else ABSENT
            for row in rows
        ]
        known = [v for v in last if isinstance(v, int)]
        constant = None not in last and len(set(known)) == 1
        carried = any(columns_agree(last, [c.get(k, ABSENT) for c in carriers]) for k in {k for c in carriers for k in c})
        if not (constant or carried or any(columns_agree(last, column) for column in explicit(m))):
            break
        m -= 1
    for s in varied:
        s.rank = least[id(s)] - m
    if len(varied) == 1 and varied[0].rank == 0:
        raise NoContract(f"{seen}, and no dim of it agrees between those ranks counted from the end")
    return f"{seen}: the leading dims that vary in number are one run"


def build_table(info: FunctionInfo, calls: list[Call]) -> Table:
    notes: list[str] = []
    slots: list[Slot] = []
    for name in info.params:
        descs = [c.args[name] for c in calls if name in c.args]
        kinds = _kinds(descs)
        if kinds <= {"T", "N"}:
            slot = _tensor_slot(name, name, None, descs)
            if slot is not None:
                slots.append(slot)
        elif "T" in kinds or "S" in kinds or "M" in kinds:
            what = "nested in a tuple, list or dict" if kinds & {"S", "M"} else "mixed with other kinds of value"
            notes.append(f"{name}: tensors {what} (recorded, not expressible as a stub contract)")
    slots.extend(_result_slots(calls, notes))
    carriers: list[dict[str, int]] = []
    for call in calls:
        ints = {k: v[1] for k, v in call.args.items() if v is not None and v[0] == "I"}
        for k, v in call.attrs.items():
            ints.setdefault(k, v)
        carriers.append(ints)
    run_note = fit_run(slots, calls, carriers)
    if run_note:
        notes.append(run_note)
    positions = [(i, axis) for i, s in enumerate(slots) for axis in range(s.rank)]
    rows: list[list[object]] = []
    for call in calls:
        row: list[object] = []
        for slot_index, axis in positions:
            sizes = slots[slot_index].explicit(call)
            row.append(sizes[axis] if sizes is not None else ABSENT)
        rows.append(row)
    return Table(slots, positions, rows, carriers, notes)
