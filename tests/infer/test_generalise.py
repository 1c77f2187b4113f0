"""Generalisation from recorded calls to contracts (pure Python, no TensorFlow)."""

from __future__ import annotations


from hypothesis import given, settings, strategies as st

from shapecheck.contract.spec import parse_signature
from shapecheck.infer.generalise import dtype_family, generalise, generalise_module
from shapecheck.infer.naming import docstring_tuples, source_comments
from shapecheck.infer.observe import Call, FunctionInfo, Observations, describe, from_json, to_json

# derandomized in CI and random locally by the profile of tests/conftest.py
PROPERTY = settings(max_examples=60, deadline=None)


def T(*dims: int | None, dtype: str = "float32", kind: str = "tf") -> tuple[object, ...]:
    return ("T", tuple(dims), dtype, kind)


def info(name: str, params: list[str], doc: str = "", kind: str = "function", module: str = "pkg.mod") -> FunctionInfo:
    return FunctionInfo(module, name, params, kind, doc)


def call(result: object, **args: object) -> Call:
    return Call({k: v for k, v in args.items()}, result)  # type: ignore[misc]


def one(name: str, params: list[str], calls: list[Call], doc: str = "") -> str:
    (proposal,) = generalise_module([(info(name, params, doc), calls)])
    assert proposal.reason is None, proposal.reason
    return proposal.signature


# ----- the rules of the issue, one by one ---------------------------------------------------
def test_equal_sizes_become_one_name_and_constants_literals() -> None:
    calls = [call(T(b, n, n, 1), x=T(b, n, n, 1)) for b, n in [(2, 8), (3, 16), (5, 8)]]
    sig = parse_signature(one("f", ["x"], calls))
    (p,), (r,) = sig.params, sig.results
    assert p.text == r.text
    names = [d.text for d in p.dims]
    assert names[1] == names[2] != names[0] and names[3] == "1"


def test_product_of_two_dims_becomes_an_expression() -> None:
    calls = [call(T(b * c, 8, 8, 1), x=T(b, 8, 8, c)) for b, c in [(2, 3), (3, 4), (1, 1), (4, 2)]]
    sig = one("channel_to_flat", ["x"], calls, doc="``(B, H, W, C) -> (B*C, H, W, 1)``")
    assert sig == "B 8 8 C -> B*C 8 8 1"


def test_square_of_a_dim_and_names_from_the_docstring() -> None:
    calls = [call(T(b, n, n, g * g), x=T(b, g, g, n, n, 1)) for b, g, n in [(4, 2, 8), (2, 3, 8), (1, 1, 4)]]
    sig = one("grid_to_channel", ["x"], calls, doc="``(B, g, g, N, N, 1) -> (B, N, N, g*g)``")
    assert sig == "B g g N N 1 -> B N N g*g"


def test_a_product_that_one_configuration_fits_is_a_coincidence() -> None:
    # regression (ptycho_core.stitch.group_phases on the fast tests): the patch side was 16 and
    # the channels 4 in every call, and 16 was read as C*C
    calls = [call(T(g), patches=T(g, 16, 16, 4)) for g in (2, 5)]
    assert one("phases", ["patches"], calls) == "B 16 16 4 -> B"
    # one call is enough where the docstring writes the expression: see
    # test_docstring_name_varying_elsewhere_in_the_module_is_not_a_literal (unflatten)


def test_sum_needs_two_witnesses_and_uses_a_named_dim() -> None:
    calls = [call(T(b, n + 2 * p, 1), x=T(b, n, 1), y=T(p, 2)) for b, n, p in [(2, 8, 1), (3, 8, 2), (2, 16, 3)]]
    params, result = one("f", ["x", "y"], calls).split(" -> ")
    n, p = params.split()[1], params.split()[3]
    assert result == f"B {n}+2*{p} 1"
    single = [call(T(2, 12, 1), x=T(2, 8, 1), y=T(2, 2))]  # one call: 12 = 8 + 2*2 could be anything
    assert "+" not in one("f", ["x", "y"], single)


def test_a_parameter_dim_is_only_expressed_through_parameter_dims() -> None:
    # flat_to_channel: rows = B*C, but B and C are only bound by the result: keep rows a name
    calls = [call(T(b, 4, 4, c), x=T(b * c, 4, 4, 1), channels=("I", c)) for b, c in [(2, 3), (3, 4), (2, 2)]]
    sig = one("flat_to_channel", ["x", "channels"], calls)
    params, results = sig.split(" -> ")
    assert "*" not in params and params.split()[0] not in results.split()


def test_a_dim_the_docstring_names_is_not_rewritten_as_an_expression() -> None:
    # regression (a stranger's package): C = W//N fits (2, 8, 6, 3) and (4, 5, 5, 1) by coincidence
    calls = [call(T(*shape), images=T(*shape)) for shape in [(2, 8, 6, 3), (4, 5, 5, 1)]]
    assert one("normalise", ["images"], calls, doc="Normalise ``images`` (N, H, W, C).") == "N H W C -> N H W C"


def test_int_parameter_carries_a_constant_dim_name() -> None:
    calls = [call(T(b, 8, 8, 3), obj=T(b, 16, 16, 1), N=("I", 8)) for b in (1, 2, 5)]
    assert one("extract", ["obj", "N"], calls) == "B 16 16 1 -> B N N 3"


def test_trace_time_none_counts_as_varying() -> None:
    calls = [call(T(None, 4), x=T(None, 4)), call(T(6, 4), x=T(6, 4))]
    assert one("f", ["x"], calls) == "B 4 -> B 4"


def test_docstring_name_varying_elsewhere_in_the_module_is_not_a_literal() -> None:
    varying = [call(T(b * 4, 2), offsets=T(b, 1, 2, 4)) for b in (1, 2)] + [call(T(6, 2), offsets=T(2, 1, 2, 3))]
    once = [call(T(3, 1, 2, 4), offsets=T(12, 2), channels=("I", 4))]
    out = generalise_module([
        (info("flatten", ["offsets"], "``(B, 1, 2, C)`` to ``(B*C, 2)``"), varying),
        (info("unflatten", ["offsets", "channels"], "``(B*C, 2)`` back to ``(B, 1, 2, C)``"), once),
    ])
    # the docstring writes the parameter's rows as B*C: an expression through result dims, checked on return
    assert [p.signature for p in out] == ["B 1 2 C -> B*C 2", "B*C 2 -> B 1 2 C"]
    assert "one call shape seen" in " ".join(out[1].notes) and not out[0].notes


def test_a_scalar_result_is_spelled_as_parentheses() -> None:
    calls = [call(T(), measured=T(b, 8), predicted=T(b, 8)) for b in (2, 3)]
    assert one("nll", ["measured", "predicted"], calls) == "B 8, B 8 -> ()"
    assert [len(s.dims) for s in parse_signature("B 8, B 8 -> ()").results] == [0]


def test_an_axis_that_varies_for_a_parameter_elsewhere_is_a_dim_not_a_literal() -> None:
    # regression (ptycho_core.stitch.group_phases): every test passed 4 channels, but the same
    # parameter ``patches`` took 1 and 4 channels in another function of the package
    varied = [call(T(b, 8, 8, c), patches=T(b, 8, 8, c)) for b, c in [(2, 1), (3, 4)]]
    fixed = [call(T(g), patches=T(g, 8, 8, 4)) for g in (2, 5)]
    obs = Observations()
    for fn, calls in ((info("reassemble", ["patches"], module="pkg.a"), varied), (info("phases", ["patches"], module="pkg.b"), fixed)):
        rec = obs.register(fn)
        for c in calls:
            rec.add(c, None)
    out = {p.info.qualname: p.signature for p in generalise(obs)}
    assert out == {"reassemble": "B 8 8 C -> B 8 8 C", "phases": "B 8 8 C -> B"}


def test_an_int_parameters_name_names_only_the_dim_it_carries() -> None:
    # regression (ptycho_core.patches.extract_patches): a comment on an intermediate value says
    # (B*C, N, N, 1); obj is not N x N, the patch (carried by ``N: int``) is
    calls = [call(T(b, n, n, 4), obj=T(b, m, m, 1), N=("I", n)) for b, m, n in [(2, 24, 16), (3, 20, 8)]]
    mine = FunctionInfo("pkg.mod", "extract", ["obj", "N"], "function", "", {}, "(B*C, N, N, 1)")
    (p,) = generalise_module([(mine, calls)])
    obj, result = p.signature.split(" -> ")
    assert result == "B N N 4" and obj.split()[1] != "N" and obj.split()[1] == obj.split()[2]


def test_the_cap_on_distinct_calls_never_hides_a_rank_disagreement() -> None:
    # regression (ptycho_core.dims.static_dim): 64 rank-4 call shapes filled the store, the
    # rank-6 calls that came later were dropped, and a wrong "B H W C" contract was proposed
    from shapecheck.infer.observe import MAX_DISTINCT_CALLS, FunctionRecord

    rec = FunctionRecord(info("static_dim", ["x"]))
    for b in range(MAX_DISTINCT_CALLS + 10):
        rec.add(call(("I", 8), x=T(b, 8, 8, 1)), None)
    for b in (1, 2):
        rec.add(call(("I", 8), x=T(b, 2, 2, 8, 8, 1)), None)
    assert rec.dropped == 10 + 1  # the second rank-6 shape has a structure already kept
    (p,) = generalise_module([(rec.info, list(rec.distinct.values()))])
    assert p.signature == "*batch 8 8 1 ->"  # without the rank-6 calls it was "B 8 8 1"


def test_sampling_never_skips_a_call_of_new_ranks() -> None:
    # regression (ptycho_core.dims.static_dim): past 256 calls only every 32nd was described, so
    # the 3 rank-6 calls of grid_to_channel's tests were skipped and "B H W C" was proposed
    import numpy as np

    from shapecheck.infer.hook import ALWAYS_DESCRIBED, SAMPLE_EVERY, _wrap
    from shapecheck.infer.observe import FunctionRecord

    def size(x: object, axis: int) -> int:
        return int(x.shape[axis])  # type: ignore[attr-defined]

    rec = FunctionRecord(info("size", ["x", "axis"]))
    recorded = _wrap(size, rec, bound_self=False)
    for i in range(ALWAYS_DESCRIBED + 1):
        recorded(np.zeros((i % 5 + 1, 3)), 1)
    assert recorded(np.zeros((2, 2, 3)), 2) == 3 and rec.calls_seen % SAMPLE_EVERY != 0
    assert {len(c.args["x"][1]) for c in rec.distinct.values()} == {2, 3}  # type: ignore[index]


def test_rank_disagreement_gives_no_contract_and_says_why() -> None:
    (p,) = generalise_module([(info("f", ["x"]), [call(None, x=T(2, 3)), call(None, x=T(2, 3, 4))])])
    assert p.reason is not None and "ranks 2, 3" in p.reason and "x" in p.reason


# ----- variadic runs: calls that disagree in rank only in leading dims ------------------------
def taps(shift: tuple[int | None, ...], out: int) -> Call:
    r = T(*shift, out)
    return call(("S", "tuple", (T(*shift, out, dtype="int32"), r)), shift=T(*shift), in_size=("I", 24), out_size=("I", out))


def test_leading_dims_that_vary_in_number_are_one_run() -> None:
    # regression (ptycho_core.resample.axis_taps): shift is (R,) in translate and (B, C) in the model
    calls = [taps(s, o) for s, o in [((3,), 8), ((None,), 8), ((None, 4), 16), ((3, 1), 16), ((2,), 12)]]
    (p,) = generalise_module([(info("axis_taps", ["shift", "in_size", "out_size"]), calls)])
    assert p.signature == "*batch -> *batch out_size, *batch out_size"
    assert any("ranks 1, 2" in n and "shift" in n for n in p.notes)


def test_a_run_gives_back_trailing_dims_that_are_dims_by_the_usual_rules() -> None:
    constant = [call(T(*lead, 3), x=T(*lead, 3)) for lead in [(4,), (2, 6), (5, 2, 7)]]
    assert one("normalise", ["x"], constant) == "*batch 3 -> *batch 3"
    tied = [call(T(*lead, c), x=T(*lead, c), w=T(c)) for lead, c in [((2,), 5), ((3, 4), 6), ((1, 2, 3), 2)]]
    x, w, r = one("scale", ["x", "w"], tied).replace(" ->", ",").split(", ")
    assert x == r == f"*batch {w}" and w.isalpha()
    matmul = [call(T(*lead, m, n), a=T(*lead, m, k), b=T(*lead, k, n)) for lead, m, k, n in
              [((), 2, 3, 4), ((5,), 2, 3, 4), ((2, 3), 3, 5, 2)]]
    sig = one("matmul", ["a", "b"], matmul)
    a, b, r = sig.replace(" ->", ",").split(", ")
    assert [a.split()[0], b.split()[0], r.split()[0]] == ["*batch"] * 3
    assert a.split()[2] == b.split()[1] and r.split()[1:] == [a.split()[1], b.split()[2]]


def test_ranks_that_disagree_otherwise_give_no_contract_and_say_why() -> None:
    # x gains a leading dim where the result loses one
    (p,) = generalise_module([(info("f", ["x"]), [call(T(2, 3), x=T(4, 2, 3)), call(T(5, 2, 3), x=T(2, 3))])])
    assert p.reason is not None and "not by the same number of leading dims" in p.reason
    # the extra leading dims of x and y are different sizes
    (p,) = generalise_module([(info("f", ["x", "y"]), [call(None, x=T(2, 5), y=T(7, 5)),
                                                       call(None, x=T(3, 4, 5), y=T(9, 9, 5))])])
    assert p.reason is not None and "not the same sizes" in p.reason


def test_an_existing_contract_names_the_run() -> None:
    mine = FunctionInfo("pkg.mod", "f", ["x"], "function", "", {"x": "*S C"})
    calls = [call(T(*lead, c), x=T(*lead, c)) for lead, c in [((2,), 3), ((4, 5), 3)]]
    (p,) = generalise_module([(mine, calls)])
    assert p.signature == "*S 3 -> *S 3"


def test_a_run_never_takes_a_dims_name() -> None:
    calls = [call(T(*lead, n), x=T(*lead, n), batch=("I", n)) for lead, n in [((2,), 3), ((4, 5), 6)]]
    assert one("f", ["x", "batch"], calls) == "*batch_ batch -> *batch_ batch"


def test_unreached_and_tensorless_functions_say_so() -> None:
    out = generalise_module([(info("f", ["x"]), []), (info("g", ["n"]), [call(("I", 3), n=("I", 3))])])
    assert "not reached" in (out[0].reason or "") and "no tensor" in (out[1].reason or "")


def test_tuple_results_and_optional_arguments() -> None:
    calls = [call(("S", "tuple", (T(b, 2), T(b))), x=T(b, 2), mask=("N",)) for b in (2, 3)]
    calls.append(call(("S", "tuple", (T(4, 2), T(4))), x=T(4, 2), mask=T(4)))
    (p,) = generalise_module([(info("f", ["x", "mask"]), calls)])
    assert p.signature == "B 2, B -> B 2, B"
    assert [s.optional for s in p.params] == [False, True]


def test_ambiguous_products_are_reported_not_guessed() -> None:
    # the result is a*b and c*d in every call: the evidence cannot choose
    calls = [call(T(a * b), a=T(a), b=T(b), c=T(c), d=T(d)) for a, b, c, d in [(2, 6, 3, 4), (1, 10, 2, 5)]]
    (p,) = generalise_module([(info("f", ["a", "b", "c", "d"]), calls)])
    assert "*" not in p.signature and p.ambiguous and " or " in p.ambiguous[0]


def test_failing_tests_are_not_evidence() -> None:
    obs = Observations()
    rec = obs.register(info("f", ["x"]))
    rec.add(call(T(2, 3), x=T(2, 3)), "test_ok")
    rec.add(call(T(5), x=T(5)), "test_bad")
    obs.failed_tags.add("test_bad")
    (p,) = generalise(obs)
    assert p.reason is None and p.signature.count(" ") == 4  # rank 2 only: "B C -> B C"


def test_dtype_family_is_as_narrow_as_the_evidence() -> None:
    assert dtype_family({"float32"}) == "float32"
    assert dtype_family({"float32", "float64"}) == "float"
    assert dtype_family({"float32", "complex64"}) == "inexact"
    assert dtype_family({"int32", "float32"}) == "num"
    assert dtype_family({"bool", "float32"}) == "any"


def test_docstring_tuples_skip_values_and_points() -> None:
    found = docstring_tuples("row ``(dx, dy)`` at ``(x, y)``; ``(B*C, 2)`` and (K, N, N)")
    assert [tuple(e.text for e in t) for t in found] == [("B*C", "2"), ("K", "N", "N")]


def test_an_optional_trailing_part_in_brackets_is_left_out() -> None:
    found = docstring_tuples("values  # (M, H, W, K[, 2]) and (B, N[, N])")
    assert [tuple(e.text for e in t) for t in found] == [("M", "H", "W", "K"), ("B", "N")]


def test_source_comments_are_read_from_an_indented_method() -> None:
    source = """    def call(self, x):  # (B, N, N, C)
        y = x  # same shape
        return '# not a comment'
"""
    assert source_comments(source) == "(B, N, N, C)\nsame shape"


def test_names_from_comments_in_the_body() -> None:
    calls = [call(T(m, 8, 8, 1), images=T(m, 8, 8, 1)) for m in (2, 3)]
    mine = FunctionInfo("pkg.mod", "shift", ["images"], "function", "", {}, "values  # (M, H, W, K[, 2])")
    (p,) = generalise_module([(mine, calls)])
    assert p.signature == "M 8 8 1 -> M 8 8 1"


def test_a_module_names_its_parameters_before_the_package_does() -> None:
    # regression (ptycho_core.translate): images are (R, H, W, K) in resample.py but (M, H, W, K)
    # in translate.py, whose private helper says so in a comment; translate's contract says M
    calls = [call(T(m, 8, 8, 1), images=T(m, 8, 8, 1), offsets=T(m, 2)) for m in (2, 3)]
    resample = FunctionInfo("pkg.resample", "resample", ["images"], "function", "``images (R, H, W, K)``")
    helper = FunctionInfo("pkg.translate", "_dense", ["images", "offsets"], "function", "", {}, "# (M, H, W, K[, 2])")
    public = FunctionInfo("pkg.translate", "translate", ["images", "offsets"], "function")
    other = FunctionInfo("pkg.other", "blur", ["images"], "function")
    obs = Observations()
    for fn in (resample, helper, public, other):
        rec = obs.register(fn)
        for c in calls:
            rec.add(Call({k: v for k, v in c.args.items() if k in fn.params}, c.result), None)
    out = {p.info.qualname: p.signature for p in generalise(obs)}
    assert out["translate"] == "M 8 8 1, M 2 -> M 8 8 1"
    assert out["resample"] == out["blur"] == "R 8 8 1 -> R 8 8 1"  # elsewhere the package's first name holds


# ----- properties --------------------------------------------------------------------------
dims = st.integers(1, 9)


@PROPERTY
@given(st.lists(st.tuples(dims, dims, dims), min_size=3, max_size=8, unique=True))
def test_inferred_contract_accepts_every_recorded_call(sizes: list[tuple[int, int, int]]) -> None:
    """Whatever the sizes, the proposal parses and binding its names reproduces every call."""
    calls = [call(T(b * c, n), x=T(b, n, c), y=T(n)) for b, c, n in sizes]
    (p,) = generalise_module([(info("f", ["x", "y"]), calls)])
    sig = parse_signature(p.signature)
    for c in calls:
        bindings: dict[str, int] = {}
        values = [c.args["x"], c.args["y"], c.result]
        for spec, value in zip((*sig.params, *sig.results), values):
            for dim, size in zip(spec.dims, value[1]):  # type: ignore[index]
                if dim.name and dim.name not in bindings:
                    bindings[dim.name] = size
        for spec, value in zip((*sig.params, *sig.results), values):
            for dim, size in zip(spec.dims, value[1]):  # type: ignore[index]
                assert dim.expr is not None and dim.expr.evaluate(bindings) == size, (p.signature, c)


@PROPERTY
@given(st.lists(st.tuples(st.lists(dims, max_size=3).map(tuple), dims, dims), min_size=2, max_size=6))
def test_a_proposed_run_accepts_every_recorded_call(sizes: list[tuple[tuple[int, ...], int, int]]) -> None:
    """Leading dims of any number: the proposal (a run when the numbers differ) accepts every call,
    as the static checker's matcher reads it."""
    from shapecheck.contract import Expr
    from shapecheck.static.contracts import Matcher

    calls = [call(T(*lead, o, c), x=T(*lead, c), w=T(c)) for lead, c, o in sizes]
    (p,) = generalise_module([(info("f", ["x", "w"]), calls)])
    assert p.reason is None, p.reason
    assert ("*batch" in p.signature) == (len({len(lead) for lead, _c, _o in sizes}) > 1)
    sig = parse_signature(p.signature)
    for c in calls:
        matcher = Matcher()
        values = [c.args["x"], c.args["w"], c.result]
        matcher.match_all([(f"v{i}", spec, tuple(Expr.const(d) for d in v[1]))  # type: ignore[index]
                           for i, (spec, v) in enumerate(zip((*sig.params, *sig.results), values))])
        assert not matcher.mismatches, (p.signature, c)


@PROPERTY
@given(st.lists(st.tuples(dims, dims), min_size=2, max_size=6, unique=True), st.permutations(["x", "y"]))
def test_renaming_parameters_renames_nothing_else(sizes: list[tuple[int, int]], order: list[str]) -> None:
    """The constraints found do not depend on the parameter order (only the names may)."""
    calls = [call(T(a, b), x=T(a, b), y=T(b)) for a, b in sizes]
    (p1,) = generalise_module([(info("f", ["x", "y"]), calls)])
    (p2,) = generalise_module([(info("f", order), calls)])
    spec1 = {s.param: p1.spec(s) for s in p1.params}
    spec2 = {s.param: p2.spec(s) for s in p2.params}
    shape = lambda text: [t if t.isdigit() else "n" for t in text.split()]  # noqa: E731
    assert {k: shape(v) for k, v in spec1.items()} == {k: shape(v) for k, v in spec2.items()}


@PROPERTY
@given(st.recursive(
    st.one_of(
        st.none(), st.just(("N",)), st.builds(lambda i: ("I", i), st.integers(-5, 99)),
        st.builds(lambda d: T(*d), st.lists(st.one_of(st.none(), dims), max_size=4)),
    ),
    lambda inner: st.one_of(st.builds(lambda xs: ("S", "tuple", tuple(xs)), st.lists(inner, max_size=3)),
                            st.builds(lambda d: ("M", tuple(sorted(d.items()))), st.dictionaries(st.text("ab", min_size=1), inner, max_size=2))),
    max_leaves=6,
))
def test_descriptions_round_trip_through_json(desc: object) -> None:
    assert from_json(to_json(desc)) == desc  # type: ignore[arg-type]


def test_describe_reads_shape_and_dtype_only() -> None:
    class Fake:
        shape = (2, None, 3)
        dtype = "complex64"

        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"describe touched {name}")

    assert describe(Fake()) == ("T", (2, None, 3), "complex64", "tf")
    assert describe((Fake(), 3, True, "s")) == ("S", "tuple", (("T", (2, None, 3), "complex64", "tf"), ("I", 3), None, None))
    assert describe({"a": None}) == ("M", (("a", ("N",)),))


def test_names_of_existing_contracts_are_reused() -> None:
    annotated = FunctionInfo("pkg.mod", "g", ["patches"], "function", "", {"patches": "Bt Np Np Cp"})
    calls_g = [call(None, patches=T(b, 8, 8, 4)) for b in (1, 2)]
    calls_f = [call(T(b, 8, 8, c), patches=T(b, 8, 8, c), own=T(b)) for b, c in [(2, 3), (3, 1)]]
    mine = FunctionInfo("pkg.mod", "f", ["patches", "own"], "function", "", {"own": "Bt"})
    out = generalise_module([(annotated, calls_g), (mine, calls_f)])
    assert out[1].signature == "Bt 8 8 Cp, Bt -> Bt 8 8 Cp"


def test_a_size_argument_beats_a_coincidental_expression() -> None:
    # regression (ptycho_core.metrics.stitch): the canvas was 3*N in both test configurations
    calls = [call(T(s, s), patches=T(k, n, n), size=("I", s)) for k, n, s in [(80, 16, 48), (1536, 32, 96)]]
    assert one("stitch", ["patches", "size"], calls) == "B N N -> size size"


def test_dims_tied_because_only_square_inputs_were_seen_are_reported() -> None:
    calls = [call(T(b, n, n), x=T(b, n, n)) for b, n in [(2, 8), (3, 16)]]
    (p,) = generalise_module([(info("f", ["x"]), calls)])
    assert p.signature == "B N N -> B N N"
    assert any(n.startswith("x: axes 1, 2 were equal in every call") for n in p.notes)
