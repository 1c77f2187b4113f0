"""A stub pack's contracts for the bodies of the functions it describes.

A stub (``[[stub]]`` in a pack, such as the one ``shapecheck infer`` writes) is applied at
call sites; here it also becomes the contract of the function's own body when the function
has no annotated contract: its parameters start with the stub's shapes and its returns are
checked against the stub's results, as if the contracts were written in the source. A
layer stub (``kind = "layer"``, named by its class) is the contract of the class's ``call``.
Findings say the shapes come from the pack (``FunctionInfo.hint``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from shapecheck.static.packs import KnowledgePacks, Stub
from shapecheck.static.parsed import ParsedFile
from shapecheck.static.signatures import collect_functions
from shapecheck.static.summary import FunctionInfo


def _stub_for(qualname: str, packs: KnowledgePacks) -> Stub | None:
    stub = packs.stub(qualname)
    if stub is not None and stub.kind == "function":
        return stub
    owner, _, method = qualname.rpartition(".")
    layer = packs.stub(owner) if method == "call" else None
    return layer if layer is not None and layer.kind == "layer" else None


def with_stub_contracts(infos: dict[str, FunctionInfo], packs: KnowledgePacks) -> dict[str, FunctionInfo]:
    """``infos`` where a function without annotated contracts takes its stub's."""
    out = dict(infos)
    for qualname, info in infos.items():
        if info.has_contract and info.hint is None:
            continue  # annotations outrank a pack
        stub = _stub_for(qualname, packs)
        if stub is None:
            continue
        specs = dict(zip(stub.params, stub.signature.params))
        params = tuple(replace(p, spec=specs.get(p.name)) for p in info.params)
        results = stub.signature.results
        out[qualname] = replace(
            info, params=params,
            returns=results[0] if len(results) == 1 else None,
            returns_tuple=tuple(results) if len(results) > 1 else None,
            hint=f"stub in {Path(stub.source).name}",
        )
    return out


def checked_contracts(parsed: ParsedFile, packs: KnowledgePacks) -> dict[str, FunctionInfo]:
    """The contracts a file's functions are checked under: annotations, docstring hints (when the
    setting is on), and for functions without annotations their stubs."""
    return with_stub_contracts(collect_functions(parsed, packs.shape_hints), packs)
