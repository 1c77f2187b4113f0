"""Reading and pre-flight, discovery with symlinks, the cache, and the reporters (in-process)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from shapecheck.cli.cache import Cache, CacheEntry, content_hash
from shapecheck.cli.config import SettingsResolver
from shapecheck.cli.discovery import discover
from shapecheck.cli.reporters import render
from shapecheck.cli.reporters.base import Report
from shapecheck.cli.sources import Decoded, decode, preflight
from shapecheck.findings import Finding

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def test_decode_reports_first_bad_byte() -> None:
    result = decode(b"x = 1\ny = '\xff'\n", "a.py")
    assert isinstance(result, Finding) and (result.code, result.line, result.col) == ("SC002", 2, 6)
    assert "not valid UTF-8" in result.message and "ff" in result.message


def test_decode_honours_coding_cookie_and_bom() -> None:
    latin = decode(b"# -*- coding: latin-1 -*-\ns = '\xe9'\n", "a.py")
    assert isinstance(latin, Decoded) and "é" in latin.text
    bom = decode(b"\xef\xbb\xbfx = 1\n", "a.py")
    assert isinstance(bom, Decoded) and bom.text == "x = 1\n"
    assert isinstance(decode(b"# coding: nope-8\n", "a.py"), Finding)
    nul = decode(b"x = 1\n\x00\x01", "a.py")
    assert isinstance(nul, Finding) and nul.code == "SC002" and nul.line == 2


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("x = " + "(" * 250 + ")" * 250 + "\n", "SC001"),
        ("x = " + "+".join(["1"] * 200_000) + "\n", "SC003"),
        ("x = [" + ",".join(["1"] * 60_000) + "]\n", "SC003"),
        ("y = 1\nx = " + " + ".join(["a"] * 400) + "\n", "SC003"),
        ("".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "pass\n", "SC001"),
    ],
    ids=["parens", "deep-binop", "huge-list", "binop-400", "indent"],
)
def test_preflight_rejects_what_libcst_cannot_take(source: str, code: str) -> None:
    finding = preflight(source, "big.py")
    assert finding is not None and finding.code == code, finding


def test_preflight_accepts_a_huge_string_literal() -> None:
    finding = preflight('DATA = "' + "a" * 500_000 + '"\nx = 1\n', "data.py")
    assert finding is None


def test_preflight_passes_normal_code() -> None:
    finding = preflight("x = " + " + ".join(["a"] * 100) + "\nif x:\n    y = [1, 2]\n", "ok.py")
    assert finding is None


def test_preflight_skips_strings_and_comments() -> None:
    body = " + ".join(["a"] * 400)
    src = f'S = """{body}"""\nT = "{body}"  # {body}\nU = """\\\n{body}\\\n"""\n'
    assert preflight(src, "ok.py") is None


def test_syntax_error_position() -> None:
    from shapecheck.cli.workers import set_state, summarise_task
    from shapecheck.static.api import load_packs

    set_state(load_packs())
    finding = summarise_task("s.py", b"x = 1\ny = (1,\n").input_error
    assert finding is not None and finding.code == "SC001" and finding.line == 2 and "never closed" in finding.message


def test_discovery_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (root / "pkg" / "notes.txt").write_text("")
    (root / "pkg" / "sub" / "b.py").write_text("y = 2\n")
    os.symlink("..", root / "pkg" / "sub" / "loop")  # a directory loop
    os.symlink("missing.py", root / "pkg" / "dangling.py")
    os.symlink("self_a", root / "pkg" / "self_b")
    os.symlink("self_b", root / "pkg" / "self_a")  # a link chain loop
    os.symlink("a.py", root / "pkg" / "alias.py")  # same file twice: checked once
    (root / "build").mkdir()
    (root / "build" / "gen.py").write_text("z = 3\n")
    found = discover([root], SettingsResolver(overrides=("exclude = ['build']",), cwd=root), cwd=root)
    assert [f.display for f in found.files] == ["pkg/a.py", "pkg/sub/b.py"]
    messages = {p.path: p.message for p in found.problems}
    assert set(messages) == {"pkg/dangling.py", "pkg/sub/loop", "pkg/self_a", "pkg/self_b"}
    assert "broken symlink" in messages["pkg/dangling.py"]
    assert "symlink loop" in messages["pkg/sub/loop"] and "symlink loop" in messages["pkg/self_a"]
    assert all(p.code == "SC002" for p in found.problems)


def test_discovery_explicit_paths(tmp_path: Path) -> None:
    (tmp_path / "script").write_text("#!/usr/bin/env python3\nx = 1\n")  # extensionless Python script, named: checked
    (tmp_path / "notes").write_text("x = 1\n")  # extensionless without a Python shebang: not source
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "g.py").write_text("")
    resolver = SettingsResolver(overrides=("exclude = ['gen']",), cwd=tmp_path)
    found = discover([Path("script"), Path("notes"), Path("gen/g.py"), Path("nope.py")], resolver, cwd=tmp_path)
    assert [f.display for f in found.files] == ["script"] and found.not_python == ["notes"]
    assert found.skipped == [("gen/g.py", "gen")]
    assert [(p.path, p.message) for p in found.problems] == [("nope.py", "no such file or directory")]


def test_cache_roundtrip_staleness_and_corruption(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", "1111111111111111")
    entry = CacheEntry("a.py", content_hash(b"x"), summary_blob=b"summary", findings={"fp": [Finding("a.py", 1, 1, "SC101", "m")]})
    cache.put(entry)
    assert (tmp_path / "c" / "CACHEDIR.TAG").is_file() and (tmp_path / "c" / ".gitignore").read_text().strip().endswith("*")
    got = cache.get("a.py", content_hash(b"x"))
    assert got is not None and got.findings["fp"][0].code == "SC101"
    assert cache.get("a.py", content_hash(b"y")) is None  # content changed
    assert Cache(tmp_path / "c", "2222222222222222").get("a.py", content_hash(b"x")) is None  # analyser changed
    for p in (tmp_path / "c").rglob("*.pickle"):
        p.write_bytes(b"garbage")
    assert cache.get("a.py", content_hash(b"x")) is None
    old_bucket = tmp_path / "c" / "v1-0123456789abcdef"
    old_bucket.mkdir()
    (tmp_path / "c" / "venv").mkdir()  # not a bucket: never touched
    Cache(tmp_path / "c", "fedcba9876543210").put(entry)
    assert not old_bucket.exists() and not (tmp_path / "c" / "v1-1111111111111111").exists()  # other engines pruned
    assert (tmp_path / "c" / "venv").is_dir()
    off = Cache(tmp_path / "d", "e", enabled=False)
    off.put(entry)
    assert off.get("a.py", content_hash(b"x")) is None and not (tmp_path / "d").exists()


def test_cache_in_an_existing_directory_writes_no_tag_or_gitignore(tmp_path: Path) -> None:
    Cache(tmp_path, "fedcba9876543210").put(CacheEntry("a.py", "h"))
    assert (tmp_path / "v1-fedcba9876543210").is_dir()
    assert not (tmp_path / ".gitignore").exists() and not (tmp_path / "CACHEDIR.TAG").exists()


def test_cache_in_a_foreign_directory_prunes_nothing(tmp_path: Path) -> None:
    (tmp_path / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n# someone else's\n")
    foreign = tmp_path / "v1-0123456789abcdef"
    foreign.mkdir()
    Cache(tmp_path, "fedcba9876543210").put(CacheEntry("a.py", "h"))
    assert foreign.is_dir()


def _report(tmp_path: Path, findings: list[Finding], **kw: object) -> Report:
    lines = {"pkg/m.py": ["import tensorflow as tf", "\tout = translate(flat, offsets)  # x", "y = 1"]}

    def source_line(path: str, n: int) -> str:
        src = lines.get(path, [])
        return src[n - 1] if 0 < n <= len(src) else ""

    return Report(findings=findings, root=tmp_path, cwd=tmp_path, tool_version="0.1.0",
                  source_line=source_line, files_checked=1, **kw)  # type: ignore[arg-type]


FINDINGS = [
    Finding("pkg/m.py", 2, 24, "SC101", "offsets (B, 2) vs contract (B*C, 2), 50% off: bad", "error", 2, 31,
            ("images flattened at line 1",)),
    Finding("pkg/m.py", 3, 1, "SC303", "literal jit_compile=True", "warning"),
]


def test_text_excerpt_caret_under_column(tmp_path: Path) -> None:
    out = render("text", _report(tmp_path, FINDINGS))
    lines = out.splitlines()
    assert lines[0] == "pkg/m.py:2:24: SC101 offsets (B, 2) vs contract (B*C, 2), 50% off: bad"
    code_line = next(l for l in lines if "translate(flat" in l)
    caret_line = lines[lines.index(code_line) + 1]
    assert caret_line.index("^") == code_line.index("offsets")  # tab expanded, caret aligned
    assert "^^^^^^^ SC101" in caret_line
    assert "= note: images flattened at line 1" in out
    assert "Found 2 findings (1 error, 1 warning) in 1 file checked." in out
    concise = render("concise", _report(tmp_path, FINDINGS, statistics=True)).splitlines()
    assert not any(" SC101 offsets" in l for l in concise)  # --statistics: the table alone (issue 11, 8)
    assert any(l.startswith("1\tSC101") for l in concise)
    assert "All checks passed!" in render("text", _report(tmp_path, []))


def test_github_annotations_escape(tmp_path: Path) -> None:
    out = render("github", _report(tmp_path, FINDINGS)).splitlines()
    assert out[0] == ("::error file=pkg/m.py,line=2,col=24,endLine=2,endColumn=31,title=SC101::"
                      "SC101 offsets (B, 2) vs contract (B*C, 2), 50%25 off: bad")
    assert out[1].startswith("::warning file=pkg/m.py,line=3,col=1,title=SC303::")


def test_json_report(tmp_path: Path) -> None:
    data = json.loads(render("json", _report(tmp_path, FINDINGS)))
    assert [d["code"] for d in data] == ["SC101", "SC303"]
    assert data[0]["end_col"] == 31 and data[0]["source"].strip().startswith("out = translate")


def test_sarif_valid_against_schema(tmp_path: Path) -> None:
    document = json.loads(render("sarif", _report(tmp_path, FINDINGS, notes=["pkg/x.py: analyser failed"])))
    jsonschema.validate(document, SCHEMA)
    run = document["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["SC101", "SC303"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "pkg/m.py", "uriBaseId": "%SRCROOT%"}
    assert run["results"][1]["level"] == "warning"
    assert run["invocations"][0]["executionSuccessful"] is False
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["SC101", "SC303"]
    empty = json.loads(render("sarif", _report(tmp_path, [])))
    jsonschema.validate(empty, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):  # the schema is strict enough to catch a broken log
        jsonschema.validate({**document, "version": "2.0.0"}, SCHEMA)


def test_cache_engine_key_follows_the_rule_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding's severity comes from the catalogue: editing an entry must invalidate cached findings."""
    import shutil

    import shapecheck.resources
    from shapecheck.cli.cache import engine_key
    from shapecheck.resources import rules_dir

    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy)
    monkeypatch.setattr(shapecheck.resources, "rules_dir", lambda: copy)
    before = engine_key("0", "")
    entry = copy / "catalogue" / "SC205.toml"
    entry.write_text(entry.read_text(encoding="utf-8").replace('severity = "warning"', 'severity = "error"'), encoding="utf-8")
    assert engine_key("0", "") != before
