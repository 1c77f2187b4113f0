"""Suppression comments and the SC901 report of the ones that suppress nothing.

Forms (codes may be prefixes; several are separated by commas)::

    x = f(y)  # shapecheck: ignore[SC101]
    # shapecheck: ignore[SC101,SC2]         (own line: covers the next statement)
    y = g(    # shapecheck: ignore          (first line of a multi-line statement)
        z)
    # shapecheck: ignore-file[SC2]          (anywhere: the whole file)
    # shapecheck: ignore-file

A finding on line L is suppressed by a comment on L, on the first line of the innermost
statement containing L (for compound statements: of the header, decorators included),
or on a comment-only line directly above either of them.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field

from shapecheck.cli.selection import SELECTOR_RE, code_matches
from shapecheck.findings import Finding

MARKER = "shapecheck:"
_DIRECTIVE = re.compile(r"#\s*shapecheck:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_MENTION = re.compile(r"#\s*shapecheck:", re.IGNORECASE)
_ANY_DIRECTIVE = re.compile(r"#\s*shapecheck:\s*(?P<rest>\S.*)?$", re.IGNORECASE)


@dataclass
class Suppression:
    line: int
    col: int
    file_level: bool
    codes: tuple[str, ...] | None  # None: every code
    standalone: bool  # the comment is alone on its line
    text: str
    used: set[str] = field(default_factory=set)
    used_any: bool = False

    def covers(self, code: str) -> str | None:
        """The selector (or "*") under which this comment suppresses ``code``."""
        if self.codes is None:
            return "*"
        best = None
        for selector in self.codes:
            if code.startswith(selector) and (best is None or len(selector) > len(best)):
                best = selector
        return best


@dataclass
class ParsedComments:
    suppressions: list[Suppression]
    malformed: list[Finding]
    starts: dict[int, int]  # line -> first line of the innermost statement holding it (see _scan)


@dataclass
class _Scan:
    """What one tokenize pass over a file gives the suppression logic."""

    comments: list[tuple[int, int, str, bool]]  # (line, col, text, standalone) of comments naming the marker
    starts: dict[int, int]  # line -> first line of the innermost statement (or compound header) holding it
    inside_strings: set[int]  # lines that end inside a multi-line string


_LAYOUT = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER})


def _scan(text: str) -> _Scan:
    """Comments, statement starts and string-continued lines from the tokenizer, without a parse.

    A logical line (up to its NEWLINE token) is one simple statement, or one compound header
    with whatever body shares its line; decorators belong to the definition they decorate."""
    lines = text.splitlines()
    out = _Scan([], {}, set())
    first: int | None = None  # first line of the logical line being read
    decorators: int | None = None  # first line of decorators waiting for their def/class
    is_decorator = False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, (row, col), end_row = tok.type, tok.start, tok.end[0]
            if kind == tokenize.COMMENT and _MENTION.search(tok.string):
                out.comments.append((row, col + 1, tok.string, not lines[row - 1][:col].strip()))
            if end_row > row and kind not in (tokenize.NEWLINE, tokenize.NL, tokenize.DEDENT):
                out.inside_strings.update(range(row, end_row))
            if kind in _LAYOUT:
                continue
            if kind == tokenize.NEWLINE:
                if first is not None:
                    if is_decorator:
                        decorators = first if decorators is None else decorators
                    else:
                        head = first if decorators is None else decorators
                        for line in range(head, row + 1):
                            out.starts[line] = head
                        decorators = None
                first = None
                continue
            if first is None:
                first, is_decorator = row, tok.string == "@"
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Unreadable code: fall back to a line scan (good enough for ignore-file on SC001).
        out = _Scan([], {}, set())
        for row, line in enumerate(lines, start=1):
            idx = line.find("#")
            if idx != -1 and _MENTION.search(line[idx:]):
                out.comments.append((row, idx + 1, line[idx:], not line[:idx].strip()))
    return out


def parse_comments(text: str, display: str, scan: _Scan | None = None) -> ParsedComments:
    result = ParsedComments([], [], {})
    if MARKER not in text.lower():
        return result
    scan = scan or _scan(text)
    result.starts = scan.starts
    for row, col, comment, standalone in scan.comments:
        match = _DIRECTIVE.search(comment)
        if match is None:
            other = _ANY_DIRECTIVE.search(comment)
            rest = (other.group("rest") or "").strip() if other else ""
            result.malformed.append(Finding(
                display, row, col, "SC901",
                f"unrecognised shapecheck comment {comment.strip()!r}: expected "
                "'# shapecheck: ignore[CODE,...]' or '# shapecheck: ignore-file[CODE,...]'" + (f" (got {rest!r})" if rest else ""),
                "warning",
            ))
            continue
        codes: tuple[str, ...] | None = None
        if match.group("codes") is not None:
            items = [c.strip().upper() for c in match.group("codes").split(",") if c.strip()]
            bad = [c for c in items if not SELECTOR_RE.match(c) or c == "ALL"]
            if bad or not items:
                result.malformed.append(Finding(
                    display, row, col, "SC901",
                    f"suppression {match.group(0)!r} names no valid rule code"
                    + (f": {', '.join(repr(b) for b in bad)}" if bad else "")
                    + " (write codes such as SC101 or prefixes such as SC1)",
                    "warning",
                ))
                continue
            codes = tuple(items)
        file_level = match.group("kind").lower() == "ignore-file"
        result.suppressions.append(Suppression(row, col, file_level, codes, standalone, match.group(0)))
    return result


def _match(parsed: ParsedComments, findings: list[Finding]) -> list[Finding]:
    """The findings no comment suppresses; marks what each suppression was used for."""
    by_line: dict[int, list[Suppression]] = {}
    file_level: list[Suppression] = []
    for s in parsed.suppressions:
        (file_level if s.file_level else by_line.setdefault(s.line, [])).append(s)
    standalone_lines = {s.line for s in parsed.suppressions if s.standalone and not s.file_level}

    starts = parsed.starts

    def candidates(line: int) -> list[int]:
        lines = [line]
        first = starts.get(line, line)
        if first != line:
            lines.append(first)
        for base in (line, first):
            if base - 1 in standalone_lines:
                lines.append(base - 1)
        return lines

    kept: list[Finding] = []
    for finding in findings:
        suppressed = False
        for s in file_level:
            selector = s.covers(finding.code)
            if selector is not None:
                s.used.add(selector)
                s.used_any = True
                suppressed = True
        for line in candidates(finding.line):
            for s in by_line.get(line, ()):
                selector = s.covers(finding.code)
                if selector is not None:
                    s.used.add(selector)
                    s.used_any = True
                    suppressed = True
        if not suppressed:
            kept.append(finding)

    return kept


def _idle(s: Suppression, is_enabled: Callable[[str], bool]) -> list[str] | None:
    """The codes of ``s`` that suppress nothing (None: the whole comment does), [] when all are used."""
    if s.codes is None:
        return None if not s.used_any and not s.file_level else []
    if code_matches("SC901", s.codes):
        return []
    return [c for c in s.codes if c not in s.used and is_enabled(c)]


def apply(
    findings: list[Finding],
    text: str,
    display: str,
    is_enabled: Callable[[str], bool],
    report_unused: bool,
) -> tuple[list[Finding], list[Finding]]:
    """(findings that stay, SC901 findings)."""
    parsed = parse_comments(text, display)
    if not parsed.suppressions:
        return findings, parsed.malformed if report_unused else []
    kept = _match(parsed, findings)

    unused: list[Finding] = []
    if report_unused:
        unused.extend(parsed.malformed)
        for s in parsed.suppressions:
            idle = _idle(s, is_enabled)
            if idle is None:
                unused.append(Finding(display, s.line, s.col, "SC901",
                                      f"unused suppression {s.text!r}: nothing is reported here", "warning"))
            elif idle:
                unused.append(Finding(display, s.line, s.col, "SC901",
                                      f"unused suppression {s.text!r}: {', '.join(idle)} "
                                      f"{'is' if len(idle) == 1 else 'are'} not reported here", "warning"))
        # SC901 itself is silenced by an ignore-file that covers it (bare, or naming SC901/SC9).
        if any(s.file_level and s.covers("SC901") for s in parsed.suppressions):
            unused = []
    return kept, unused


def without_unused(
    findings: list[Finding], text: str, display: str, is_enabled: Callable[[str], bool]
) -> tuple[str, int]:
    """(``text`` with the unused suppressions (SC901) removed or narrowed, how many were changed).

    ``findings`` are the file's findings before suppression. An ``ignore-file`` comment that
    silences SC901 is left alone, as are malformed comments (they need a person)."""
    parsed = parse_comments(text, display)
    if not parsed.suppressions:
        return text, 0
    _match(parsed, findings)
    if any(s.file_level and s.covers("SC901") for s in parsed.suppressions):
        return text, 0
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    changed = 0
    for s in sorted(parsed.suppressions, key=lambda s: (s.line, s.col), reverse=True):
        idle = _idle(s, is_enabled)
        if idle == []:
            continue
        kept = [c for c in s.codes or () if c not in (idle or ())]
        replacement = "" if idle is None or not kept else f"{s.text.split('[')[0]}[{','.join(kept)}]"
        line = lines[s.line - 1]
        body, ending = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")):]
        start = body.find(s.text, s.col - 1)
        if start < 0:
            continue
        rest = body[start + len(s.text):]
        if replacement:
            new = body[:start] + replacement + rest
        else:  # drop the directive; a comment after it stays, two spaces after the code
            new = body[:start].rstrip() + (("  " if body[:start].strip() else body[:start]) + rest.strip() if rest.strip() else "")
        if not new.strip() and s.standalone:
            drop.add(s.line - 1)
        lines[s.line - 1] = new + ending
        changed += 1
    return "".join(l for i, l in enumerate(lines) if i not in drop), changed


def with_suppressions(text: str, codes_by_line: dict[int, set[str]]) -> tuple[str, int]:
    """(``text`` with ``# shapecheck: ignore[...]`` for the given codes on the given lines, how many
    comments were added or extended). An existing directive on the line gets the codes added; a
    line that ends inside a multi-line string gets the comment on its own line above the statement."""
    scan = _scan(text)
    parsed = parse_comments(text, "", scan)
    existing = {s.line: s for s in parsed.suppressions if not s.file_level}
    inside, starts = scan.inside_strings, scan.starts
    lines = text.splitlines(keepends=True)
    above: dict[int, set[str]] = {}
    added = 0
    for number, codes in sorted(codes_by_line.items()):
        if number < 1 or number > len(lines):
            continue
        if number in inside:
            above.setdefault(starts.get(number, number), set()).update(codes)
            continue
        line = lines[number - 1]
        body, ending = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")):] or "\n"
        s = existing.get(number)
        if s is not None and s.codes is None:
            continue  # a bare ignore already covers everything
        if s is not None:
            merged = ",".join(sorted({*(s.codes or ()), *codes}))
            start = body.find(s.text, s.col - 1)
            body = body[:start] + f"{s.text.split('[')[0]}[{merged}]" + body[start + len(s.text):]
        else:
            body = f"{body}  # shapecheck: ignore[{','.join(sorted(codes))}]"
        lines[number - 1] = body + ending
        added += 1
    for first in sorted(above, reverse=True):
        target = lines[first - 1]
        indent = target[: len(target) - len(target.lstrip())]
        lines.insert(first - 1, f"{indent}# shapecheck: ignore[{','.join(sorted(above[first]))}]\n")
        added += 1
    return "".join(lines), added
