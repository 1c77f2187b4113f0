"""The analyser's own trees lint clean: ptycho_core (the reference user) and shapecheck itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from shapecheck.static.api import AnalysisError, KnowledgePacks, build_project, check_module, summarise_module

ROOT = Path(__file__).resolve().parents[2]


def _lint_tree(roots: list[Path], packs: KnowledgePacks) -> tuple[int, list[str]]:
    files = sorted(p for r in roots for p in r.rglob("*.py") if "_rules" not in p.parts)
    sources = {p: p.read_text(encoding="utf-8") for p in files}
    summaries = []
    problems: list[str] = []
    for p, s in sources.items():
        try:
            summaries.append(summarise_module(p, s, packs))
        except AnalysisError as exc:
            problems.append(f"{exc}")
    project = build_project(summaries, packs)
    for p, s in sources.items():
        for f in check_module(p, s, project, packs):
            problems.append(f"{f.path}:{f.line}:{f.col}: {f.code} {f.message}")
    return len(files), problems


@pytest.mark.parametrize("tree", ["ptycho_core", "shapecheck"])
def test_tree_lints_clean(tree: str, packs: KnowledgePacks) -> None:
    root = ROOT / tree
    if not any(root.rglob("*.py")):
        pytest.skip(f"{tree}/ has no Python files yet")
    n, problems = _lint_tree([root], packs)
    assert n > 5
    assert problems == [], "\n".join(problems)


def test_ptycho_core_contracts_are_seen(packs: KnowledgePacks) -> None:
    """Guard against a vacuous pass: the reference user does carry contracts the analyser reads."""
    files = sorted((ROOT / "ptycho_core").rglob("*.py"))
    if not files:
        pytest.skip("ptycho_core/ has no Python files yet")
    contracted = 0
    for p in files:
        summary = summarise_module(p, p.read_text(encoding="utf-8"), packs)
        contracted += sum(1 for info in summary.functions.values() if info.has_contract)
    assert contracted >= 5
