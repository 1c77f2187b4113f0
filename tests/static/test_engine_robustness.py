"""The analyser never crashes on valid Python, and a rule that fails on one function is contained.

Regression tests for inputs that once ended a run with exit 2 (a ``match`` statement, a slice
step of 0) and for the SC005 report that replaces such a crash if another one is found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from shapecheck.findings import Finding
from shapecheck.static.api import AnalysisError, KnowledgePacks, summarise_module

from conftest import codes

Lint = Callable[..., list[Finding]]

MATCH_IN_COMPILED_REGION = '''\
import tensorflow as tf


@tf.function(jit_compile=True)
def pick(x, mode):
    match mode:
        case "flat":
            y = tf.reshape(x, [-1])
        case _:
            def inner(z):
                return z
            y = inner(x)
    return tf.reshape(tf.zeros([4, 3]), [5])
'''


def test_match_statement_is_analysed_by_every_rule(lint: Lint) -> None:
    # used to raise AttributeError: 'Match' object has no attribute 'body' (xla/collect.py)
    found = codes(lint(MATCH_IN_COMPILED_REGION))
    assert found == [(4, "SC303"), (13, "SC104")]


def test_match_case_bodies_are_walked_for_definitions(lint: Lint) -> None:
    src = '''\
import tensorflow as tf


def outer(kind):
    match kind:
        case 1:
            @tf.function(jit_compile=True)
            def step(x):
                return tf.where(x > 0)
            return step
'''
    assert codes(lint(src)) == [(7, "SC303"), (9, "SC202")]


def test_slice_with_step_zero_is_unknown_not_a_crash(lint: Lint) -> None:
    # used to raise ZeroDivisionError in shape_math.slice_length
    src = "import tensorflow as tf\n\n\ndef f(y):\n    z = tf.zeros([4, 3])\n    w = z[::0]\n    return tf.reshape(z, [5])\n"
    assert codes(lint(src)) == [(7, "SC104")]


@pytest.mark.parametrize("src", [
    "def f():\n\\\n    return 1\n",  # a backslash continuation before an indented line
    "if 1:\n    \\\nx = 1\n",
])
def test_python_that_libcst_cannot_read_is_sc003_not_a_syntax_error(src: str, packs: KnowledgePacks, tmp_path: Path) -> None:
    compile(src, "x.py", "exec")  # valid for CPython
    with pytest.raises(AnalysisError) as info:
        summarise_module(tmp_path / "x.py", src, packs)
    assert info.value.code == "SC003"
    assert "libcst" in info.value.message and "syntax error" not in info.value.message


def test_real_syntax_error_stays_sc001(packs: KnowledgePacks, tmp_path: Path) -> None:
    with pytest.raises(AnalysisError) as info:
        summarise_module(tmp_path / "x.py", "def f(:\n    pass\n", packs)
    assert info.value.code == "SC001"


def test_a_shape_rule_crash_on_one_function_is_sc005_and_the_rest_is_checked(lint: Lint, monkeypatch: pytest.MonkeyPatch) -> None:
    from shapecheck.static.infer import Analyzer

    original = Analyzer.analyse_function

    def crash(self: Analyzer, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if fn.name.value == "broken":
            raise KeyError("boom")
        return original(self, fn, *args, **kwargs)

    monkeypatch.setattr(Analyzer, "analyse_function", crash)
    src = ("import tensorflow as tf\n\n\ndef broken(x):\n    return tf.reshape(tf.zeros([4, 3]), [5])\n\n\n"
           "def fine(x):\n    return tf.reshape(tf.zeros([4, 3]), [7])\n")
    findings = lint(src)
    assert codes(findings) == [(4, "SC005"), (9, "SC104")]
    sc005 = next(f for f in findings if f.code == "SC005")
    assert sc005.severity == "warning" and sc005.col == 5
    assert "`mod.broken`" in sc005.message and "KeyError" in sc005.message and "shape rules" in sc005.message


def test_a_compiled_region_rule_crash_on_one_function_is_sc005(lint: Lint, monkeypatch: pytest.MonkeyPatch) -> None:
    from shapecheck.static.xla import check as xla_check

    original = xla_check.FunctionChecker.run

    def crash(self):  # type: ignore[no-untyped-def]
        if self.qualname.endswith("broken"):
            raise AttributeError("no such thing")
        return original(self)

    monkeypatch.setattr(xla_check.FunctionChecker, "run", crash)
    src = ("import tensorflow as tf\n\n\n@tf.function(jit_compile=True)\ndef broken(x):\n    return tf.where(x > 0)\n\n\n"
           "@tf.function(jit_compile=True)\ndef fine(x):\n    return tf.where(x > 0)\n")
    found = codes(lint(src))
    assert (5, "SC005") in found and (11, "SC202") in found and (6, "SC202") not in found


def test_recursion_in_a_rule_is_still_a_file_level_error(packs: KnowledgePacks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shapecheck.static.infer import Analyzer

    def deep(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(Analyzer, "analyse_function", deep)
    src = "import tensorflow as tf\n\n\ndef f(x):\n    return tf.reshape(tf.zeros([4, 3]), [5])\n"
    with pytest.raises(AnalysisError) as info:
        summarise_module(tmp_path / "mod.py", src, packs)
    assert info.value.code == "SC003"
