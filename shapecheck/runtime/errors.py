"""``ShapeContractError`` and the text of its message.

Messages name the function, the argument, the contract, the actual shape and dtype, every
bound dim with the argument that bound it, and a hint for the known mix-ups. They never
contain tensor values and are capped at :data:`MAX_MESSAGE` characters.
"""

from __future__ import annotations

from collections.abc import Iterable

from shapecheck.runtime.arrays import Dims

MAX_MESSAGE = 1000


class ShapeContractError(TypeError):
    """A value broke the shape/dtype contract of a checked function.

    The constructor is ``Exception``'s own (one message string) on purpose: AutoGraph and
    Keras re-raise errors crossing converted code as ``type(error)(new_message)``, and
    they keep the type only for exceptions constructible that way.
    """

    __init__ = Exception.__init__


def format_dims(dims: Dims | None) -> str:
    if dims is None:
        return "(unknown rank)"
    inner = ", ".join("None" if d is None else str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def format_binding(name: str, value: object, source: tuple[str, int] | None, *, variadic: bool = False) -> str:
    shown = format_dims(value) if variadic and isinstance(value, tuple) else ("unknown" if value is None else str(value))
    star = "*" if variadic else ""
    if source is None:
        return f"{star}{name}={shown}"
    label, axis = source
    where = label if axis is None else f"{label} dims {axis}.." if variadic else f"{label} dim {axis}"
    return f"{star}{name}={shown} (from {where})"


def build_message(
    *,
    function: str,
    label: str,
    contract: str,
    dims: Dims | None,
    dtype: str | None,
    problem: str,
    bindings: Iterable[str],
    hint: str | None,
) -> str:
    """Compose the error text within :data:`MAX_MESSAGE` characters.

    The ``actual:`` and ``problem:`` lines always survive: a long contract echo is cut
    first, then the hint, then the list of bindings."""
    facts = f"\n  actual: shape {format_dims(dims)}"
    if dtype is not None:
        facts += f", dtype {dtype}"
    facts += f"\n  problem: {_cut(problem, MAX_MESSAGE // 3)}"
    opening = f"{_cut(function, 120)}: {_cut(label, 120)} breaks its contract "
    tail = f"\n  hint: {_cut(hint, MAX_MESSAGE // 4)}" if hint else ""
    room = MAX_MESSAGE - len(opening) - len(facts) - len(tail) - len("\n  bound: nothing yet") - 20
    head = opening + _cut(contract, max(room, 40)) + facts
    bound = list(bindings)
    budget = MAX_MESSAGE - len(head) - len(tail) - len("\n  bound: ")
    shown: list[str] = []
    used = 0
    for i, item in enumerate(bound):
        cost = len(item) + 2
        if used + cost > budget - 20:
            shown.append(f"... {len(bound) - i} more")
            break
        shown.append(item)
        used += cost
    middle = "\n  bound: " + ("; ".join(shown) if shown else "nothing yet")
    message = head + middle + tail
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return message


def _cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."
