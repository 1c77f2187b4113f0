"""Issue 11, defects 6, 7 and 8: reports that are lost or lie, ``env``, and small CLI defects."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .helpers import CLEAN, HARDWIRED_JIT, assert_no_traceback, code_snapshot, make_project, run_cli

BAD_NAME = os.fsdecode(b"bad\xffname.py")


def _concise_locations(stdout: str) -> list[str]:
    return [line.split(" ")[0] for line in stdout.splitlines() if " SC" in line]


# -- defect 7: a report is lost or a run lies ------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_file_name_that_is_not_utf8_keeps_the_report(tmp_path: Path, fmt: str) -> None:
    root = make_project(tmp_path / "p", {"ok.py": CLEAN})
    try:
        (root / BAD_NAME).write_text(HARDWIRED_JIT)
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system refuses names that are not UTF-8")
    r = run_cli(["check", "--output-format", fmt, "-o", "out." + fmt], root)
    assert_no_traceback(r)
    assert r.returncode == 1, r.output
    document = json.loads((root / ("out." + fmt)).read_text(encoding="utf-8"))
    if fmt == "json":
        assert [f["path"] for f in document] == [BAD_NAME]  # the exact name, through a JSON escape
    else:
        uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "bad%FFname.py"
    text = run_cli(["check", "--concise"], root)
    assert text.returncode == 1 and "bad\ufffdname.py:4:26: SC303" in text.stdout, text.output


def test_sarif_reports_a_symlink_loop_like_json(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"ok.py": CLEAN})
    os.symlink("loop_b", root / "loop_a")
    os.symlink("loop_a", root / "loop_b")
    for fmt in ("json", "sarif"):
        r = run_cli(["check", "--output-format", fmt, "loop_a", "."], root)
        assert_no_traceback(r)
        assert r.returncode == 1 and "symlink loop" in r.stdout, (fmt, r.output)
        assert r.stdout.count("loop_a -> loop_b") == 1  # named and walked: reported once


def test_internal_error_never_prints_all_checks_passed(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"boom.py": CLEAN})
    # The analyser itself fails on this file, in a real subprocess, through a sitecustomize hook.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "from shapecheck.static import api\n"
        "def _boom(*a, **k):\n    raise KeyError('simulated analyser bug')\n"
        "api.check_module = _boom\n"
    )
    r = run_cli(["check", "--no-cache", "--jobs", "1"], root, env={"PYTHONPATH": f"{hook}{os.pathsep}{code_snapshot()}"})
    assert r.returncode == 2, r.output
    assert "All checks passed" not in r.output
    assert "the analysis failed on 1" in r.stdout and "simulated analyser bug" in r.stderr


def test_file_reached_through_a_symlink_is_reported_under_its_own_name(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"my step.py": HARDWIRED_JIT})
    os.symlink("my step.py", root / "alias.py")  # sorts before the real name
    r = run_cli(["check", "--concise"], root)
    assert "my step.py:4:26: SC303" in r.stdout, r.output
    assert "alias.py" not in r.stdout and "1 file checked" in r.stdout


# -- defect 6: an explicit SHAPECHECK_MODE always wins ---------------------------------------------

def test_env_keeps_an_explicit_mode(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {}, 'runtime-mode = "strict"\n')
    assert run_cli(["env"], root).stdout == "export SHAPECHECK_MODE=strict\n"
    r = run_cli(["env"], root, env={"SHAPECHECK_MODE": "off"})
    assert r.stdout == "export SHAPECHECK_MODE=off\n" and "wins over the configured 'strict'" in r.stderr


# -- defect 8: small ones --------------------------------------------------------------------------

def test_markdown_named_on_the_command_line_is_not_parsed_as_python(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"README.md": "# Title\n\nSome *prose*.\n", "tool": "#!/usr/bin/env python3\nx = (\n"})
    r = run_cli(["check", "--concise", "README.md", "tool"], root)
    assert "README.md" not in r.stdout and "README.md is not Python source" in r.stderr, r.output
    assert _concise_locations(r.stdout) == ["tool:2:5:"]  # an extensionless Python script still is


def test_dash_reads_stdin_without_a_file_name(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    r = run_cli(["check", "--concise", "-"], root, stdin=HARDWIRED_JIT)
    assert r.returncode == 1 and _concise_locations(r.stdout) == ["-:4:26:"], r.output


def test_unknown_option_shows_the_commands_usage(tmp_path: Path) -> None:
    r = run_cli(["check", "--bogus"], tmp_path)
    assert r.returncode == 2 and "usage: shapecheck check" in r.stderr and "unrecognized arguments: --bogus" in r.stderr


def test_explain_a_directory_says_so(tmp_path: Path) -> None:
    r = run_cli(["explain", str(tmp_path)], tmp_path)
    assert r.returncode == 2 and "is a directory" in r.stderr and "no such file" not in r.stderr, r.output


def test_missing_path_shows_no_empty_excerpt(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    r = run_cli(["check", "nope.py"], root)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "nope.py:1:1: SC002 no such file or directory" and not lines[1].strip(" |"), r.stdout
    assert " | " not in r.stdout


# -- defect 5: a TF_XLA_FLAGS line applies only to the programs that run it ---------------------------

def test_xla_map_links_tf_xla_flags_only_to_modules_connected_by_imports(tmp_path: Path) -> None:
    step = "import tensorflow as tf\n\n\ndef step(x):\n    return x * 2.0\n\n\nfast = tf.function(step)\n"
    root = make_project(tmp_path / "p", {
        "flags.py": 'import os\n\nos.environ["TF_XLA_FLAGS"] = "--tf_xla_auto_jit=2"\n',
        "uses_flags.py": "import flags\n" + step,
        "separate.py": step,
    })
    r = run_cli(["xla-map", "."], root)
    assert r.returncode == 0, r.output
    blocks = {block.split(":")[0]: block for block in r.stdout.split("\n\n") if block.strip()}
    assert 'auto-clustering: flags.py:3: os.environ["TF_XLA_FLAGS"]' in blocks["uses_flags.py"], r.stdout
    assert "auto-clustering: " not in blocks["separate.py"], r.stdout


def test_tf_function_of_an_imported_function_is_checked_against_its_contracts(tmp_path: Path) -> None:
    from .helpers import TRANSLATE_LIB

    use = (
        "import tensorflow as tf\n\nfrom ops import translate\n\nfast = tf.function(translate)\n\n\n"
        "def via_alias(images, offsets):\n"
        "    return fast(tf.ensure_shape(images, (8, 32, 32, 1)), tf.ensure_shape(offsets, (4, 2)))\n\n\n"
        "def inline(images, offsets):\n"
        "    return tf.function(translate)(tf.ensure_shape(images, (8, 32, 32, 1)), tf.ensure_shape(offsets, (4, 2)))\n"
    )
    root = make_project(tmp_path / "p", {"ops.py": TRANSLATE_LIB, "use.py": use})
    r = run_cli(["check", "--concise", "--no-cache", "use.py"], root)
    assert [loc.split(":")[1] for loc in _concise_locations(r.stdout)] == ["9", "13"], r.output
    assert all(" SC101 " in line for line in r.stdout.splitlines()[:2])
