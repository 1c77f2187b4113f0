"""The hook definition and the CI example are well formed and use options the CLI accepts."""

from __future__ import annotations

import shlex

import yaml

from shapecheck.cli.main import build_parser

from .helpers import REPO


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list) and len(hooks) == 1
    hook = hooks[0]
    assert hook["id"] == "shapecheck" and hook["language"] == "python"
    assert hook["types"] == ["python"] and hook["entry"] == "shapecheck check"
    assert "additional_dependencies" not in hook  # the base distribution needs only libcst


def _run_lines(workflow: dict) -> list[str]:
    lines = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            lines.extend(l.strip() for l in str(step.get("run", "")).splitlines() if l.strip())
    return lines


def test_ci_example_runs_sarif_and_uploads_it() -> None:
    workflow = yaml.safe_load((REPO / "examples" / "ci" / "shapecheck-lint.yml").read_text())
    lint = workflow["jobs"]["lint"]
    assert lint["permissions"]["security-events"] == "write"
    uses = [s.get("uses", "") for s in lint["steps"]]
    upload = next(s for s in lint["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == "shapecheck.sarif"
    assert any(u.startswith("actions/checkout") for u in uses)
    commands = [l for l in _run_lines(workflow) if l.startswith("shapecheck ")]
    assert "shapecheck check --output-format sarif -o shapecheck.sarif" in commands
    assert "shapecheck check --output-format github" in commands
    parser = build_parser()
    for command in commands:  # every command line in the example parses
        args = parser.parse_args(shlex.split(command)[1:])
        assert args.command == "check"
    train = workflow["jobs"]["train-strict"]
    assert any(s.get("env", {}).get("SHAPECHECK_MODE") == "strict" and "ptycho_core.train" in s.get("run", "")
               for s in train["steps"])
    readme = (REPO / "examples" / "ci" / "README.md").read_text()
    assert "SHAPECHECK_MODE=strict python -m ptycho_core.train" in readme
