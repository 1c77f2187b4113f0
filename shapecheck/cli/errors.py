"""Errors that end a run with exit code 2 and a one-line explanation (no traceback)."""

from __future__ import annotations


class UsageError(Exception):
    """Bad command-line input: unknown rule selector, missing path, bad option value."""


class ConfigError(UsageError):
    """A bad ``[tool.shapecheck]`` table; the message names the file and the key."""
