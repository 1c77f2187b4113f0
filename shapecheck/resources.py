"""Where the shipped data lives: ``rules/`` in a checkout, ``shapecheck/_rules`` in a wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def rules_dir() -> Path:
    """The rules directory: catalogue, op signature packs and contract stub packs."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shapecheck's rules/ data was not found next to {here}")
