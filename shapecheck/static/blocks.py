"""The statement blocks inside a compound statement: the one place that knows libcst's suite shapes.

Every walker that enters ``if``/``elif``/``else``, loops, ``with``, ``try``/``except*``/``finally``
and ``match`` cases goes through :func:`child_blocks`, so a new kind of compound statement is
handled everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst


def _suite_statements(suite: object) -> Sequence[cst.CSTNode]:
    """The statements of a suite: an indented block's lines, or a one-line suite's small statements."""
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    if isinstance(suite, cst.SimpleStatementSuite):
        return suite.body
    return ()


def child_blocks(stmt: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    """The statement sequences directly inside ``stmt`` (empty for simple statements and definitions).

    In the order of the text (a ``try``'s handlers before its ``else``); an ``elif`` chain is
    flattened: the body of every branch is given in order.
    """
    if isinstance(stmt, cst.Match):
        for case in stmt.cases:
            yield _suite_statements(case.body)
        return
    if not isinstance(stmt, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar)):
        return
    yield _suite_statements(stmt.body)
    for handler in getattr(stmt, "handlers", ()) or ():  # before a try's ``else``, as in the text
        yield _suite_statements(handler.body)
    orelse = getattr(stmt, "orelse", None)
    while orelse is not None:
        yield _suite_statements(orelse.body)
        orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    final = getattr(stmt, "finalbody", None)
    if final is not None:
        yield _suite_statements(final.body)
