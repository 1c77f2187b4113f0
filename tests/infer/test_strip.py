"""benchmarks/strip_contracts.py: every contract goes, everything else stays."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "strip_contracts", Path(__file__).resolve().parents[2] / "benchmarks" / "strip_contracts.py"
)
assert _SPEC is not None and _SPEC.loader is not None
strip_contracts = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(strip_contracts)

SOURCE = textwrap.dedent('''\
    from typing import Annotated

    import tensorflow as tf

    from shapecheck import Float32, Shape, check


    @check
    def f(x: Float32[tf.Tensor, "B C"], n: int, y: Annotated[tf.Tensor, Shape("B")] | None = None) -> Float32[tf.Tensor, "B"]:
        return x[:, 0]  # a comment


    class L:
        @staticmethod
        @check
        def call(a: tf.Tensor) -> tf.Tensor:
            return a
''')


def test_contracts_decorators_and_unused_imports_are_removed() -> None:
    out, removed = strip_contracts.strip_source(SOURCE)
    assert removed == 3
    assert "def f(x, n: int, y=None):" in out
    assert "@check" not in out and "shapecheck" not in out
    assert "# a comment" in out and "def call(a: tf.Tensor) -> tf.Tensor:" in out and "@staticmethod" in out


def test_a_tree_is_stripped_in_place(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(SOURCE)
    (tmp_path / "plain.py").write_text("x = 1\n")
    assert strip_contracts.strip_tree(tmp_path) == 3
    assert (tmp_path / "plain.py").read_text() == "x = 1\n"
    assert strip_contracts.strip_tree(tmp_path) == 0
