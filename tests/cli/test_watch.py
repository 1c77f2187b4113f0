"""``shapecheck check --watch`` re-checks when a file changes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .helpers import CLEAN, HARDWIRED_JIT, code_snapshot, make_project


def _wait_for(proc: subprocess.Popen[str], lines: list[str], needle: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if line:
            lines.append(line)
            if needle in line:
                return
        elif proc.poll() is not None:
            break
    raise AssertionError(f"{needle!r} never appeared: {''.join(lines)}")


def test_watch_rechecks_a_changed_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"m.py": CLEAN})
    env = {**os.environ, "PYTHONPATH": str(code_snapshot()), "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "shapecheck.cli", "check", "--watch", "--concise"], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    try:
        _wait_for(proc, lines, "All checks passed!")
        time.sleep(1.1)  # a new mtime even on coarse file systems
        (root / "m.py").write_text(HARDWIRED_JIT)
        _wait_for(proc, lines, "m.py:4:26: SC303")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    assert code == 130
