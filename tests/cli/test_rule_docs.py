"""docs/rules/ is the catalogue rendered, and SARIF links every rule to its page."""

from __future__ import annotations

import json
import tomllib

from shapecheck.cli.catalogue import RULE_DOCS_URL, load_catalogue
from shapecheck.cli.rule_docs import pages

from .helpers import HARDWIRED_JIT, REPO, make_project, run_cli


def test_rule_pages_are_up_to_date() -> None:
    directory = REPO / "docs" / "rules"
    expected = pages()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in directory.glob("*.md")}
    stale = sorted(n for n in set(expected) | set(on_disk) if expected.get(n) != on_disk.get(n))
    assert not stale, f"docs/rules is out of date for {stale}: run python3 -m shapecheck.cli.rule_docs docs/rules"
    assert set(load_catalogue()[0]) <= {n.removesuffix(".md") for n in on_disk}


def test_docs_url_matches_the_project_urls() -> None:
    urls = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert RULE_DOCS_URL.format(code="README") == urls["Rules"]
    assert RULE_DOCS_URL.startswith(urls["Repository"] + "/blob/main/docs/rules/")


def test_sarif_rules_carry_help_uri(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "p", {"step.py": HARDWIRED_JIT})
    r = run_cli(["check", "--output-format", "sarif"], root)
    (rule,) = json.loads(r.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert rule["helpUri"] == RULE_DOCS_URL.format(code="SC303")
    assert rule["help"]["markdown"].startswith("# SC303 hardwired-jit-compile")
