"""The built wheel, installed into a fresh virtualenv: the linter alone (libcst), no ptycho_core,
no TensorFlow, and a working ``shapecheck check``; an editable install of the checkout still
imports ptycho_core. Slow: builds the wheel and installs libcst from the package index."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from .helpers import HARDWIRED_JIT, REPO, make_project

pytestmark = pytest.mark.slow

FIND = "import importlib.util as u, sys; print(' '.join(str(u.find_spec(m) is not None) for m in sys.argv[1:]))"


def _venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(where)
    return where / "bin" / "python"


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_wheel_in_a_fresh_venv_is_the_linter_alone(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)], tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("*.whl")
    from shapecheck import __version__

    assert wheel.name.startswith(f"tf_shapecheck-{__version__}-")  # the version is shapecheck.__version__
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"shapecheck", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}, tops

    python = _venv(tmp_path / "venv")
    installed = _run([str(python), "-m", "pip", "install", "-q", str(wheel)], tmp_path)
    assert installed.returncode == 0, installed.stderr
    found = _run([str(python), "-c", FIND, "shapecheck", "libcst", "ptycho_core", "tensorflow", "numpy"], tmp_path)
    assert found.stdout.split() == ["True", "True", "False", "False", "False"], found.stdout + found.stderr

    project = make_project(tmp_path / "proj", {"step.py": HARDWIRED_JIT})
    shapecheck = python.parent / "shapecheck"
    r = _run([str(shapecheck), "check", "--concise"], project)
    assert r.returncode == 1 and "step.py:4:26: SC303" in r.stdout, r.stdout + r.stderr
    rule = _run([str(shapecheck), "rule", "SC303"], project)
    assert rule.returncode == 0 and "SC303" in rule.stdout


def test_editable_install_of_the_checkout_imports_ptycho_core(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    installed = _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(REPO)], tmp_path)
    assert installed.returncode == 0, installed.stderr
    found = _run([str(python), "-c", FIND, "shapecheck", "ptycho_core"], tmp_path)
    assert found.stdout.split() == ["True", "True"], found.stdout + found.stderr
