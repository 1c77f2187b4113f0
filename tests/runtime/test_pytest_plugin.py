"""The pytest plugin: --shapecheck-mode sets the mode (and SHAPECHECK_MODE) for a session."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

INNER_TEST = '''
import os, sys
import shapecheck

def test_mode():
    assert shapecheck.get_mode() == os.environ["EXPECTED_MODE"]
    assert os.environ.get("SHAPECHECK_MODE") == os.environ["EXPECTED_ENV"]

def test_no_tensorflow_imported():
    assert "tensorflow" not in sys.modules
'''


def _plugin_installed() -> bool:
    return any(ep.value == "shapecheck.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11"))


def _run(tmp_path: Path, *options: str, expected_mode: str, expected_env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    plugin = [] if _plugin_installed() else ["-p", "shapecheck.pytest_plugin"]
    env = {k: v for k, v in os.environ.items() if k != "SHAPECHECK_MODE"}
    env.update(PYTHONPATH=str(ROOT), EXPECTED_MODE=expected_mode, EXPECTED_ENV=expected_env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", *plugin, *options, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


@pytest.mark.parametrize("mode", ["off", "strict"])
def test_option_sets_the_session_mode(tmp_path: Path, mode: str) -> None:
    proc = _run(tmp_path, "--shapecheck-mode", mode, expected_mode=mode, expected_env=mode)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"shapecheck: runtime mode {mode}" in proc.stdout


def test_without_the_option_nothing_changes(tmp_path: Path) -> None:
    proc = _run(tmp_path, expected_mode="trace", expected_env="")
    assert proc.returncode != 0  # SHAPECHECK_MODE stays unset: the inner env assertion fails
    assert "test_no_tensorflow_imported PASSED" in proc.stdout and "test_mode FAILED" in proc.stdout


def test_bad_choice_is_a_usage_error(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--shapecheck-mode", "loud", expected_mode="trace", expected_env="")
    assert proc.returncode == 4
    assert "invalid choice" in proc.stderr
