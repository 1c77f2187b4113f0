"""Writing proposals as a stub pack (the ``rules/packs`` format ``shapecheck check`` reads).

Besides the keys the static checker reads (``name``, ``kind``, ``signature``, ``params``),
each stub carries ``dtypes`` and ``arrays`` (one per contract, parameters then results),
which ``shapecheck annotate`` needs to spell annotations, and ``calls``, the evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from shapecheck.infer.generalise import Proposal


def stub_name(proposal: Proposal) -> tuple[str, str]:
    """Qualified name and kind: a layer's stub names the class (``Layer(...)(inputs)``)."""
    info = proposal.info
    if info.kind == "layer":
        return f"{info.module}.{info.qualname.rsplit('.', 1)[0]}", "layer"
    return f"{info.module}.{info.qualname}", "function"


def _toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_str(i) for i in items) + "]"


def write_pack(proposals: Iterable[Proposal], command: str = "") -> str:
    lines = [
        "# Contract stubs inferred by `shapecheck infer` from the shapes of a recorded run.",
        "# Review them: they say what the run showed, not what the code promises.",
    ]
    if command:
        lines.append(f"# Recorded command: {command}")
    for p in proposals:
        if p.reason is not None or not p.slots:
            continue
        name, kind = stub_name(p)
        lines += [
            "",
            "[[stub]]",
            f"name = {_toml_str(name)}",
            f"kind = {_toml_str(kind)}",
            f"signature = {_toml_str(p.signature)}",
            f"params = {_toml_list(s.param or '' for s in p.params)}",
            f"dtypes = {_toml_list(p.dtypes)}",
            f"arrays = {_toml_list('np' if s.kinds == {'np'} else 'tf' for s in p.slots)}",
        ]
        optional = [s.param for s in p.params if s.optional and s.param]
        if optional:
            lines.append(f"optional = {_toml_list(optional)}")
        lines.append(f"calls = {p.calls}")
    return "\n".join(lines) + "\n"
