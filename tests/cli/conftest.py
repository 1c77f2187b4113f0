"""Fixtures for the CLI tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from .helpers import BAD_CONTRACT, CLEAN, HARDWIRED_JIT, make_project

# Property tests explore randomly on a developer's machine and replay a fixed set in CI.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj", {"pkg/__init__.py": "", "pkg/bad.py": BAD_CONTRACT,
                                            "pkg/jit.py": HARDWIRED_JIT, "pkg/clean.py": CLEAN})
