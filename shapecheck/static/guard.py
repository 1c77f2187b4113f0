"""A cheap token-level guard run before libcst parses a file (no second parse).

libcst's native parser recurses once per nesting level: a left-deep chain of thousands of
binary operators segfaults it, 2,000 terms take seconds, and a 400 kB list literal takes
many seconds. CPython's own tokenizer also refuses more than 200 nested brackets and 100
indentation levels, which libcst would accept. One regular-expression scan over the text
(strings and comments skipped; about 2% of the time libcst takes to parse the same files)
measures, per logical line, the bracket depth, the length of operator chains at each depth,
and the line's size, and refuses what the parser cannot take safely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_FILE_CHARS = 8_000_000  # a whole file
MAX_EXPRESSION_CHARS = 100_000  # one logical line (a statement, or a header)
MAX_EXPRESSION_TOKENS = 2_000  # ... unless it is a few tokens (one huge string literal is cheap)
MAX_EXPRESSION_DEPTH = 300  # brackets plus operator chains inside one expression
MAX_BRACKETS = 200  # CPython's tokenizer limit ("too many nested parentheses")
MAX_INDENT_LEVELS = 100  # CPython's tokenizer limit ("too many levels of indentation"): the 100th level is refused

_TOKEN = re.compile(
    r"""
      (?P<skip>\#[^\n]*|\\\r?\n)
    | (?P<string>[rRbBuUfF]{0,2}(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
    | (?P<newline>\n[ \t\f]*)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<sep>\*\*=|//=|<<=|>>=|[-+*/%@&|^]=|==|!=|<=|>=|->|:=|[,;:=<>])
    | (?P<op>\*\*|//|<<|>>|[-+*/%@&|^~.]|\b(?:and|or|not|if|else|await)\b)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class GuardProblem:
    """Why a file is refused: ``code`` SC001 (CPython refuses it too) or SC003 (too big/deep)."""

    code: str
    line: int
    col: int
    message: str


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@dataclass
class TokenScan:
    """What the scan saw on the way, for the line index (``lines.py``) that builds on it."""

    logical_lines: list[int] = field(default_factory=list)  # offset where each logical line starts (not blank/comment-only)
    literals: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of every string and comment


def check_source(text: str, scan: TokenScan | None = None) -> GuardProblem | None:
    """None when libcst can safely parse ``text``; else what is wrong and where.

    ``scan``, when given, is filled with the logical lines and the strings and comments met."""
    logical_lines = scan.logical_lines if scan is not None else None
    literals = scan.literals if scan is not None else None
    if len(text) > MAX_FILE_CHARS:
        return GuardProblem("SC003", 1, 1, f"file of {len(text):,} characters is too large to analyse (limit {MAX_FILE_CHARS:,})")
    chains = [0]  # operator-chain length at each open bracket level
    depth_total = 0  # sum(chains) + bracket level, kept incrementally
    line_start = 0
    line_tokens = 0
    indents = [0]
    if logical_lines is not None and text and text[0] not in "\n\r#":
        logical_lines.append(0)
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "skip":
            if literals is not None and text[m.start()] == "#":
                literals.append(m.span())
            continue
        if kind == "string" and literals is not None:
            literals.append(m.span())
        line_tokens += 1
        if kind == "op":
            chains[-1] += 1
            depth_total += 1
            if depth_total > MAX_EXPRESSION_DEPTH:
                return _too_deep(text, line_start)
        elif kind == "sep":
            depth_total -= chains[-1]
            chains[-1] = 0
        elif kind == "open":
            chains.append(0)
            depth_total += 1
            if len(chains) - 1 > MAX_BRACKETS:
                line, col = _line_col(text, m.start())
                return GuardProblem("SC001", line, col, "syntax error: too many nested parentheses")
            if depth_total > MAX_EXPRESSION_DEPTH:
                return _too_deep(text, line_start)
        elif kind == "close":
            if len(chains) > 1:
                depth_total -= chains.pop() + 1
        elif kind == "newline" and len(chains) == 1:
            if m.start() - line_start > MAX_EXPRESSION_CHARS and line_tokens > MAX_EXPRESSION_TOKENS:
                return _too_large(text, line_start, m.start())
            depth_total = 0
            chains[0] = 0
            line_tokens = 0
            line_start = m.end()
            problem = _indent(m.group("newline"), text, m.end(), indents)
            if problem is not None:
                return problem
            if logical_lines is not None and m.end() < len(text) and text[m.end()] not in "\n\r#":
                logical_lines.append(m.end())
    if len(text) - line_start > MAX_EXPRESSION_CHARS and line_tokens > MAX_EXPRESSION_TOKENS:
        return _too_large(text, line_start, len(text))
    return None


def _too_deep(text: str, line_start: int) -> GuardProblem:
    line, col = _line_col(text, line_start)
    return GuardProblem(
        "SC003", line, col,
        f"expression at line {line} nests more than {MAX_EXPRESSION_DEPTH} levels deep (e.g. a long chain of "
        "binary operators); too deep to analyse, the file was not checked")


def _too_large(text: str, line_start: int, end: int) -> GuardProblem:
    line, col = _line_col(text, line_start)
    return GuardProblem(
        "SC003", line, col,
        f"expression of {end - line_start:,} characters at line {line} is too large to analyse "
        f"(limit {MAX_EXPRESSION_CHARS:,}); the file was not checked")


def _indent(newline: str, text: str, at: int, indents: list[int]) -> GuardProblem | None:
    """Track indentation levels at the start of a logical line (blank and comment lines do not count)."""
    if at >= len(text) or text[at] in "\n\r#":
        return None
    width = len(newline) - 1 - newline.rfind("\f") if "\f" in newline else len(newline.expandtabs(8)) - 1
    while indents and width < indents[-1]:
        indents.pop()
    if not indents or width > indents[-1]:
        indents.append(width)
        if len(indents) - 1 >= MAX_INDENT_LEVELS:
            line, col = _line_col(text, at)
            return GuardProblem("SC001", line, col, "syntax error: too many levels of indentation")
    return None
