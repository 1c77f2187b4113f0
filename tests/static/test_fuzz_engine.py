"""Fuzz: generated Python that CPython accepts never makes the analyser fail internally.

Every generated module goes through the whole API (summary, project, check, explain). The
only acceptable refusal is an ``AnalysisError`` with code SC003 (Python that libcst cannot
read); no exception may escape and no SC005 (a rule failing on a function) may be reported.
Derandomized when ``CI`` is set; exploring randomly otherwise. Examples that once failed
are kept below as explicit regression tests.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from shapecheck.static.api import AnalysisError, build_project, check_module, explain_module, load_packs, summarise_module

from python_gen import accepted_by_cpython, python_module

PACKS = load_packs()


def _analyse(source: str, directory: Path) -> None:
    path = directory / "pkg" / "generated.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    try:
        summary = summarise_module(path, source, PACKS)
    except AnalysisError as exc:
        assert exc.code == "SC003", f"CPython accepts this, the analyser calls it {exc.code}: {exc.message}"
        return
    project = build_project([summary], PACKS)
    findings = check_module(path, source, project, PACKS)
    failures = [f for f in findings if f.code == "SC005"]
    assert not failures, failures[0].message
    explain_module(path, source, None, project, PACKS)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(python_module())
def test_generated_python_never_fails_internally(tmp_path_factory: pytest.TempPathFactory, source: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assume(accepted_by_cpython(source))
    _analyse(source, tmp_path_factory.mktemp("fuzz"))


REGRESSIONS = {
    # the reports: AttributeError in xla/collect.py, ZeroDivisionError in shape_math.py
    "match": "import tensorflow as tf\n\n@tf.function(jit_compile=True)\ndef f(x):\n    match x:\n        case 1:\n            return x\n",
    "slice-step-0": "import tensorflow as tf\n\ndef f(y):\n    z = tf.zeros([4, 3])\n    return z[::0]\n",
    "form-feed-before-indent": "def f(x):\n\x0c    y = x\n    \x0c    return y\n",
    "backslash-before-indent": "def f():\n\\\n    return 1\n",
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression(name: str, tmp_path: Path) -> None:
    source = REGRESSIONS[name]
    assert accepted_by_cpython(source)
    _analyse(source, tmp_path)
