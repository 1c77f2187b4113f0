"""Summaries of unannotated function bodies (return shape as a function of parameter shapes)."""

from __future__ import annotations

from shapecheck.static.packs import KnowledgePacks
from shapecheck.static.parsed import ParsedFile
from shapecheck.static.summary import ModuleSummary


def summarise_bodies(parsed: ParsedFile, summary: ModuleSummary, packs: KnowledgePacks) -> None:
    return None
