"""Config discovery and validation, rule selection, and glob semantics (in-process, fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shapecheck.cli.config import DEFAULT_EXCLUDE, load_settings
from shapecheck.cli.errors import ConfigError
from shapecheck.cli.globs import compile_glob, first_match
from shapecheck.cli.selection import RuleSelection, SelectionLayer, parse_selectors


def _sel(*layers: SelectionLayer) -> RuleSelection:
    return RuleSelection((SelectionLayer(("SC",)), *layers))


def test_selection_prefixes_and_specificity() -> None:
    s = _sel(SelectionLayer(None, (), ("SC1",)))
    assert not s.enabled("SC101") and s.enabled("SC201")
    s = _sel(SelectionLayer(None, ("SC101",), ("SC1",)))
    assert s.enabled("SC101") and not s.enabled("SC102")
    s = _sel(SelectionLayer(("SC2",), (), ()))
    assert s.enabled("SC203") and not s.enabled("SC101")
    # A later layer with select starts afresh: the config's ignore no longer applies.
    s = _sel(SelectionLayer(None, (), ("SC2",)), SelectionLayer(("SC",), (), ()))
    assert s.enabled("SC201")
    # A later layer without select adjusts the one below.
    s = _sel(SelectionLayer(("SC1",), (), ()), SelectionLayer(None, ("SC303",), ("SC104",)))
    assert s.enabled("SC101") and s.enabled("SC303") and not s.enabled("SC104") and not s.enabled("SC201")


def test_input_errors_survive_select_but_not_explicit_ignore() -> None:
    assert _sel(SelectionLayer(("SC101",), (), ())).enabled("SC001")
    assert not _sel(SelectionLayer(None, (), ("SC001",))).enabled("SC001")
    assert _sel(SelectionLayer(None, (), ("SC",))).enabled("SC002")


def test_selector_syntax() -> None:
    assert parse_selectors(["sc1, SC203", "ALL"], "x") == ("SC1", "SC203", "SC")
    with pytest.raises(ValueError, match="'E501' is not a rule selector"):
        parse_selectors(["E501"], "--select")
    with pytest.raises(ValueError, match="SC1234"):
        parse_selectors(["SC1234"], "--select")


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("build", "a/build/x.py", True),
        ("build", "a/builder/x.py", False),
        ("*_pb2.py", "deep/er/msg_pb2.py", True),
        ("examples/seed_bugs/*/buggy.py", "examples/seed_bugs/002_x/buggy.py", True),
        ("examples/seed_bugs/*/buggy.py", "examples/seed_bugs/002_x/fixed.py", False),
        ("rules/**", "rules/catalogue/a.py", True),
        ("src/**/gen_*.py", "src/gen_a.py", True),
        ("src/**/gen_*.py", "src/a/b/gen_a.py", True),
        ("src/*.py", "src/a/b.py", False),
        ("./legacy", "legacy/old.py", True),
        ("tests/[ab].py", "tests/a.py", True),
        ("tests/[!ab].py", "tests/a.py", False),
    ],
)
def test_globs(pattern: str, path: str, hit: bool) -> None:
    assert compile_glob(pattern).matches(path) is hit
    assert (first_match((pattern,), path) is not None) is hit


def _write(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    return root


def test_config_found_by_walking_up(tmp_path: Path) -> None:
    root = _write(tmp_path / "p", '[tool.shapecheck]\nselect = ["SC1"]\nextend-exclude = ["gen"]\n'
                                  'per-file-ignores = { "tests/**" = ["SC205"] }\nruntime-mode = "strict"\n')
    (root / "src" / "deep").mkdir(parents=True)
    settings = load_settings([root / "src" / "deep"])
    assert settings.root == root.resolve() and settings.config_path == (root / "pyproject.toml").resolve()
    assert settings.layer.select == ("SC1",)
    assert settings.all_excludes == (*DEFAULT_EXCLUDE, "gen")
    assert settings.per_file_ignores == (("tests/**", ("SC205",)),)
    assert settings.runtime_mode == "strict"


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    outer = _write(tmp_path / "outer", '[tool.shapecheck]\nignore = ["SC2"]\n')
    inner = _write(outer / "inner", '[project]\nname = "x"\n')
    assert load_settings([inner]).config_path == (outer / "pyproject.toml").resolve()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("selct = ['SC1']", "unknown key 'selct'"),
        ("select = 'SC1,E5'", "'E5' is not a rule selector"),
        ("select = [1]", "select must be a list of strings"),
        ("runtime-mode = 'fast'", "runtime-mode must be one of off, trace, strict"),
        ("packs = ['nope.toml']", "pack 'nope.toml' does not exist"),
        ("per-file-ignores = ['a']", "per-file-ignores must be a table"),
        ("exclude = ['']", "empty glob pattern"),
        ("select = [", "invalid TOML"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    root = _write(tmp_path / "p", "[tool.shapecheck]\n" + body + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings([root])
    assert message in str(info.value)
    assert str(root / "pyproject.toml") in str(info.value)


def test_packs_resolved_against_config_dir(tmp_path: Path) -> None:
    root = _write(tmp_path / "p", "[tool.shapecheck]\npacks = ['my_pack.toml']\n")
    (root / "my_pack.toml").write_text("", encoding="utf-8")
    settings = load_settings([root])
    assert settings.packs == ((root / "my_pack.toml").resolve(),)
    before = settings.analysis_digest()
    (root / "my_pack.toml").write_text("# changed\n", encoding="utf-8")
    assert settings.analysis_digest() != before
