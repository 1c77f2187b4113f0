"""``shapecheck annotate``: contracts written into source, dry run by default, nothing overwritten."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

from shapecheck.cli.main import run
from shapecheck.infer.annotate import annotate_source, read_stubs

PACK = textwrap.dedent('''\
    [[stub]]
    name = "pkg.mod.flat"
    kind = "function"
    signature = "B H W C -> B*C H W 1"
    params = ["x"]
    dtypes = ["float32", "float32"]
    arrays = ["tf", "tf"]
    calls = 3

    [[stub]]
    name = "pkg.mod.pair"
    signature = "B 2, B -> B, B 2"
    params = ["a", "b"]
    dtypes = ["any", "int32", "float", "inexact"]
    arrays = ["np", "tf", "tf", "tf"]
    optional = ["b"]

    [[stub]]
    name = "pkg.mod.Scale"
    kind = "layer"
    signature = "B N -> B N"
    params = ["inputs"]
    dtypes = ["float32", "float32"]
    arrays = ["tf", "tf"]
''')

SOURCE = textwrap.dedent('''\
    """A module."""
    import tensorflow as tf  # the one import

    from shapecheck import Float32


    def flat(x):  # keep this comment
        return tf.reshape(x, [-1, 1])


    def pair(a, b=None) -> tuple:
        return a, b


    class Scale(tf.keras.layers.Layer):
        def call(self, inputs: Float32[tf.Tensor, "B N"]):
            return inputs * 2.0
''')


def _stubs(tmp_path: Path) -> dict[str, object]:
    pack = tmp_path / "pack.toml"
    pack.write_text(PACK)
    stubs = read_stubs(pack)
    return {"flat": stubs[0], "pair": stubs[1], "Scale.call": stubs[2]}


def test_annotations_decorator_and_one_import(tmp_path: Path) -> None:
    out, changed, kept = annotate_source(SOURCE, _stubs(tmp_path))  # type: ignore[arg-type]
    assert changed == ["flat", "pair", "Scale.call"]
    assert 'def flat(x: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B*C H W 1"]:  # keep this comment' in out
    assert "@check\ndef flat" in out
    # existing annotations are kept: pair's return, Scale.call's parameter
    assert 'def pair(a: Shaped[np.ndarray, "B 2"], b: Int32[tf.Tensor, "B"] | None = None) -> tuple:' in out
    assert 'def call(self, inputs: Float32[tf.Tensor, "B N"]) -> Float32[tf.Tensor, "B N"]:' in out
    assert kept == ["pair(return)", "Scale.call(inputs)"]
    assert out.count("from shapecheck import") == 1 and out.count("import numpy as np") == 1
    assert out.count("import tensorflow as tf") == 1
    compile(out, "mod.py", "exec")


def test_running_twice_changes_nothing_more(tmp_path: Path) -> None:
    stubs = _stubs(tmp_path)
    once, _, _ = annotate_source(SOURCE, stubs)  # type: ignore[arg-type]
    twice, changed, _ = annotate_source(once, stubs)  # type: ignore[arg-type]
    assert twice == once and changed == []


def test_cli_dry_run_prints_a_diff_and_apply_writes(tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text(PACK)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    module = tmp_path / "pkg" / "mod.py"
    module.write_text(SOURCE)
    out, err = io.StringIO(), io.StringIO()
    assert run(["annotate", str(tmp_path / "pack.toml"), "--root", str(tmp_path)], out, err) == 0
    assert module.read_text() == SOURCE
    assert '+def flat(x: Float32[tf.Tensor, "B H W C"])' in out.getvalue()
    assert "would annotate 3 function(s) in 1 file(s)" in err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert run(["annotate", str(tmp_path / "pack.toml"), "--root", str(tmp_path), "--apply"], out, err) == 0
    assert "@check" in module.read_text() and out.getvalue() == ""


def test_bad_pack_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[stub]]\nname = "m.f"\nsignature = "B C -> "\nparams = ["x"]\ndtypes = ["float7"]\n')
    err = io.StringIO()
    assert run(["annotate", str(bad)], io.StringIO(), err) == 2
    assert "bad.toml" in err.getvalue() and "m.f" in err.getvalue()


def test_stub_without_source_is_named_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text(PACK)
    err = io.StringIO()
    assert run(["annotate", str(tmp_path / "pack.toml"), "--root", str(tmp_path)], io.StringIO(), err) == 0
    assert "pkg.mod.flat: no source file under" in err.getvalue()


def test_a_parameter_that_names_a_dim_becomes_an_int(tmp_path: Path) -> None:
    # found trying infer on a stranger's package: ``size`` carried the patch side, but without
    # ``: int`` the runtime never binds the dim to it
    pack = tmp_path / "pack.toml"
    pack.write_text('[[stub]]\nname = "m.crop"\nsignature = "B H W -> B size size"\nparams = ["x"]\n'
                    'dtypes = ["float", "float"]\narrays = ["np", "np"]\n')
    source = "def crop(x, size, pad=0, *rest):\n    return x[:, :size, :size]\n"
    out, changed, _ = annotate_source(source, {"crop": read_stubs(pack)[0]})
    assert changed == ["crop"]
    assert 'def crop(x: Float[np.ndarray, "B H W"], size: int, pad=0, *rest) -> Float[np.ndarray, "B size size"]:' in out


def test_from_a_subdirectory_the_project_and_its_src_are_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the src layout, annotate run from tests/ (found trying it on a stranger's package)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'pkg'\n")
    (tmp_path / "pack.toml").write_text(PACK)
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(SOURCE)
    (tmp_path / "tests").mkdir()
    monkeypatch.chdir(tmp_path / "tests")
    out, err = io.StringIO(), io.StringIO()
    assert run(["annotate", "../pack.toml"], out, err) == 0
    assert "would annotate 3 function(s) in 1 file(s)" in err.getvalue()
    assert out.getvalue().startswith("--- a/../src/pkg/mod.py\n+++ b/../src/pkg/mod.py\n")
