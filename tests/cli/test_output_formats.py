"""The output formats Ruff users reach for: json-lines, junit, gitlab (Code Quality), pylint."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .helpers import BAD_CONTRACT, CLEAN, HARDWIRED_JIT, make_project, run_cli


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("formats") / "p",
                        {"pkg/bad.py": BAD_CONTRACT, "pkg/jit.py": HARDWIRED_JIT, "pkg/clean.py": CLEAN})


def _json(project: Path) -> list[dict[str, object]]:
    return json.loads(run_cli(["check", "--output-format", "json"], project).stdout)


def test_json_lines_is_the_json_report_one_object_a_line(project: Path) -> None:
    r = run_cli(["check", "--output-format", "json-lines"], project)
    assert r.returncode == 1
    assert [json.loads(line) for line in r.stdout.splitlines()] == _json(project)


def test_pylint(project: Path) -> None:
    r = run_cli(["check", "--output-format", "pylint"], project)
    lines = r.stdout.splitlines()
    assert lines == [f"{f['path']}:{f['line']}: [{f['code']}] {f['message']}" for f in _json(project)]


def test_gitlab_code_quality(project: Path) -> None:
    issues = json.loads(run_cli(["check", "--output-format", "gitlab"], project / "pkg").stdout)
    expected = _json(project)
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues] == [
        (f["code"], f["path"], f["line"]) for f in expected]  # paths relative to the project root, from anywhere
    assert {i["severity"] for i in issues} == {"major", "minor"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_junit(project: Path, tmp_path: Path) -> None:
    root = ET.fromstring(run_cli(["check", "--output-format", "junit"], project).stdout)
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("classname"), c.find("failure").get("type")) for c in cases] == [  # type: ignore[union-attr]
        (f["path"], f["code"]) for f in _json(project)]
    clean = make_project(tmp_path / "clean", {"m.py": CLEAN})
    r = run_cli(["check", "--output-format", "junit"], clean)
    assert r.returncode == 0 and ET.fromstring(r.stdout).get("tests") == "1"
