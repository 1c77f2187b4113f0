"""Running shape inference over a parsed file and collecting SC1xx findings."""

from __future__ import annotations

from shapecheck.findings import Finding
from shapecheck.static.packs import KnowledgePacks
from shapecheck.static.parsed import ParsedFile


def check_parsed(parsed: ParsedFile, project: object, packs: KnowledgePacks) -> list[Finding]:
    return []
