"""The rule catalogue (``rules/catalogue/SCnnn.toml``): loading and validating entries."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from shapecheck.resources import rules_dir

CODE_RE = re.compile(r"^SC\d{3}$")


@dataclass(frozen=True)
class Example:
    kind: str  # "bad" | "good"
    code: str


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    family: str
    severity: str
    summary: str
    why: str
    examples: tuple[Example, ...] = field(default=())
    source: str = ""


class CatalogueError(ValueError):
    pass


def catalogue_dir() -> Path:
    return rules_dir() / "catalogue"


def _load(path: Path) -> Rule:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path}: {exc}") from None
    try:
        examples = tuple(Example(str(e["kind"]), str(e["code"])) for e in data.get("examples", []))
        return Rule(
            id=str(data["id"]), name=str(data["name"]), family=str(data.get("family", "")),
            severity=str(data.get("severity", "error")), summary=str(data["summary"]).strip(),
            why=str(data.get("why", "")).strip(), examples=examples, source=str(path),
        )
    except (KeyError, TypeError) as exc:
        raise CatalogueError(f"{path}: missing or malformed field {exc}") from None


@lru_cache(maxsize=1)
def load_catalogue() -> tuple[dict[str, Rule], tuple[str, ...]]:
    """(rules by id, problems): a broken entry is reported, never fatal for the others."""
    rules: dict[str, Rule] = {}
    problems: list[str] = []
    directory = catalogue_dir()
    if not directory.is_dir():
        return rules, (f"rule catalogue {directory} not found",)
    for path in sorted(directory.glob("SC*.toml")):
        try:
            rule = _load(path)
        except CatalogueError as exc:
            problems.append(str(exc))
            continue
        rules[rule.id] = rule
    return rules, tuple(problems)


def rule(code: str) -> Rule | None:
    return load_catalogue()[0].get(code.upper())
