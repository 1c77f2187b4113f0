"""Fixtures for the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import BAD_CONTRACT, CLEAN, HARDWIRED_JIT, make_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj", {"pkg/__init__.py": "", "pkg/bad.py": BAD_CONTRACT,
                                            "pkg/jit.py": HARDWIRED_JIT, "pkg/clean.py": CLEAN})
