"""From the calls of one function to its *slots* (contracted values) and a table of dim sizes.

A slot is a parameter or a result (or one element of a returned tuple) that held a tensor of
one rank in every call that gave it; every axis of every slot is a *position*, and each call
gives every position a size (``None``: unknown while tracing; absent: the parameter was not
passed). Parameters that held a Python ``int`` are *carriers*: sizes they carry name a dim.
Calls that disagree on a slot's rank make the function uncontractable; the reason says why.
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
    rank: int
    dtypes: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)  # "tf", "np"
    optional: bool = False  # None was passed at least once


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
    if len(ranks) > 1:
        raise NoContract(f"{label} was seen with ranks {', '.join(map(str, ranks))}")
    slot = Slot(label, param, index, ranks[0])
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
    positions = [(i, axis) for i, s in enumerate(slots) for axis in range(s.rank)]
    rows: list[list[object]] = []
    carriers: list[dict[str, int]] = []
    for call in calls:
        row: list[object] = []
        for slot_index, axis in positions:
            slot = slots[slot_index]
            if slot.param is not None:
                desc = call.args.get(slot.param)
            elif slot.index is None:
                desc = call.result
            else:
                desc = call.result[2][slot.index] if call.result is not None and call.result[0] == "S" else None
            row.append(desc[1][axis] if desc is not None and desc[0] == "T" else ABSENT)
        rows.append(row)
        ints = {k: v[1] for k, v in call.args.items() if v is not None and v[0] == "I"}
        for k, v in call.attrs.items():
            ints.setdefault(k, v)
        carriers.append(ints)
    return Table(slots, positions, rows, carriers, notes)
