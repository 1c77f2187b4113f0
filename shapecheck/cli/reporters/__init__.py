"""Output formats: ``text`` (default, with source excerpts), ``concise``, ``json``, ``sarif``, ``github``."""

from __future__ import annotations

from collections.abc import Callable

from shapecheck.cli.reporters.base import Report

FORMATS = ("text", "concise", "json", "sarif", "github")


def render(fmt: str, report: Report) -> str:
    renderers: dict[str, Callable[[Report], str]]
    if fmt in ("text", "concise"):
        from shapecheck.cli.reporters.text import render_concise, render_text

        renderers = {"text": render_text, "concise": render_concise}
    elif fmt == "json":
        from shapecheck.cli.reporters.json_report import render_json

        renderers = {"json": render_json}
    elif fmt == "sarif":
        from shapecheck.cli.reporters.sarif import render_sarif

        renderers = {"sarif": render_sarif}
    elif fmt == "github":
        from shapecheck.cli.reporters.github import render_github

        renderers = {"github": render_github}
    else:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderers[fmt](report)
