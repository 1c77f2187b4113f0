"""Shared helpers for the static analyser's tests: analyse source text as one-file projects."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from shapecheck.findings import Finding
from shapecheck.static.api import AnalysisError, KnowledgePacks, build_project, check_module, explain_module, load_packs, summarise_module


@pytest.fixture(scope="session")
def packs() -> KnowledgePacks:
    return load_packs()


@pytest.fixture
def lint(packs: KnowledgePacks, tmp_path: Path) -> Callable[..., list[Finding]]:
    """``lint(source)`` or ``lint({"pkg/mod.py": source, ...})`` → findings of the first file (or all)."""

    def run(sources: str | dict[str, str], all_files: bool = False) -> list[Finding]:
        files = {"mod.py": sources} if isinstance(sources, str) else sources
        paths: dict[str, str] = {}
        for rel, text in files.items():
            p = tmp_path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            paths[str(p)] = text
        summaries = []
        unreadable: set[str] = set()
        for p, t in paths.items():
            try:  # as the CLI does: an unreadable file is its own error, the others go on
                summaries.append(summarise_module(p, t, packs))
            except AnalysisError:
                unreadable.add(p)
        project = build_project(summaries, packs)
        out: list[Finding] = []
        for i, (p, t) in enumerate(paths.items()):
            if (i == 0 or all_files) and p not in unreadable:
                out.extend(check_module(p, t, project, packs))
        return out

    return run


@pytest.fixture
def explain(packs: KnowledgePacks, tmp_path: Path) -> Callable[..., str]:
    def run(source: str, function: str | None = None) -> str:
        p = tmp_path / "mod.py"
        p.write_text(source)
        project = build_project([summarise_module(p, source, packs)], packs)
        return explain_module(p, source, function, project, packs)

    return run


def shapes_of(text: str) -> dict[str, str]:
    """``x = ...    # (B, 2)`` lines of an explain output → {"x": "(B, 2)"}."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        code, sep, note = line.rpartition("    # ")
        if not sep or "=" not in code:
            continue
        target = code.split("=")[0].strip()
        out[target] = note.strip()
    return out


def codes(findings: list[Finding]) -> list[tuple[int, str]]:
    return sorted((f.line, f.code) for f in findings)
