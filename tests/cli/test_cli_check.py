"""``shapecheck check`` through a subprocess: every option, the config file, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from .helpers import BAD_CONTRACT, CLEAN, HARDWIRED_JIT, TRANSLATE_LIB, assert_no_traceback, make_project, run_cli


def test_default_text_output_and_exit_codes(project: Path) -> None:
    r = run_cli(["check"], project)
    assert r.returncode == 1, r.output
    assert "pkg/bad.py:8:41: SC004 malformed shape contract 'B ('" in r.stdout
    assert '8 | def f(x: Annotated[tf.Tensor, Shape("B (")]) -> tf.Tensor:' in r.stdout
    caret = r.stdout.splitlines()[r.stdout.splitlines().index('8 | def f(x: Annotated[tf.Tensor, Shape("B (")]) -> tf.Tensor:') + 1]
    assert caret.index("^") == len("8 | ") + 41 - 1  # under column 41
    assert "pkg/jit.py:4:26: SC303" in r.stdout
    assert "Found 2 findings (1 error, 1 warning) in 4 files checked." in r.stdout
    clean = run_cli(["check", "pkg/clean.py"], project)
    assert clean.returncode == 0 and "All checks passed! (1 file checked)" in clean.stdout
    assert run_cli(["check", "--exit-zero"], project).returncode == 0
    assert_no_traceback(r)


def test_concise_and_output_formats(project: Path) -> None:
    concise = run_cli(["check", "--concise"], project)
    lines = concise.stdout.splitlines()
    assert lines[0].startswith("pkg/bad.py:8:41: SC004 ") and lines[1].startswith("pkg/jit.py:4:26: SC303 ")
    assert "|" not in concise.stdout
    assert run_cli(["check", "--output-format", "concise"], project).stdout == concise.stdout

    data = json.loads(run_cli(["check", "--output-format", "json"], project).stdout)
    assert [(d["path"], d["line"], d["code"]) for d in data] == [("pkg/bad.py", 8, "SC004"), ("pkg/jit.py", 4, "SC303")]

    gh = run_cli(["check", "--output-format", "github"], project)
    assert gh.returncode == 1
    assert gh.stdout.splitlines()[0].startswith("::error file=pkg/bad.py,line=8,col=41,")
    assert "title=SC004::SC004 malformed shape contract" in gh.stdout
    assert "::warning file=pkg/jit.py,line=4,col=26," in gh.stdout


def test_output_file_sarif(project: Path) -> None:
    r = run_cli(["check", "--output-format", "sarif", "-o", "out/shapecheck.sarif"], project)
    assert r.returncode == 1 and r.stdout == ""
    assert "Wrote 2 findings to out/shapecheck.sarif" in r.stderr
    doc = json.loads((project / "out" / "shapecheck.sarif").read_text())
    jsonschema.validate(doc, json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text()))
    assert doc["version"] == "2.1.0"
    result = doc["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "pkg/bad.py", "uriBaseId": "%SRCROOT%"}
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert doc["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "SC004"
    assert [x["ruleId"] for x in doc["runs"][0]["results"]] == ["SC004", "SC303"]
    r = run_cli(["check", "--concise", "--output-file", "report.txt"], project)
    assert (project / "report.txt").read_text().startswith("pkg/bad.py:8:41: SC004")


def test_select_ignore_extend_select(project: Path) -> None:
    def codes(*args: str) -> list[str]:
        r = run_cli(["check", "--output-format", "json", *args], project)
        assert r.returncode in (0, 1), r.output
        return [d["code"] for d in json.loads(r.stdout)]

    assert codes("--select", "SC3") == ["SC303"]
    assert codes("--select", "SC004,SC303") == ["SC004", "SC303"]
    assert codes("--ignore", "SC0") == ["SC303"]
    assert codes("--ignore", "SC3", "--ignore", "SC004") == []
    assert codes("--select", "SC1", "--extend-select", "SC303") == ["SC303"]
    assert codes("--ignore", "SC3", "--extend-select", "SC303") == ["SC004", "SC303"]  # more specific wins
    bad = run_cli(["check", "--select", "E501"], project)
    assert bad.returncode == 2 and "'E501' is not a rule selector" in bad.stderr
    assert_no_traceback(bad)


def test_statistics(project: Path) -> None:
    r = run_cli(["check", "--statistics", "--concise"], project)
    assert "1\tSC004\tmalformed-contract" in r.stdout or "1\tSC004" in r.stdout
    assert "1\tSC303\thardwired-jit-compile" in r.stdout
    assert "SC303 `jit_compile=True`" not in r.stdout  # the table alone, not every finding too (issue 11, 8)


def test_config_select_ignore_per_file_and_excludes(tmp_path: Path) -> None:
    files = {"a/bad.py": BAD_CONTRACT, "a/jit.py": HARDWIRED_JIT, "gen/jit.py": HARDWIRED_JIT,
             "legacy/jit.py": HARDWIRED_JIT, "tests/test_jit.py": HARDWIRED_JIT}
    root = make_project(tmp_path / "p", files,
                        'ignore = ["SC004"]\nextend-exclude = ["gen"]\nper-file-ignores = { "tests/**" = ["SC3"] }\n'
                        'exclude = [".git", "legacy/*.py"]\n')
    r = run_cli(["check", "--concise"], root)
    assert r.returncode == 1, r.output
    assert [l.split(":")[0] for l in r.stdout.splitlines() if ": SC" in l] == ["a/jit.py"]
    # The command line's --select starts afresh (the config's ignore no longer applies).
    r = run_cli(["check", "--concise", "--select", "SC0"], root)
    assert [l.split(" ")[1] for l in r.stdout.splitlines() if ": SC" in l] == ["SC004"]
    # Explicitly named excluded files are skipped too (pre-commit passes them).
    r = run_cli(["check", "gen/jit.py"], root)
    assert r.returncode == 0 and "excluded by the pattern 'gen'" in r.stderr
    # --isolated ignores the config.
    r = run_cli(["check", "--concise", "--isolated"], root)
    assert sum(": SC" in l for l in r.stdout.splitlines()) == 5, r.output


def test_config_errors_exit_2(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"m.py": CLEAN}, 'selekt = ["SC1"]\n')
    r = run_cli(["check"], root)
    assert r.returncode == 2
    assert "pyproject.toml: unknown key 'selekt' in [tool.shapecheck]" in r.stderr
    assert_no_traceback(r)
    root2 = make_project(tmp_path / "q", {"m.py": CLEAN}, 'runtime-mode = "sometimes"\n')
    r = run_cli(["check"], root2)
    assert r.returncode == 2 and "runtime-mode must be one of off, trace, strict" in r.stderr
    r = run_cli(["check", "--config", "missing.toml"], root2)
    assert r.returncode == 2 and "missing.toml: config file not found" in r.stderr
    r = run_cli(["check", "--jobs", "0"], root2)
    assert r.returncode == 2 and "--jobs must be at least 1" in r.stderr
    r = run_cli(["check", "--frobnicate"], root2)
    assert r.returncode == 2 and "unrecognized arguments: --frobnicate" in r.stderr


def test_suppressions_and_unused(tmp_path: Path) -> None:
    bad = BAD_CONTRACT.replace('-> tf.Tensor:\n', '-> tf.Tensor:  # shapecheck: ignore[SC004]\n')
    jit = "# shapecheck: ignore-file[SC3]\n" + HARDWIRED_JIT + "y = 1  # shapecheck: ignore[SC101]\n"
    multi = ("import tensorflow as tf\n\n\n# shapecheck: ignore[SC303]\n@tf.function(\n    jit_compile=True,\n)\n"
             "def step(x):\n    return x\n")
    root = make_project(tmp_path / "p", {"bad.py": bad, "jit.py": jit, "multi.py": multi})
    r = run_cli(["check", "--concise"], root)
    found = [l for l in r.stdout.splitlines() if ": SC" in l]
    assert found == ["jit.py:8:8: SC901 unused suppression '# shapecheck: ignore[SC101]': SC101 is not reported here"], r.output
    assert run_cli(["check", "--ignore", "SC101"], root).returncode == 0  # a disabled code is not "unused"
    assert run_cli(["check", "--ignore", "SC901"], root).returncode == 0


def test_baseline_write_then_only_new(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"bad.py": BAD_CONTRACT, "jit.py": HARDWIRED_JIT})
    w = run_cli(["check", "--write-baseline", "baseline.json"], root)
    assert w.returncode == 0 and "Wrote 2 findings to the baseline baseline.json" in w.stderr
    assert run_cli(["check", "--baseline", "baseline.json"], root).returncode == 0
    # Unrelated edits shift every line: still nothing new.
    (root / "bad.py").write_text("import os\nimport sys\n\n" + BAD_CONTRACT, encoding="utf-8")
    r = run_cli(["check", "--baseline", "baseline.json"], root)
    assert r.returncode == 0 and "2 findings hidden by the baseline." in r.stdout
    # A new finding is reported, the old ones stay hidden.
    (root / "jit2.py").write_text(HARDWIRED_JIT, encoding="utf-8")
    r = run_cli(["check", "--baseline", "baseline.json", "--concise"], root)
    assert r.returncode == 1
    assert [l.split(":")[0] for l in r.stdout.splitlines() if ": SC" in l] == ["jit2.py"]
    r = run_cli(["check", "--baseline", "nope.json"], root)
    assert r.returncode == 2 and "baseline nope.json does not exist" in r.stderr
    r = run_cli(["check", "--baseline", "a.json", "--write-baseline", "b.json"], root)
    assert r.returncode == 2 and "not allowed with argument" in r.stderr


def test_cache_second_run_does_not_parse(project: Path, tmp_path: Path) -> None:
    first = run_cli(["check", "-v"], project)
    assert "summarised 4, checked 4" in first.stderr, first.stderr
    assert (project / ".shapecheck_cache" / "CACHEDIR.TAG").is_file()
    second = run_cli(["check", "-v"], project, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "summarised 0, checked 0, cache_hits 4" in second.stderr, second.stderr
    imported = [l for l in second.stderr.splitlines() if l.startswith("import time:")]
    assert imported and not any("libcst" in l or "shapecheck.static" in l for l in imported)  # not even imported
    assert second.stdout == first.stdout and second.returncode == first.returncode == 1
    # One file changes: only it is parsed again (its summary changed nothing cross-file).
    (project / "pkg" / "clean.py").write_text(CLEAN + "\n\ndef sub(a: int, b: int) -> int:\n    return a - b\n")
    third = run_cli(["check", "-v"], project)
    assert "summarised 1," in third.stderr and third.stdout == first.stdout
    nocache = run_cli(["check", "--no-cache", "-v"], project)
    assert "summarised 4, checked 4" in nocache.stderr
    custom = tmp_path / "elsewhere"
    run_cli(["check", "--cache-dir", str(custom)], project)
    assert any(custom.rglob("*.pickle"))
    fresh = make_project(tmp_path / "fresh", {"m.py": CLEAN})
    run_cli(["check", "--no-cache"], fresh)
    assert not (fresh / ".shapecheck_cache").exists()


def test_parallel_output_is_deterministic(tmp_path: Path) -> None:
    files = {f"m{i:02d}.py": (HARDWIRED_JIT if i % 2 else BAD_CONTRACT) for i in range(10)}
    root = make_project(tmp_path / "p", files)
    serial = run_cli(["check", "--no-cache", "--jobs", "1", "-v"], root)
    parallel = run_cli(["check", "--no-cache", "--jobs", "2", "-v"], root)
    assert "jobs 2" in parallel.stderr and "jobs 1" in serial.stderr
    assert serial.stdout == parallel.stdout and serial.stdout.count(": SC") == 10


def test_color_quiet_and_explicit_config(project: Path) -> None:
    colored = run_cli(["check", "--color", "always", "pkg/jit.py"], project)
    assert "\x1b[" in colored.stdout and "SC303" in colored.stdout
    plain = run_cli(["check", "pkg/jit.py"], project, env={"FORCE_COLOR": ""})
    assert "\x1b[" not in plain.stdout  # not a terminal
    forced = run_cli(["check", "pkg/jit.py"], project, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    assert "\x1b[" not in run_cli(["check", "pkg/jit.py"], project, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    quiet_clean = run_cli(["check", "-q", "pkg/clean.py"], project)
    assert quiet_clean.returncode == 0 and quiet_clean.stdout == ""
    (project / "strict.toml").write_text('select = ["SC3"]\n', encoding="utf-8")
    r = run_cli(["check", "--concise", "--config", "strict.toml"], project)
    assert [l.split(" ")[1] for l in r.stdout.splitlines() if ": SC" in l] == ["SC303"], r.output
    (project / "broken.toml").write_text('select = ["SC3"\n', encoding="utf-8")
    r = run_cli(["check", "--config", "broken.toml"], project)
    assert r.returncode == 2 and "broken.toml: invalid TOML" in r.stderr


LIB = TRANSLATE_LIB
APP = '''\
from typing import Annotated

import tensorflow as tf

from lib import channel_to_flat, translate
from shapecheck import Shape


def reassemble(patches: Annotated[tf.Tensor, Shape("B H W C")], offsets: Annotated[tf.Tensor, Shape("B 2")]):
    flat = channel_to_flat(patches)
    return translate(flat, offsets)
'''


def test_named_file_sees_contracts_of_the_rest_of_the_project(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"lib.py": LIB, "app.py": APP})
    r = run_cli(["check", "--concise", "app.py"], root)
    assert r.returncode == 1 and r.stdout.startswith("app.py:11:28: SC103 "), r.output
    assert "lib.py" not in r.stdout and "1 file checked" in r.stdout  # context files are not reported
    alone = run_cli(["check", "--concise", "--no-project-context", "app.py"], root)
    assert alone.returncode == 0, alone.output
    # Editing the contract in the unchanged-but-context file invalidates the cached findings.
    (root / "lib.py").write_text(LIB.replace('Shape("N 2")', 'Shape("_ 2")'), encoding="utf-8")
    after = run_cli(["check", "--concise", "app.py"], root)
    assert after.returncode == 0, after.output


def test_gitignored_files_are_skipped_unless_named(tmp_path: Path) -> None:
    import subprocess

    root = make_project(tmp_path / "p", {"src/jit.py": HARDWIRED_JIT, "generated/jit.py": HARDWIRED_JIT,
                                         ".gitignore": "generated/\n"})
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    r = run_cli(["check", "--concise"], root)
    assert [l.split(":")[0] for l in r.stdout.splitlines() if ": SC" in l] == ["src/jit.py"], r.output
    r = run_cli(["check", "--concise", "generated/jit.py"], root)
    assert [l.split(":")[0] for l in r.stdout.splitlines() if ": SC" in l] == ["generated/jit.py"]
    r = run_cli(["check", "--concise", "generated"], root)  # a named directory, ignored as a whole
    assert [l.split(":")[0] for l in r.stdout.splitlines() if ": SC" in l] == ["generated/jit.py"], r.output
    r = run_cli(["check", "--concise", "--no-respect-gitignore"], root)
    assert [l.split(":")[0] for l in r.stdout.splitlines() if ": SC" in l] == ["generated/jit.py", "src/jit.py"]


def test_unwritable_cache_is_a_warning_not_a_failure(project: Path) -> None:
    (project / "not_a_dir").write_text("a file where the cache directory should go\n")
    r = run_cli(["check", "--concise", "--cache-dir", "not_a_dir/cache"], project)
    assert r.returncode == 1 and "pkg/jit.py:4:26: SC303" in r.stdout, r.output
    assert "warning: could not write the cache" in r.stderr
    assert_no_traceback(r)


def test_show_settings_and_files(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.py": CLEAN, "gen/b.py": CLEAN, "sub/c.py": CLEAN},
                        'ignore = ["SC2"]\nextend-exclude = ["gen"]\nruntime-mode = "off"\n')
    r = run_cli(["check", "--show-settings"], root)
    assert r.returncode == 0
    assert f"config file:       {root.resolve() / 'pyproject.toml'}" in r.stdout
    rules_line = next(l for l in r.stdout.splitlines() if l.startswith("enabled rules:"))
    assert "SC101" in rules_line and "SC201" not in rules_line and "SC001" in rules_line
    assert "extend-exclude:    gen" in r.stdout and "runtime-mode:      off" in r.stdout
    files = run_cli(["check", "--show-files"], root)
    assert files.returncode == 0 and files.stdout.splitlines() == ["a.py", "sub/c.py"]
    assert not (root / ".shapecheck_cache").exists()  # nothing was analysed


def test_stdin_buffer_checked_as_the_named_file(tmp_path: Path) -> None:
    fixed_app = APP.replace("return translate(flat, offsets)", "return flat")
    root = make_project(tmp_path / "p", {"lib.py": LIB, "app.py": fixed_app}, 'extend-exclude = ["vendored"]\n')
    assert run_cli(["check", "app.py"], root).returncode == 0
    r = run_cli(["check", "--concise", "--stdin-filename", "app.py", "-"], root, stdin=APP)  # the unsaved buffer
    assert r.returncode == 1 and r.stdout.startswith("app.py:11:28: SC103 "), r.output
    r = run_cli(["check", "--concise", "--stdin-filename", "new_module.py"], root, stdin=HARDWIRED_JIT)
    assert r.returncode == 1 and r.stdout.startswith("new_module.py:4:26: SC303"), r.output
    r = run_cli(["check", "--stdin-filename", "vendored/x.py"], root, stdin=HARDWIRED_JIT)
    assert r.returncode == 0 and "excluded" in r.stderr
    r = run_cli(["check", "-", "lib.py"], root, stdin="x = 1\n")
    assert r.returncode == 2 and "give it alone" in r.stderr
    r = run_cli(["check", "--stdin-filename", "a.py", "lib.py"], root, stdin="x = 1\n")
    assert r.returncode == 2 and "give no paths" in r.stderr


PACK = '''\
[[stub]]
name = "legacy.helpers.to_flat"
signature = "B H W C -> B*C H W 1"
params = ["img"]
roles = { img = "images" }
'''
LEGACY_APP = '''\
from typing import Annotated

import tensorflow as tf

from legacy.helpers import to_flat
from shapecheck import Shape


def translate(
    images: Annotated[tf.Tensor, Shape("N H W 1")], offsets: Annotated[tf.Tensor, Shape("N 2")]
) -> Annotated[tf.Tensor, Shape("N H W 1")]:
    return images


def reassemble(patches: Annotated[tf.Tensor, Shape("B H W C")], offsets: Annotated[tf.Tensor, Shape("B 2")]):
    return translate(to_flat(patches), offsets)
'''


def test_user_packs_from_config(tmp_path: Path) -> None:
    files = {"app.py": LEGACY_APP, "packs/legacy.toml": PACK}
    root = make_project(tmp_path / "p", files, 'packs = ["packs"]\n')
    r = run_cli(["check", "--concise"], root)
    assert r.returncode == 1 and r.stdout.startswith("app.py:16:"), r.output
    assert " SC103 " in r.stdout or " SC101 " in r.stdout
    bare = make_project(tmp_path / "q", files)  # without the pack the legacy call is unknown: no finding
    assert run_cli(["check", "--concise"], bare).returncode == 0
    # A broken pack is a usage error naming the file.
    (root / "packs" / "legacy.toml").write_text("[[stub]]\nname = 1\n", encoding="utf-8")
    r = run_cli(["check"], root)
    assert r.returncode == 2 and "legacy.toml" in r.stderr, r.output
    assert_no_traceback(r)


KERNELS = '''\
import tensorflow as tf


def step(x):
    tf.print("batch", tf.shape(x))
    return x * 2.0
'''
TRAIN = '''\
import tensorflow as tf

import kernels


def make(use_xla: bool):
    return tf.function(kernels.step, jit_compile=use_xla)
'''


def test_import_context_includes_importers_and_imports_only(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"kernels.py": KERNELS, "train.py": TRAIN, "unrelated.py": CLEAN,
                                         "lib.py": LIB, "app.py": APP})
    # kernels.py is compiled by its importer train.py: the finding needs that caller as context.
    r = run_cli(["check", "--concise", "-v", "kernels.py"], root)
    assert r.stdout.startswith("kernels.py:5:5: SC203 "), r.output
    assert "context_files 1," in r.stderr  # train.py only
    assert run_cli(["check", "--no-project-context", "kernels.py"], root).returncode == 0
    full = run_cli(["check", "-v", "--project-context", "full", "kernels.py"], root)
    assert "context_files 4," in full.stderr and full.returncode == 1
    r = run_cli(["check", "--concise", "-v", "app.py"], root)  # imports lib.py, nothing imports it
    assert r.stdout.startswith("app.py:11:28: SC103 ") and "context_files 1," in r.stderr, r.output


def test_shape_hints_setting(tmp_path: Path) -> None:
    source = (
        "import tensorflow as tf\n\n\n"
        "def to_rows(x):\n"
        '    """(B, H, W, C) -> (B, H, W)"""\n'
        "    return x[..., None]\n"
    )
    on = make_project(tmp_path / "on", {"m.py": source})
    r = run_cli(["check", "--concise", "--no-cache"], on)
    assert r.returncode == 1 and ":6:12: SC102" in r.stdout and "docstring" in r.stdout, r.output
    off = make_project(tmp_path / "off", {"m.py": source}, "shape-hints = false\n")
    r = run_cli(["check", "--concise", "--no-cache"], off)
    assert r.returncode == 0, r.output
    r = run_cli(["check", "--show-settings"], off)
    assert "shape-hints:       false" in r.stdout, r.output
    bad = make_project(tmp_path / "bad", {"m.py": source}, 'shape-hints = "no"\n')
    r = run_cli(["check"], bad)
    assert r.returncode == 2 and "shape-hints must be true or false, got 'no'" in r.stderr
