"""One import table per file: the shape rules and the compiled-region rules read the same names."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck.findings import Finding
from shapecheck.static.parsed import parse_file
from shapecheck.static.xla.collect import model_for

from conftest import codes

IMPORTORSKIP = '''\
import pytest

tf = pytest.importorskip("tensorflow")


@tf.function(jit_compile=True)
def test_reshape():
    x = tf.zeros([4, 3])
    return tf.reshape(x, [5])
'''


def test_importorskip_module_gets_its_shape_finding_too(lint: Callable[..., list[Finding]]) -> None:
    # The XLA rules knew `tf = pytest.importorskip("tensorflow")` (SC303); the shape rules did not (no SC104).
    assert codes(lint(IMPORTORSKIP)) == [(6, "SC303"), (9, "SC104")]


SPELLINGS = [
    "import tensorflow as tf",
    "tf = pytest.importorskip('tensorflow')",
    "tf = importlib.import_module('tensorflow')",
    "try:\n    import tensorflow as tf\nexcept ImportError:\n    tf = None",
    "from tensorflow import signal as tf",
    "from . import tf",
    "from ..pkg import tf",
    "def tf():\n    pass",
    "class tf:\n    pass",
    "import tensorflow.compat.v1 as tf",
    "import tf.nn",
    "if True:\n    from keras import ops as tf",
]


def _both(source: str, path: str) -> tuple[str | None, str | None]:
    parsed = parse_file(path, source)
    expr = cst.parse_expression("tf.reshape")
    shape_side = parsed.qualname(expr)
    xla_side = model_for(parsed.module, parsed.module_name, path).imports.resolve(expr)
    return shape_side, xla_side


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_shape_and_compiled_region_rules_agree_on_a_name(spelling: str, tmp_path: Path) -> None:
    path = str(tmp_path / "pkg" / "mod.py")
    shape_side, xla_side = _both(spelling + "\n", path)
    assert xla_side is not None and shape_side == xla_side


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SPELLINGS), min_size=1, max_size=4))
def test_agreement_holds_for_any_sequence_of_bindings(spellings: list[str]) -> None:
    shape_side, xla_side = _both("\n".join(spellings) + "\n", "/tmp/pkg/mod.py")
    assert xla_side is not None and shape_side == xla_side


def test_both_halves_hold_the_same_table_object(tmp_path: Path) -> None:
    path = str(tmp_path / "mod.py")
    parsed = parse_file(path, "import tensorflow as tf\n")
    # the compiled-region rules, handed only the tree, find the parsed file's own model and table
    assert model_for(parsed.module, parsed.module_name, path) is parsed.model
    assert model_for(parsed.module, parsed.module_name, path).imports is parsed.imports()
