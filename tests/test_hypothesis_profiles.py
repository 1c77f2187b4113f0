"""The hypothesis profiles of tests/conftest.py: derandomized in CI, random locally."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent


def test_ci_profile_is_derandomized_without_a_database() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None
    assert settings.get_profile("dev").derandomize is False


def test_no_profile_has_a_deadline() -> None:
    """A property test asserts behaviour, not time: a loaded machine must not fail it."""
    assert settings.get_profile("ci").deadline is None
    assert settings.get_profile("dev").deadline is None


def test_the_active_profile_follows_the_ci_variable() -> None:
    in_ci = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return  # chosen explicitly: nothing to infer from CI
    assert settings.default.derandomize is in_ci


def _collected_derandomize(ci: str | None) -> str:
    """What a property test's own @settings resolve to, in a fresh pytest run with CI=ci."""
    probe = (
        "import sys; sys.path.insert(0, 'tests/runtime');"
        "import conftest as _c; import test_properties as t;"
        "print(t.test_eager_verdict_matches_oracle._hypothesis_internal_use_settings.derandomize)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HYPOTHESIS_PROFILE", None)
    env.pop("CI", None)
    if ci is not None:
        env["CI"] = ci
    code = f"import sys; sys.path.insert(0, 'tests'); import conftest; {probe}"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_property_tests_inherit_the_profile() -> None:
    """A test's @settings(max_examples=...) keeps the profile's derandomize (loaded first)."""
    assert _collected_derandomize("true") == "True"
    assert _collected_derandomize(None) == "False"
    assert _collected_derandomize("") == "False"  # present but not "true": still a local run
