"""Helpers for the CLI tests: tiny projects in tmp_path and the CLI run as a subprocess."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# One finding of each kind the analyser reports without TensorFlow knowledge: a malformed
# contract (SC004, error) and a hard-wired jit_compile=True (SC303, warning).
BAD_CONTRACT = '''\
from typing import Annotated

import tensorflow as tf

from shapecheck import Shape


def f(x: Annotated[tf.Tensor, Shape("B (")]) -> tf.Tensor:
    return x
'''
HARDWIRED_JIT = '''\
import tensorflow as tf


@tf.function(jit_compile=True)
def step(x):
    return x * 2.0
'''
# A contracted translate and channel->flat pair, the setting of seed bug 002.
TRANSLATE_LIB = '''\
from typing import Annotated

import tensorflow as tf

from shapecheck import Shape


def translate(
    images: Annotated[tf.Tensor, Shape("N H W 1")], offsets: Annotated[tf.Tensor, Shape("N 2")]
) -> Annotated[tf.Tensor, Shape("N H W 1")]:
    return images


def channel_to_flat(x: Annotated[tf.Tensor, Shape("B H W C")]) -> Annotated[tf.Tensor, Shape("B*C H W 1")]:
    b, h, w, c = tf.unstack(tf.shape(x))
    return tf.reshape(tf.transpose(x, (0, 3, 1, 2)), (b * c, h, w, 1))
'''
CLEAN = '''\
def add(a: int, b: int) -> int:
    return a + b
'''


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@lru_cache(maxsize=1)
def code_snapshot() -> Path:
    """A frozen copy of ``shapecheck/`` and ``rules/`` for the subprocess runs of one session.

    The cache key includes the analyser's own files; in a checkout shared with other
    engineers they may change between two runs of one test, which would turn an expected
    cache hit into a miss. A copy taken once per session cannot change under the tests.
    """
    target = Path(tempfile.mkdtemp(prefix="shapecheck-code-"))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "shapecheck", target / "shapecheck", ignore=ignore)
    shutil.copytree(REPO / "rules", target / "rules", ignore=ignore)
    atexit.register(shutil.rmtree, target, True)
    return target


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 240, stdin: str | None = None
) -> Result:
    """``python -m shapecheck.cli ARGS`` in ``cwd``, running this checkout's code (frozen copy)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "SHAPECHECK_MODE")}
    full_env["PYTHONPATH"] = str(code_snapshot()) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "shapecheck.cli", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, input=stdin,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_no_traceback(result: Result) -> None:
    assert "Traceback (most recent call last)" not in result.output, result.output


def make_project(root: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    """A project at ``root``: ``pyproject.toml`` with ``[tool.shapecheck]`` + ``config``, and ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.shapecheck]\n" + config, encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root
