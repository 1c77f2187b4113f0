"""``shapecheck.install_import_hook`` and ``pytest --shapecheck-packages`` on a throwaway package."""

from __future__ import annotations

import importlib
import importlib.metadata
import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import shapecheck
from shapecheck import ShapeContractError

ROOT = Path(__file__).resolve().parents[2]
_counter = itertools.count()

OPS = '''
"""A module that never mentions shapecheck.check."""
from __future__ import annotations

import numpy as np
from shapecheck import Float32, Shaped


def pair(x: Float32[np.ndarray, "B C"], y: Float32[np.ndarray, "B*C 2"]) -> Float32[np.ndarray, "B C"]:
    return x


def plain(x: int) -> int:
    return x + 1


def untyped(x):
    return x


def later(x: Shaped[np.ndarray, "N"]) -> Defined:
    return x


class Defined:
    def method(self, x: Shaped[np.ndarray, "N 2"]) -> Shaped[np.ndarray, "N"]:
        return x[:, 0]

    @staticmethod
    def static(x: Shaped[np.ndarray, "3"]) -> None:
        return None

    @property
    def size(self) -> int:
        return 3


def outer(n: int):
    def inner(x: Shaped[np.ndarray, "N"]) -> Shaped[np.ndarray, "N"]:
        return x[:n]
    return inner
'''


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    """A fresh package ``hookpkgN`` (its own name: no module cache is shared between tests)."""
    name = f"hookpkg{next(_counter)}"
    root = tmp_path / "src"
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "ops.py").write_text(OPS)
    sys.path.insert(0, str(root))
    finders = list(sys.meta_path)
    try:
        yield name
    finally:
        sys.path.remove(str(root))
        sys.meta_path[:] = finders
        for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[mod]


def _import(name: str) -> ModuleType:
    importlib.invalidate_caches()
    return importlib.import_module(f"{name}.ops")


def z(*shape: int, dtype: str = "float32") -> np.ndarray:
    return np.zeros(shape, dtype)


def test_hook_checks_every_contracted_function_of_the_package(package: str) -> None:
    shapecheck.install_import_hook(package)
    ops = _import(package)
    assert ops.pair(z(2, 3), z(6, 2)).shape == (2, 3)  # right call passes
    with pytest.raises(ShapeContractError, match=r"pair: argument 'y' breaks its contract float32 \"B\*C 2\""):
        ops.pair(z(2, 3), z(5, 2))
    with pytest.raises(ShapeContractError, match="dtype float64"):
        ops.pair(z(2, 3, dtype="float64"), z(6, 2))
    with pytest.raises(ShapeContractError, match=r"Defined.method: argument 'x'"):
        ops.Defined().method(z(4, 3))  # methods too
    with pytest.raises(ShapeContractError, match="Defined.static"):
        ops.Defined.static(z(4))
    with pytest.raises(ShapeContractError, match="inner: return value"):
        ops.outer(2)(z(5))  # nested functions too
    assert ops.Defined().size == 3  # property untouched
    assert ops.plain(1) == 2 and ops.untyped is ops.untyped
    assert not hasattr(ops.plain, "__shapecheck_contracts__")  # no contracts: the function itself


def test_forward_references_are_checked_from_the_first_call(package: str) -> None:
    shapecheck.install_import_hook(package)
    ops = _import(package)
    assert ops.later(z(3)).shape == (3,)
    with pytest.raises(ShapeContractError, match="later: argument 'x'"):
        ops.later(z(3, 1))


def test_off_mode_costs_nothing_functions_are_the_originals(package: str) -> None:
    shapecheck.set_mode("off")
    shapecheck.install_import_hook(package)
    ops = _import(package)
    assert not hasattr(ops, "__shapecheck_hooked__")  # the source was not even rewritten
    for fn in (ops.pair, ops.Defined.method, ops.later):
        assert not hasattr(fn, "__shapecheck_contracts__") and not hasattr(fn, "__wrapped__")
    ops.pair(z(2, 3), z(5, 2))  # unchecked


def test_rewritten_bytecode_is_never_cached(package: str, tmp_path: Path) -> None:
    shapecheck.install_import_hook(package)
    _import(package)
    cache = tmp_path / "src" / package / "__pycache__"
    assert not list(cache.glob("ops.*.pyc"))


def test_the_hook_leaves_other_packages_alone(package: str) -> None:
    finder = shapecheck.install_import_hook("some_other_package")
    ops = _import(package)
    assert not hasattr(ops.pair, "__shapecheck_contracts__")
    shapecheck.uninstall_import_hook(finder)
    assert finder not in sys.meta_path


def test_pytest_option_installs_the_hook(package: str, tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_uses_pkg.py").write_text(
        textwrap.dedent(
            f"""
            import numpy as np
            import pytest
            from shapecheck import ShapeContractError
            from {package} import ops

            def test_wrong_call_is_caught():
                with pytest.raises(ShapeContractError):
                    ops.pair(np.zeros((2, 3), np.float32), np.zeros((5, 2), np.float32))

            def test_right_call_passes():
                ops.pair(np.zeros((2, 3), np.float32), np.zeros((6, 2), np.float32))
            """
        )
    )
    (tests / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "SHAPECHECK_MODE"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "src"), str(ROOT)])
    installed = any(ep.value == "shapecheck.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", "shapecheck.pytest_plugin"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, f"--shapecheck-packages={package}", str(tests)],
        capture_output=True, text=True, env=env, cwd=tests,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "2 passed" in run.stdout
    without = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, str(tests)],
        capture_output=True, text=True, env=env, cwd=tests,
    )
    assert "1 failed" in without.stdout  # the wrong call is only caught with the option


@pytest.mark.parametrize("recorder_first", [True, False])
def test_a_recorded_package_that_checks_itself_is_checked_and_recorded(package: str, recorder_first: bool) -> None:
    # the checker's hook and the recorder of ``shapecheck infer`` share one finder mechanism:
    # whichever is installed first, a module of both packages gets both
    from shapecheck.infer import hook as recorder

    installs = [lambda: recorder.install([package], None), lambda: shapecheck.install_import_hook(package)]
    for install in installs if recorder_first else installs[::-1]:
        install()
    ops = _import(package)
    assert ops.pair(z(2, 3), z(6, 2)).shape == (2, 3)
    with pytest.raises(ShapeContractError, match="pair: argument 'y'"):
        ops.pair(z(2, 3), z(5, 2))
    rec = recorder.OBSERVATIONS.functions[f"{package}.ops:pair"]
    assert (rec.calls_seen, rec.raised) == (1, 1)
    (seen,) = rec.distinct.values()
    assert seen.args["y"] == ("T", (6, 2), "float32", "np")
    assert f"{package}.ops.Defined:method" not in recorder.OBSERVATIONS.functions  # keyed module:qualname
    assert f"{package}.ops:Defined.method" in recorder.OBSERVATIONS.functions
