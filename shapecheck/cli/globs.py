"""Glob patterns for ``exclude`` and ``per-file-ignores``, matched against project-relative paths.

Semantics (gitignore-like, as in Ruff):

* ``*`` matches within one path segment, ``?`` one character, ``[abc]`` a class,
  ``**`` any number of whole segments (including none).
* A pattern without ``/`` matches the name of any path component (``build`` excludes every
  directory called ``build``; ``*_pb2.py`` every generated file, wherever it is).
* A pattern with ``/`` is anchored at the project root (a leading ``./`` or ``/`` is dropped).
* A pattern that matches a directory matches everything below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


def _translate_segment_glob(pattern: str) -> str:
    """Regex for a glob with ``**`` spanning segments and ``*``/``?`` staying within one."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                # "**/" → zero or more whole segments; a trailing "**" → anything below.
                if pattern.startswith("**/", i):
                    out.append("(?:[^/]+/)*")
                    i += 3
                else:
                    out.append(".*")
                    i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern.startswith("[!", i) or pattern.startswith("[]", i) else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Glob:
    """One compiled pattern; ``text`` is kept for messages."""

    text: str
    anchored: bool
    regex: re.Pattern[str]

    def matches(self, rel_posix: str) -> bool:
        """Whether ``rel_posix`` (a project-relative POSIX path) or one of its parents matches."""
        parts = rel_posix.split("/")
        if not self.anchored:
            return any(self.regex.fullmatch(part) for part in parts)
        for end in range(len(parts), 0, -1):
            if self.regex.fullmatch("/".join(parts[:end])):
                return True
        return False


@lru_cache(maxsize=512)
def compile_glob(text: str) -> Glob:
    """Compile ``text``; raises ``ValueError`` for an empty pattern."""
    pattern = text.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/")
    if not pattern:
        raise ValueError(f"empty glob pattern {text!r}")
    anchored = "/" in pattern
    pattern = pattern.lstrip("/")
    return Glob(text, anchored, re.compile(_translate_segment_glob(pattern), re.DOTALL))


@lru_cache(maxsize=64)
def _split(patterns: tuple[str, ...]) -> tuple[dict[str, str], tuple[Glob, ...]]:
    """Plain names (no wildcards, no ``/``) as a set look-up; the rest as compiled globs."""
    plain: dict[str, str] = {}
    others: list[Glob] = []
    for text in patterns:
        glob = compile_glob(text)
        name = text.strip().removeprefix("./").rstrip("/")
        if not glob.anchored and not any(c in name for c in "*?[") and name:
            plain.setdefault(name, text)
        else:
            others.append(glob)
    return plain, tuple(others)


def first_match(patterns: tuple[str, ...], rel_posix: str) -> str | None:
    """A pattern that matches ``rel_posix`` (plain names first), or None."""
    plain, others = _split(patterns)
    if plain:
        for part in rel_posix.split("/"):
            hit = plain.get(part)
            if hit is not None:
                return hit
    for glob in others:
        if glob.matches(rel_posix):
            return glob.text
    return None
