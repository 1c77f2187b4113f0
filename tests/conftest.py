"""Session-wide test settings: hypothesis profiles.

CI (``CI=true``, as GitHub Actions and ``.ci/run`` environments set it) runs every property
test derandomized: the same examples on every run, no example database, so a commit that
passed once passes again. On a developer's machine the ``dev`` profile keeps exploring
randomly; any failure it finds is printed with its reproduction blob and must be added to
the test as an explicit ``@example`` (that is how the regressions in the property tests got
there). ``HYPOTHESIS_PROFILE`` picks a profile explicitly.

Profiles are loaded here, before any test module is imported, so the ``@settings`` of each
test (example counts, health checks) inherit them.
"""

from __future__ import annotations

import os

from hypothesis import settings

# Both built on hypothesis's own defaults: recent hypothesis loads a built-in "ci" profile
# by itself whenever a CI variable is merely present, and profiles otherwise inherit it.
# No deadline: a test asserts behaviour, never time (on a loaded machine hypothesis's 200 ms
# per-example deadline failed test_literals on an example that passes).
_BASE = settings(settings.get_profile("default"), deadline=None)
settings.register_profile("ci", parent=_BASE, derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", parent=_BASE, derandomize=False, print_blob=True)


def _profile() -> str:
    chosen = os.environ.get("HYPOTHESIS_PROFILE", "").strip()
    if chosen:
        return chosen
    return "ci" if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes") else "dev"


settings.load_profile(_profile())
