"""Compiled regions and XLA/configuration hazards (rules SC201-SC205, SC301-SC303).

The static engine calls exactly these four functions:

- ``collect_module_facts(module_name, path, wrapper)``: per file, picklable facts
- ``build_region_map(facts)``: cross-file map of what XLA compiles and tf.function traces
- ``check_module_xla(path, module_name, wrapper, region_map)``: findings for one file

Both per-file calls read the file's semantic model (``shapecheck.static.file_model``): the
parsed file's own when the caller passes it, else the one kept for the same tree.
- ``xla_map(region_map)``: the compiled regions, their call chains and off-switches
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst.metadata

from shapecheck.findings import Finding
from shapecheck.static.file_model import FileModel
from shapecheck.static.xla.check import check_module as _check_module
from shapecheck.static.xla.collect import TextIndex
from shapecheck.static.xla.collect import collect as _collect
from shapecheck.static.xla.facts import XlaModuleFacts
from shapecheck.static.xla.regions import CompiledRegion, RegionMap, RegionMember
from shapecheck.static.xla.regions import build as _build


def collect_module_facts(
    module_name: str, path: str, wrapper: libcst.metadata.MetadataWrapper, text_index: TextIndex | None = None,
    model: FileModel | None = None,
) -> XlaModuleFacts:
    """Functions, calls, classes and compile roots of one module (picklable; cache by content).

    ``text_index`` gives the parsed text with the guard's token scan of it, ``model`` the file's
    semantic model (the parsed file's own)."""
    return _collect(module_name, path, wrapper, text_index, model)


def build_region_map(facts: Sequence[XlaModuleFacts]) -> RegionMap:
    """Resolve calls across files and compute every compiled and traced region."""
    return _build(facts)


def check_module_xla(path: str, module_name: str, wrapper: libcst.metadata.MetadataWrapper,
                     region_map: RegionMap, model: FileModel | None = None, positions: Any = None) -> list[Finding]:
    """SC201-SC205 and SC301-SC303 findings for one module; never raises for bad user code.

    ``model`` and ``positions`` are the parsed file's (found or made here when not given)."""
    return _check_module(path, module_name, wrapper, region_map, model=model, positions=positions)


def xla_map(region_map: RegionMap) -> list[CompiledRegion]:
    """Every root (compiled by XLA or only traced), in path/line order."""
    return list(region_map.regions)


__all__ = [
    "CompiledRegion", "RegionMap", "RegionMember", "XlaModuleFacts", "build_region_map",
    "check_module_xla", "collect_module_facts", "xla_map",
]
