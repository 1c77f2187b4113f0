"""The token-level guard that runs before libcst: it refuses exactly what it must, and no parse runs."""

from __future__ import annotations

import pytest

from shapecheck.static.guard import check_source


def _cpython_refuses(source: str) -> bool:
    try:
        compile(source, "<guard>", "exec", dont_inherit=True)
    except SyntaxError:
        return True
    return False


@pytest.mark.parametrize("depth", [199, 200, 201, 250])
def test_bracket_limit_is_cpythons(depth: int) -> None:
    source = "x = " + "(" * depth + "1" + ")" * depth + "\n"
    problem = check_source(source)
    assert (problem is not None and problem.code == "SC001") == _cpython_refuses(source)


@pytest.mark.parametrize("levels", [98, 99, 100, 120])
def test_indentation_limit_is_cpythons(levels: int) -> None:
    source = "".join(" " * i + "if x:\n" for i in range(levels)) + " " * levels + "pass\n"
    problem = check_source(source)
    assert (problem is not None and problem.code == "SC001") == _cpython_refuses(source)
    if problem is not None:
        assert problem.line == 101


def test_operator_chains_count_per_expression_not_per_line() -> None:
    pairs = ", ".join(f"a{i} + b{i}" for i in range(2_000))  # 2,000 short expressions: flat
    assert check_source(f"x = [{pairs}]\n") is None
    assert check_source("x = " + " + ".join(["a"] * 400) + "\n").code == "SC003"  # type: ignore[union-attr]
    assert check_source("x = " + ".".join(["a"] * 400) + "\n").code == "SC003"  # type: ignore[union-attr]


def test_strings_comments_and_continuations_are_skipped() -> None:
    body = " + ".join(["a"] * 400)
    assert check_source(f'S = """\\\n{body}\\\n"""\n# {body}\nT = r"{body}"  # {body}\n') is None
    assert check_source('DATA = "' + "a" * 500_000 + '"\n') is None


def test_a_huge_logical_line_is_refused_where_it_starts() -> None:
    problem = check_source("y = 1\n\nDATA = [\n" + ",\n".join(["0.5"] * 60_000) + "]\n")
    assert problem is not None and problem.code == "SC003" and problem.line == 3 and "too large" in problem.message
