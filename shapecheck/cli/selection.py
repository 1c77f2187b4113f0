"""Which rule codes are enabled: ``select`` / ``extend-select`` / ``ignore`` with code prefixes.

Resolution follows Ruff: settings come in layers (defaults, ``pyproject.toml``, command
line). A layer that sets ``select`` starts afresh; otherwise it adjusts the layer below.
Within a layer the most specific matching prefix wins (``ignore = ["SC1"]`` with
``extend-select = ["SC101"]`` keeps SC101 on); on a tie, ``ignore`` wins.

The per-file input errors SC001–SC003 say a file was *not* checked, so ``select`` never
hides them; only an explicit ``ignore`` (or a per-file ignore) that names them does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SELECTOR_RE = re.compile(r"^(ALL|SC\d{0,3})$")
DEFAULT_SELECT: tuple[str, ...] = ("SC",)
INPUT_ERROR_CODES = frozenset({"SC001", "SC002", "SC003"})


def parse_selectors(values: list[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
    """Normalise selectors (upper case, comma lists split); raise ValueError naming ``where``."""
    out: list[str] = []
    for value in values:
        for raw in str(value).split(","):
            item = raw.strip().upper()
            if not item:
                continue
            if not SELECTOR_RE.match(item):
                raise ValueError(
                    f"{where}: {raw.strip()!r} is not a rule selector (expected a code or prefix such as "
                    f"'SC', 'SC1', 'SC101', or 'ALL')"
                )
            out.append("SC" if item == "ALL" else item)
    return tuple(out)


def _best(prefixes: tuple[str, ...], code: str) -> int:
    """Length of the longest prefix in ``prefixes`` that ``code`` starts with; -1 if none."""
    best = -1
    for prefix in prefixes:
        if code.startswith(prefix) and len(prefix) > best:
            best = len(prefix)
    return best


@dataclass(frozen=True)
class SelectionLayer:
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSelection:
    layers: tuple[SelectionLayer, ...]

    def enabled(self, code: str) -> bool:
        state = False
        input_error_ignored = False
        for layer in self.layers:
            sel = _best((*(layer.select or ()), *layer.extend_select), code)
            ign = _best(layer.ignore, code)
            if code in INPUT_ERROR_CODES and ign >= 3:  # "SC0", "SC00", "SC001" name them explicitly
                input_error_ignored = True
            if layer.select is not None:
                state = sel >= 0 and sel > ign
            elif sel >= 0 or ign >= 0:
                state = sel > ign
        if code in INPUT_ERROR_CODES:
            return not input_error_ignored
        return state

    def describe(self) -> dict[str, object]:
        return {
            "layers": [
                {"select": list(l.select) if l.select is not None else None,
                 "extend-select": list(l.extend_select), "ignore": list(l.ignore)}
                for l in self.layers
            ]
        }


def code_matches(code: str, selectors: tuple[str, ...]) -> bool:
    """Whether any selector is a prefix of ``code`` (for per-file ignores and suppressions)."""
    return _best(selectors, code) >= 0
