"""``shapecheck infer -- COMMAND``: the recording hook in a real subprocess (no TensorFlow needed).

The recorded package uses a minimal array class with ``shape`` and ``dtype``; the recorder
only reads those two attributes, so the hook, the store, the pytest tagging and the pack are
exercised end to end in a couple of seconds.
"""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path

import pytest

from shapecheck.cli.main import run
from shapecheck.static.packs import load_packs

PACKAGE = {
    "fakepkg/__init__.py": "",
    "fakepkg/arrays.py": '''
        class Arr:
            def __init__(self, *shape, dtype="float32"):
                self.shape = tuple(shape)
                self.dtype = dtype

            def __repr__(self):
                return f"Arr{self.shape}"
    ''',
    "fakepkg/ops.py": '''
        from fakepkg.arrays import Arr


        def flatten(x):
            """``(B, H, W, C) -> (B*C, H, W, 1)``"""
            b, h, w, c = x.shape
            return Arr(b * c, h, w, 1, dtype=x.dtype)


        def crop(img, N: int):
            return Arr(img.shape[0], N, N, dtype=img.dtype)


        def pair(x):
            return x, Arr(x.shape[0], dtype="int32")


        def ragged(x):
            return Arr(x.shape[0])


        def same(x):
            return x


        def never_called(x):
            return x


        class Model:
            def __init__(self, width):
                self.width = width

            def forward(self, x):
                return Arr(x.shape[0], self.width, dtype=x.dtype)
    ''',
    "drive.py": '''
        import sys
        from fakepkg.arrays import Arr
        from fakepkg import ops

        out = []
        for b, c in [(2, 3), (4, 1), (3, 4)]:
            out.append(ops.flatten(Arr(b, 8, 8, c)).shape)
            out.append(ops.crop(Arr(b, 32, 32), 8 + b).shape)
            out.append(ops.pair(Arr(b, 2))[1].shape)
            out.append(ops.Model(5).forward(Arr(b, 7)).shape)
        ops.ragged(Arr(2, 3))
        ops.ragged(Arr(2, 3, 4))
        ops.same(Arr(2, 3))
        ops.same(Arr(5, 2, 3))
        print("RESULT", out)
    ''',
    "test_suite.py": '''
        from fakepkg.arrays import Arr
        from fakepkg import ops


        def test_good():
            assert ops.flatten(Arr(2, 4, 4, 3)).shape == (6, 4, 4, 1)
            assert ops.flatten(Arr(5, 4, 4, 2)).shape == (10, 4, 4, 1)


        def test_wrong_on_purpose():
            ops.flatten(Arr(7, 4, 4))  # a rank-3 input: the test fails, so the call is no evidence
    ''',
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for rel, text in PACKAGE.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def _infer(project: Path, *command: str, extra: tuple[str, ...] = ()) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["infer", "--packages", "fakepkg", "-o", str(project / "pack.toml"), *extra, "--", *command], out, err)
    return code, out.getvalue(), err.getvalue()


def test_infer_records_a_script_and_writes_a_usable_pack(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("PYTHONPATH", str(project))
    code, out, _ = _infer(project, sys.executable, "drive.py", extra=("--report", str(project / "r.json")))
    assert code == 0, out
    printed = capfd.readouterr()
    # never changes what the code computes
    assert "RESULT [(6, 8, 8, 1), (2, 10, 10), (2,), (2, 5), (4, 8, 8, 1), (4, 12, 12), (4,), (4, 5), " in printed.out
    assert "Error in sitecustomize" not in printed.err
    stubs = load_packs([project / "pack.toml"]).stubs
    assert stubs["fakepkg.ops.flatten"].signature.text == "B 8 8 C -> B*C 8 8 1"
    assert stubs["fakepkg.ops.crop"].signature.text == "B 32 32 -> B N N"
    assert stubs["fakepkg.ops.pair"].signature.text == "B 2 -> B 2, B"
    assert stubs["fakepkg.ops.Model.forward"].signature.text == "B 7 -> B width"
    assert "fakepkg.ops.ragged" not in stubs
    assert "fakepkg.ops.ragged: calls disagree: x was seen with ranks 2, 3" in out
    assert stubs["fakepkg.ops.same"].signature.text == "*batch 2 3 -> *batch 2 3"  # leading dims vary in number
    assert "not reached by the command:\n  fakepkg.ops.never_called" in out
    report = json.loads((project / "r.json").read_text())
    assert report["summary"]["proposed"] == 5 and report["summary"]["calls"] >= 16
    pack_text = (project / "pack.toml").read_text()
    assert 'dtypes = ["float32", "int32"]' not in pack_text and 'dtypes = ["float32", "float32", "int32"]' in pack_text


def test_calls_of_failing_tests_are_not_evidence(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("PYTHONPATH", str(project))
    code, out, err = _infer(project, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_suite.py")
    assert code == 0
    assert "the command exited with 1" in err
    assert "calls made by 1 failing test(s) were not used as evidence" in out
    stubs = load_packs([project / "pack.toml"]).stubs
    assert stubs["fakepkg.ops.flatten"].signature.text == "B 4 4 C -> B*C 4 4 1"


def test_saved_observations_generalise_without_rerunning(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("PYTHONPATH", str(project))
    saved = project / "obs.json"
    assert _infer(project, sys.executable, "drive.py", extra=("--observations", str(saved)))[0] == 0
    first = (project / "pack.toml").read_text()
    out, err = io.StringIO(), io.StringIO()
    assert run(["infer", "--from-observations", str(saved), "-o", str(project / "again.toml")], out, err) == 0
    again = (project / "again.toml").read_text()
    assert again[again.index("[[stub]]"):] == first[first.index("[[stub]]"):]


def test_usage_errors_are_clear(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run(["infer", "--", "true"], io.StringIO(), err) == 2 and "--packages" in err.getvalue()
    err = io.StringIO()
    assert run(["infer", "--packages", "x"], io.StringIO(), err) == 2 and "command" in err.getvalue()
    bad = tmp_path / "obs.json"
    bad.write_text("{not json")
    err = io.StringIO()
    assert run(["infer", "--from-observations", str(bad)], io.StringIO(), err) == 2
    assert "obs.json: not a shapecheck observations file" in err.getvalue()
    err = io.StringIO()
    assert run(["infer", "--packages", "x", "-o", str(tmp_path / "no" / "p.toml"), "--", "true"], io.StringIO(), err) == 2
    assert "p.toml: the directory" in err.getvalue() and "does not exist" in err.getvalue()
    err = io.StringIO()
    assert run(["infer", "--packages", "x", "-o", str(tmp_path / "p.toml"), "--", "no-such-command-xyz"],
               io.StringIO(), err) == 2
    assert "cannot run no-such-command-xyz" in err.getvalue() and "no function of the packages" in err.getvalue()


def test_inferred_pack_is_used_by_check_at_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("PYTHONPATH", str(project))
    assert _infer(project, sys.executable, "drive.py")[0] == 0
    (project / "pyproject.toml").write_text('[tool.shapecheck]\npacks = ["pack.toml"]\n')
    (project / "use.py").write_text(textwrap.dedent('''\
        import tensorflow as tf
        from shapecheck import Float32
        from fakepkg.ops import flatten


        def ok(x: Float32[tf.Tensor, "B 8 8 C"]) -> Float32[tf.Tensor, "B*C 8 8 1"]:
            return flatten(x)


        def wrong_rank(x: Float32[tf.Tensor, "B 8 8"]):
            return flatten(x)
    '''))
    out = io.StringIO()
    code = run(["check", "use.py", "--no-cache", "--concise", "--config", str(project / "pyproject.toml")], out,
               io.StringIO())
    assert code == 1
    assert out.getvalue().splitlines()[0].startswith("use.py:11:")
    assert "(contract from pack.toml)" in out.getvalue() and "rank 3" in out.getvalue()
