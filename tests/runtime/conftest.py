"""Shared helpers for the runtime checker tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import shapecheck


@pytest.fixture(autouse=True)
def _restore_mode() -> Iterator[None]:
    """Each test starts and ends in trace mode, whatever it switched to."""
    before = shapecheck.get_mode()
    shapecheck.set_mode("trace")
    yield
    shapecheck.set_mode(before)
