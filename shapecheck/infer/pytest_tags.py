"""A pytest plugin loaded into recorded runs: each call is tagged with the test that made it.

Calls made by a test that fails are not evidence (a suite run on code with its contracts
stripped fails exactly the tests that feed it wrong shapes on purpose). Without the recorder
installed the hooks do nothing.
"""

from __future__ import annotations

from typing import Any

from shapecheck.infer import hook


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    hook.set_tag(nodeid)


def pytest_runtest_logreport(report: Any) -> None:
    if report.failed:
        hook.mark_failed(report.nodeid)


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    hook.set_tag(None)
