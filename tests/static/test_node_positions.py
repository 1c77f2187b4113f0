"""Positions from regenerating one top-level statement equal libcst's PositionProvider, node for node."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from hypothesis import HealthCheck, given, settings
from libcst.metadata import MetadataWrapper, PositionProvider
from python_gen import accepted_by_cpython, python_module

from shapecheck.static.guard import TokenScan, check_source
from shapecheck.static.node_positions import NodePositions
from shapecheck.static.xla.walk import iter_nodes

REPO = Path(__file__).resolve().parents[2]


def _agree(text: str) -> NodePositions:
    scan = TokenScan()
    assert check_source(text, scan) is None
    module = cst.parse_module(text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    exact = wrapper.resolve(PositionProvider)
    mine = NodePositions(module, wrapper, text, scan)
    for node in iter_nodes(module):
        if node is not module:
            assert mine.get(node) == exact[node], (module.code_for_node(node), mine.get(node), exact[node])
    return mine


def test_positions_in_files_of_this_repository() -> None:
    files = sorted((REPO / "shapecheck" / "static").rglob("*.py"))[:12] + sorted((REPO / "examples").rglob("*.py"))[:12]
    for path in files:
        mine = _agree(path.read_text(encoding="utf-8"))
        assert mine.full is None  # the scan was used, not PositionProvider


def test_positions_in_awkward_layouts() -> None:
    text = ("# header\n\n\n@dec(\n  a)\n\n# between\n@d2\ndef f(a,\n      b):\n    s = '''\ndef fake():\n'''\n"
            "    return 1\nif x:\n    pass\nelif y:\n    pass\nelse:\n    pass\ntry:\n    pass\nexcept E:\n    pass\n"
            "finally:\n    pass\nx = 1 \\\n  + 2; y = [\n3]\nclass K: pass\n\f\ndef g(): return 'ä' + \"ß\"\n")
    assert _agree(text).full is None


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(python_module())
def test_positions_in_generated_modules(text: str) -> None:
    if accepted_by_cpython(text) and check_source(text) is None:
        try:
            cst.parse_module(text)
        except Exception:  # noqa: BLE001 - valid Python libcst refuses: not this test's subject
            return
        _agree(text)
