"""Baselines: record today's findings, later report only the new ones.

An entry is keyed by the project-relative path, the code, a fingerprint of the finding's
normalised source line and message, and an occurrence index among identical keys, so
it survives unrelated edits that shift lines. Line numbers quoted inside messages
("bound at line 12") are normalised away before hashing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from shapecheck.cli.errors import UsageError
from shapecheck.findings import Finding

FORMAT = "shapecheck-baseline"
VERSION = 1
_LINE_REFS = re.compile(r"\b(line|lines|col|column)\s+\d+(\s*[-,:]\s*\d+)*", re.IGNORECASE)
_POSITIONS = re.compile(r":\d+(:\d+)?\b")


def normalise_message(message: str) -> str:
    return _POSITIONS.sub(":#", _LINE_REFS.sub(lambda m: m.group(1) + " #", message)).strip()


def normalise_line(line: str) -> str:
    return " ".join(line.split())


def fingerprint(code: str, line_text: str, message: str) -> str:
    h = hashlib.sha256()
    for part in (code, normalise_line(line_text), normalise_message(message)):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:20]


@dataclass(frozen=True)
class Key:
    path: str
    code: str
    fingerprint: str
    occurrence: int


def keys_for(
    findings: Iterable[Finding], rel_of: Callable[[str], str], line_of: Callable[[str, int], str]
) -> list[tuple[Finding, Key]]:
    """Keys in report order; ``rel_of`` maps a display path to the project-relative one."""
    counts: Counter[tuple[str, str, str]] = Counter()
    out: list[tuple[Finding, Key]] = []
    for f in sorted(findings):
        rel = rel_of(f.path)
        fp = fingerprint(f.code, line_of(f.path, f.line), f.message)
        base = (rel, f.code, fp)
        out.append((f, Key(rel, f.code, fp, counts[base])))
        counts[base] += 1
    return out


def write(path: Path, keyed: list[tuple[Finding, Key]], tool_version: str) -> None:
    entries = [
        {"path": k.path, "code": k.code, "fingerprint": k.fingerprint, "occurrence": k.occurrence,
         "line": f.line, "message": f.message}
        for f, k in keyed
    ]
    document = {"format": FORMAT, "version": VERSION, "tool_version": tool_version, "findings": entries}
    try:
        from shapecheck.cli.atomic_write import write_text
        from shapecheck.cli.reporters import writable

        write_text(path, writable(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "json"))
    except OSError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc.strerror or exc}") from None


def read(path: Path) -> set[Key]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline {path} does not exist (create it with --write-baseline {path})") from None
    except OSError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UsageError(f"baseline {path} is not a shapecheck baseline (missing \"format\": \"{FORMAT}\")")
    if document.get("version") != VERSION:
        raise UsageError(f"baseline {path} has version {document.get('version')!r}; this shapecheck reads version {VERSION}")
    keys: set[Key] = set()
    for i, entry in enumerate(document.get("findings", [])):
        try:
            keys.add(Key(str(entry["path"]), str(entry["code"]), str(entry["fingerprint"]), int(entry["occurrence"])))
        except (KeyError, TypeError, ValueError):
            raise UsageError(f"baseline {path}: entry {i} lacks path/code/fingerprint/occurrence") from None
    return keys


def only_new(keyed: list[tuple[Finding, Key]], known: set[Key]) -> list[Finding]:
    return [f for f, k in keyed if k not in known]
