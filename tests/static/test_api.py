"""The analyser API the CLI calls: parsing errors, SC004 positions, summaries, fingerprints."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from shapecheck.static.api import (
    AnalysisError,
    KnowledgePacks,
    ModuleSummary,
    build_project,
    check_module,
    explain_module,
    summarise_module,
    xla_map,
)
from shapecheck.static.modnames import module_name_for, resolve_relative


def test_syntax_error_is_an_analysis_error_with_position(packs: KnowledgePacks, tmp_path: Path) -> None:
    src = "x = 1\ndef f(a:\n    return a\n"
    with pytest.raises(AnalysisError) as info:
        summarise_module(tmp_path / "bad.py", src, packs)
    err = info.value
    assert (err.path, err.line) == (str(tmp_path / "bad.py"), 2)
    assert "never closed" in err.message or "syntax" in err.message
    assert pickle.loads(pickle.dumps(err)).line == 2


def test_malformed_contract_reported_at_the_offending_column(lint) -> None:  # type: ignore[no-untyped-def]
    src = 'import tensorflow as tf\nfrom shapecheck import Float32\n\n\ndef f(x: Float32[tf.Tensor, "B (H W"]) -> None:\n    return None\n'
    findings = lint(src)
    assert [(f.code, f.line) for f in findings] == [("SC004", 5)]
    f = findings[0]
    line = src.splitlines()[4]
    string_start = line.index('"B (H W"')
    column = int(f.message.rsplit("column ", 1)[1].split(" ")[0])  # the parser's column in the contract
    assert 1 <= column <= 8
    assert f.col == string_start + 1 + 1 + (column - 1)  # the quote, then that character
    assert "missing ')'" in f.message and "'B (H W'" in f.message
    assert any("^" in n for n in f.notes)


def test_sc004_for_all_three_spellings_and_aliases(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''
from typing import Annotated, Optional
import jaxtyping as jt
import tensorflow as tf
from shapecheck import Shape, Float32 as F32


def a(x: Annotated[tf.Tensor, Shape("B $")]) -> None: ...
def b(x: jt.Float32[tf.Tensor, "B C*"]) -> None: ...
def c(x: Optional[F32[tf.Tensor, "*a *b"]]) -> None: ...
def d(x: F32[tf.Tensor, "B 2"] | None) -> F32[tf.Tensor, "B -1"]: ...
def ok(x: F32[tf.Tensor, "B (N+2*p)"], y: list[int], z: "F32[tf.Tensor, 'B']") -> None: ...
'''
    assert [(f.line, f.code) for f in lint(src)] == [(8, "SC004"), (9, "SC004"), (10, "SC004"), (11, "SC004")]


def test_one_bad_file_does_not_hide_findings_in_others(lint, packs: KnowledgePacks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = "import tensorflow as tf\nx = tf.reshape(tf.zeros((4, 3)), (5, 2))\n"
    with pytest.raises(AnalysisError):
        summarise_module(tmp_path / "b.py", "def broken(:\n", packs)
    findings = lint({"a.py": good, "b.py": "def broken(:\n"}, all_files=True)
    assert [f.code for f in findings] == ["SC104"]


def test_summary_is_picklable_and_the_project_fingerprint_tracks_contracts(packs: KnowledgePacks, tmp_path: Path) -> None:
    lib = tmp_path / "lib.py"
    v1 = 'import tensorflow as tf\nfrom shapecheck import Float32\ndef f(x: Float32[tf.Tensor, "B 2"]) -> Float32[tf.Tensor, "B"]:\n    return x[:, 0]\n'
    v2 = v1.replace('"B 2"]) ->', '"B 3"]) ->')
    body_only = v1 + "\n# a comment does not change what other files see\n"
    s1 = summarise_module(lib, v1, packs)
    again = pickle.loads(pickle.dumps(s1))
    assert isinstance(again, ModuleSummary) and again.functions.keys() == s1.functions.keys()
    f1 = build_project([s1], packs).fingerprint()
    assert build_project([summarise_module(lib, body_only, packs)], packs).fingerprint() == f1
    assert build_project([summarise_module(lib, v2, packs)], packs).fingerprint() != f1
    project = build_project([s1], packs)
    assert pickle.loads(pickle.dumps(project)).fingerprint() == f1


def test_cross_file_contract_is_checked_at_the_call_site(lint) -> None:  # type: ignore[no-untyped-def]
    user = "import tensorflow as tf\nfrom pkg.geometry import translate\n\nimages = tf.zeros((8, 16, 16, 1))\noffsets = tf.zeros((4, 2))\nout = translate(images, offsets)\n"
    lib = 'import tensorflow as tf\nfrom shapecheck import Float32\n\ndef translate(images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]) -> Float32[tf.Tensor, "N H W 1"]:\n    return images\n'
    findings = lint({"app.py": user, "pkg/__init__.py": "", "pkg/geometry.py": lib})
    assert [(f.line, f.code) for f in findings] == [(6, "SC101")]
    assert "8" in findings[0].message and "4" in findings[0].message
    assert any("line 5" in n for n in findings[0].notes)


def test_module_names_follow_packages(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    assert module_name_for(tmp_path / "pkg" / "sub" / "mod.py") == "pkg.sub.mod"
    assert module_name_for(tmp_path / "pkg" / "sub" / "__init__.py") == "pkg.sub"
    assert module_name_for(tmp_path / "script.py") == "script"
    assert resolve_relative("..x.y", "a.b.c", False) == "a.x.y"
    assert resolve_relative(".m", "a.b", True) == "a.b.m"


def test_explain_unknown_function_lists_the_functions(explain) -> None:  # type: ignore[no-untyped-def]
    src = "def one():\n    return 1\n\nclass K:\n    def two(self):\n        return 2\n"
    with pytest.raises(ValueError, match="one, K.two"):
        explain(src, "three")


def test_xla_map_of_a_project_without_compiled_code_is_empty(packs: KnowledgePacks, tmp_path: Path) -> None:
    src = "def f(x):\n    return x\n"
    project = build_project([summarise_module(tmp_path / "m.py", src, packs)], packs)
    assert xla_map(project) == []
    assert check_module(tmp_path / "m.py", src, project, packs) == []
    assert "def f(x):" in explain_module(tmp_path / "m.py", src, None, project, packs)
