"""Shared fixtures for the runtime checker tests.

These tests are about the checker itself, so they run in ``trace`` mode whatever
``--shapecheck-mode`` or ``SHAPECHECK_MODE`` chose for the session: module-level
``@check`` decorations are made in trace mode (at import), and every test starts in trace
mode; the session's mode is restored afterwards.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

import shapecheck


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, None, None]:
    if not isinstance(collector, pytest.Module):
        yield
        return
    previous = shapecheck.get_mode()
    shapecheck.set_mode("trace")  # importing the test module decorates its functions
    try:
        yield
    finally:
        shapecheck.set_mode(previous)


@pytest.fixture(autouse=True)
def _trace_mode() -> Iterator[None]:
    before = shapecheck.get_mode()
    shapecheck.set_mode("trace")
    yield
    shapecheck.set_mode(before)
