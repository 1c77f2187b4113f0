"""Positions of nodes without regenerating the whole module.

libcst's ``PositionProvider`` regenerates the code of the whole module (0.7x to 2x the parse
of a file) to place a handful of findings. Here only the top-level statement that holds the
node is regenerated, with libcst's own position-recording codegen state started at that
statement's line. Where each top-level statement's first token is comes from the guard's
token scan (its logical lines at indentation 0, ``else``/``except``/... clauses and stacked
decorators folded into their statement); when the scan and the tree disagree on how many
top-level statements there are, every position comes from ``PositionProvider`` instead.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from shapecheck.static.guard import TokenScan

_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")


def _statement_lines(text: str, scan: TokenScan) -> list[int]:
    """1-based line of the first token of each top-level statement, in order."""
    out: list[int] = []
    line, counted_to = 1, 0
    in_decorators = False
    for offset in scan.logical_lines:
        if offset != 0 and text[offset - 1] not in "\n\r":
            continue  # indented (or after a form feed): inside a statement
        line += text.count("\n", counted_to, offset)
        counted_to = offset
        if _CLAUSE.match(text, offset):
            continue
        if not in_decorators:
            out.append(line)
        in_decorators = text.startswith("@", offset)
    return out


class _Recorder:
    """What the codegen state records into (it expects a provider's ``_computed``)."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = {}


class NodePositions:
    """``get(node) -> CodeRange | None``, generating only the statement that holds ``node``."""

    def __init__(self, module: cst.Module, wrapper: MetadataWrapper, text: str, scan: TokenScan) -> None:
        self.module = module
        self.wrapper = wrapper
        lines = _statement_lines(text, scan)
        self.lines: list[int] | None = lines if len(lines) == len(module.body) else None
        self.full: Any = None  # PositionProvider's table, when the scan cannot be used
        self.recorded = _Recorder()
        self.owner: dict[int, int] = {}  # id(node) -> index of its top-level statement
        self.mapped = 0  # statements whose nodes are in ``owner``
        self.generated: set[int] = set()

    def _index_of(self, node: cst.CSTNode) -> int | None:
        from shapecheck.static.xla.walk import children  # the read-only walker (xla imports this module's users)

        index = self.owner.get(id(node))
        while index is None and self.mapped < len(self.module.body):
            k = self.mapped
            self.mapped += 1
            stack: list[cst.CSTNode] = [self.module.body[k]]
            while stack:
                cur = stack.pop()
                self.owner[id(cur)] = k
                stack.extend(children(cur))
            index = self.owner.get(id(node))
        return index

    def _generate(self, index: int) -> None:
        assert self.lines is not None
        stmt = self.module.body[index]
        before = len(stmt.leading_lines)
        decorators = getattr(stmt, "decorators", ())
        if decorators:
            before += len(decorators[0].leading_lines)
        state = PositionProvidingCodegenState(
            default_indent=self.module.default_indent, default_newline=self.module.default_newline,
            provider=self.recorded,  # type: ignore[arg-type]
        )
        state.line = self.lines[index] - before
        stmt._codegen(state)
        self.generated.add(index)

    def get(self, node: cst.CSTNode) -> CodeRange | None:
        if self.full is not None:
            return self.full.get(node)
        hit = self.recorded._computed.get(node)
        if hit is not None:
            return hit
        index = self._index_of(node) if self.lines is not None else None
        if index is None:
            if self.lines is not None and isinstance(node, cst.Module):
                return None
            self.full = self.wrapper.resolve(PositionProvider)
            return self.full.get(node)
        if index not in self.generated:
            self._generate(index)
        return self.recorded._computed.get(node)
