"""Output formats: ``text`` (default, with source excerpts), ``concise``, ``json``, ``json-lines``,
``sarif``, ``github``, ``gitlab``, ``junit``, ``pylint``."""

from __future__ import annotations

from collections.abc import Callable

from shapecheck.cli.reporters.base import Report

FORMATS = ("text", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "pylint")


def render(fmt: str, report: Report) -> str:
    renderers: dict[str, Callable[[Report], str]]
    if fmt in ("text", "concise"):
        from shapecheck.cli.reporters.text import render_concise, render_text

        renderers = {"text": render_text, "concise": render_concise}
    elif fmt in ("json", "json-lines"):
        from shapecheck.cli.reporters.json_report import render_json, render_json_lines

        renderers = {"json": render_json, "json-lines": render_json_lines}
    elif fmt == "sarif":
        from shapecheck.cli.reporters.sarif import render_sarif

        renderers = {"sarif": render_sarif}
    elif fmt == "github":
        from shapecheck.cli.reporters.github import render_github

        renderers = {"github": render_github}
    elif fmt == "gitlab":
        from shapecheck.cli.reporters.gitlab import render_gitlab

        renderers = {"gitlab": render_gitlab}
    elif fmt == "junit":
        from shapecheck.cli.reporters.junit import render_junit

        renderers = {"junit": render_junit}
    elif fmt == "pylint":
        from shapecheck.cli.reporters.pylint import render_pylint

        renderers = {"pylint": render_pylint}
    else:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return writable(renderers[fmt](report), fmt)


def writable(text: str, fmt: str) -> str:
    """``text`` that encodes as UTF-8 whatever the file names in it.

    A file name that is not valid UTF-8 reaches Python as lone surrogates (``\\udcff``);
    machine-readable formats keep it exactly, as a ``\\udcff`` escape (a valid JSON
    escape that decodes back to the same name); text for people shows U+FFFD instead."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        if fmt in ("text", "concise", "github", "pylint"):
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
