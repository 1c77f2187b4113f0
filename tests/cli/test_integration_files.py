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
    tests = workflow["jobs"]["tests-strict"]
    assert any(s.get("env", {}).get("SHAPECHECK_MODE") == "strict" and "pytest" in s.get("run", "")
               for s in tests["steps"])


def test_ci_example_is_usable_in_another_repository() -> None:
    """It installs shapecheck by distribution name from a source, never the user's checkout,
    and runs nothing that exists only in this repository (issue 11)."""
    from packaging.requirements import Requirement

    text = (REPO / "examples" / "ci" / "shapecheck-lint.yml").read_text()
    workflow = yaml.safe_load(text)
    lines = _run_lines(workflow)
    installs = [l for l in lines if "pip install" in l and "requirements.txt" not in l]
    assert installs and not any(l.rstrip().endswith(("install .", 'install ".[core]"')) for l in installs)
    source = workflow["env"]["SHAPECHECK_SOURCE"]
    for line in installs:
        spec = shlex.split(line.replace("$SHAPECHECK_SOURCE", source))[4]
        requirement = Requirement(spec)
        assert requirement.name == "tf-shapecheck" and requirement.url == source
    for banned in ("ptycho_core", "examples/", "seed_bugs", ".ci/"):
        assert banned not in text
