"""Suppression comments, SC901, and baseline fingerprints (in-process, synthetic findings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shapecheck.cli import baseline, suppressions
from shapecheck.cli.errors import UsageError
from shapecheck.findings import Finding

SOURCE = '''\
import tensorflow as tf

a = f(x)  # shapecheck: ignore[SC101]
b = g(x)  # shapecheck: ignore[SC1,SC203]
# shapecheck: ignore[SC104]
c = tf.reshape(
    x,
    (3, 4),
)
d = h(  # shapecheck: ignore
    y)
e = k(x)  # shapecheck: ignore[SC102]
s = "# shapecheck: ignore[SC101]"
def fn(
    x,  # a comment
):
    return x
'''


def _f(line: int, code: str = "SC101") -> Finding:
    return Finding("m.py", line, 5, code, f"message for {code}")


def _apply(findings: list[Finding], text: str = SOURCE, enabled=lambda c: True, unused: bool = True):
    return suppressions.apply(findings, text, "m.py", enabled, unused)


def test_same_line_and_prefix() -> None:
    kept, _ = _apply([_f(3), _f(4, "SC105"), _f(4, "SC201")])
    assert [(f.line, f.code) for f in kept] == [(4, "SC201")]


def test_comment_above_covers_whole_multiline_statement() -> None:
    kept, _ = _apply([_f(6, "SC104"), _f(8, "SC104"), _f(9, "SC104")])
    assert kept == []
    kept, _ = _apply([_f(8, "SC101")])
    assert [f.line for f in kept] == [8]


def test_first_line_comment_covers_statement_and_bare_covers_all() -> None:
    kept, _ = _apply([_f(11, "SC203"), _f(10, "SC999")])
    assert kept == []


DECORATED = '''\
import tensorflow as tf


# shapecheck: ignore[SC303]
@tf.function(
    # a comment between the decorator's lines
    jit_compile=True,
)
@other
def step(
    x,
):
    if x:  # shapecheck: ignore[SC104]
        y = tf.reshape(x, [5])
    else:
        y = tf.reshape(x, [7])
    w = """text
# shapecheck: ignore[SC101]
"""; v = f(w)
    return y
'''


def test_statement_starts_come_from_the_tokenizer() -> None:
    # the comment above the first decorator covers every line of the decorated header
    kept, unused = _apply([_f(line, "SC303") for line in (5, 6, 7, 8, 9, 10, 11, 12)], DECORATED)
    assert kept == [] and [u.line for u in unused] == [13]  # only the SC104 one is idle here
    # a header comment covers the header, not the body; a "comment" inside a string is no comment
    kept, _ = _apply([_f(13, "SC104"), _f(14, "SC104"), _f(16, "SC104"), _f(19, "SC101")], DECORATED)
    assert [f.line for f in kept] == [14, 16, 19]
    # a finding on a later line of a multi-line statement (a string, then `; v = f(w)`) is
    # covered by a comment on the line above its first line
    kept, _ = _apply([_f(19, "SC303")], DECORATED.replace("    w = ", "    # shapecheck: ignore[SC303]\n    w = "))
    assert kept == []


def test_with_suppressions_puts_a_comment_above_a_statement_that_ends_in_a_string() -> None:
    text, added = suppressions.with_suppressions(DECORATED, {17: {"SC101"}, 14: {"SC104"}})
    assert added == 2
    lines = text.splitlines()
    assert lines[13] == "        y = tf.reshape(x, [5])  # shapecheck: ignore[SC104]"
    assert lines[16] == "    # shapecheck: ignore[SC101]" and lines[17].startswith("    w = ")


def test_string_is_not_a_comment() -> None:
    kept, _ = _apply([_f(13)])
    assert [f.line for f in kept] == [13]


def test_unused_suppressions_reported_per_code() -> None:
    _, unused = _apply([_f(3), _f(4, "SC101")])
    by_line = {f.line: f for f in unused}
    assert set(by_line) == {4, 5, 10, 12}
    assert "SC203 is not reported here" in by_line[4].message
    assert all(f.code == "SC901" and f.severity == "warning" for f in unused)


def test_disabled_codes_are_not_called_unused() -> None:
    _, unused = _apply([_f(3)], enabled=lambda c: c == "SC101")
    assert {f.line for f in unused} == {10}  # only the bare ignore, which covers everything


def test_file_level_forms() -> None:
    text = "# shapecheck: ignore-file[SC2]\nx = 1\ny = 2  # shapecheck: ignore[SC101]\n"
    kept, unused = _apply([_f(2, "SC203"), _f(2, "SC101")], text)
    assert [(f.line, f.code) for f in kept] == [(2, "SC101")]
    assert [f.line for f in unused] == [3]
    kept, unused = _apply([_f(2, "SC203"), _f(3, "SC101")], "x = 1  # shapecheck: ignore-file\n")
    assert kept == [] and unused == []


def test_malformed_directive_reported() -> None:
    text = "x = 1  # shapecheck: ignroe[SC101]\ny = 2  # shapecheck: ignore[E501]\nz = 3  # noqa: a shapecheck: thing\n"
    kept, unused = _apply([_f(1)], text)
    assert [f.line for f in kept] == [1]
    assert [f.line for f in unused] == [1, 2]
    assert "unrecognised" in unused[0].message and "'E501'" in unused[1].message


def test_unparseable_file_still_honours_ignore_file() -> None:
    text = "# shapecheck: ignore-file[SC001]\ndef f(:\n"
    kept, _ = _apply([Finding("m.py", 2, 7, "SC001", "syntax error")], text, unused=False)
    assert kept == []


def _keyed(findings: list[Finding], text: str):
    lines = text.splitlines()
    return baseline.keys_for(findings, lambda p: p, lambda p, n: lines[n - 1] if 0 < n <= len(lines) else "")


def test_baseline_stable_across_line_shifts_and_counts_duplicates(tmp_path: Path) -> None:
    text = "x = f(a)\ny = f(a)\nx = f(a)\n"
    old = [Finding("m.py", 1, 1, "SC101", "bad at line 1"), Finding("m.py", 3, 1, "SC101", "bad at line 3")]
    path = tmp_path / "baseline.json"
    baseline.write(path, _keyed(old, text), "0.1.0")
    known = baseline.read(path)
    shifted = "import os\n\n" + text + "x = f(a)\n"
    new = [Finding("m.py", n, 1, "SC101", f"bad at line {n}") for n in (3, 5, 6)] + [Finding("m.py", 4, 1, "SC102", "other")]
    remaining = baseline.only_new(_keyed(new, shifted), known)
    assert [(f.line, f.code) for f in remaining] == [(4, "SC102"), (6, "SC101")]
    document = json.loads(path.read_text())
    assert document["format"] == "shapecheck-baseline" and len(document["findings"]) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), ("{", "not valid JSON"), ('{"a": 1}', "not a shapecheck baseline"),
     ('{"format": "shapecheck-baseline", "version": 9}', "version 9"),
     ('{"format": "shapecheck-baseline", "version": 1, "findings": [{}]}', "entry 0")],
)
def test_bad_baseline_files(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=message):
        baseline.read(path)
