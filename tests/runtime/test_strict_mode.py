"""Strict mode: graph-time checks of dims unknown at trace time, surviving jit_compile=True."""

from __future__ import annotations

import pytest

tf = pytest.importorskip("tensorflow")

import shapecheck  # noqa: E402
from shapecheck import Float32, Shaped, check  # noqa: E402

pytestmark = pytest.mark.tf

SPEC_2D = [tf.TensorSpec([None, None]), tf.TensorSpec([None, 2])]


@check(mode="strict")
def pair(x: Float32[tf.Tensor, "B C"], y: Float32[tf.Tensor, "B*C 2"]) -> Float32[tf.Tensor, "B C"]:
    return x * 2.0  # y is only read for its contract


def _compiled(jit: bool) -> tf.types.experimental.PolymorphicFunction:
    return tf.function(lambda x, y: pair(x, y), input_signature=SPEC_2D, jit_compile=jit)


def _assert_contract_failure(exc: BaseException, *fragments: str) -> None:
    text = str(exc)
    assert "shapecheck_contract" in text, text[:2000]
    for fragment in fragments:
        assert fragment in text, text[:2000]


def test_strict_graph_catches_unread_argument_mismatch_at_run_time() -> None:
    fn = _compiled(False)
    assert tuple(fn(tf.ones((2, 3)), tf.zeros((6, 2))).shape) == (2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.ones((2, 3)), tf.zeros((5, 2)))
    _assert_contract_failure(info.value, "shapecheck_contract/pair/arg_y/dim0_must_be_B_x_C")


def test_strict_fixed_dim_unknown_at_trace_is_checked_by_ensure_shape() -> None:
    @check(mode="strict")
    def needs_three(x: Float32[tf.Tensor, "N 3"]) -> Float32[tf.Tensor, "N 3"]:
        return x + 1.0

    fn = tf.function(needs_three, input_signature=[tf.TensorSpec([None, None])])
    assert tuple(fn(tf.ones((4, 3))).shape) == (4, 3)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.ones((4, 2)))
    _assert_contract_failure(info.value, "needs_three/arg_x/shape_must_be_Nx3")


def test_strict_keeps_static_shape_information() -> None:
    @check(mode="strict")
    def needs_three(x: Float32[tf.Tensor, "N 3"]) -> Float32[tf.Tensor, "N 3"]:
        assert x.shape[1] == 3  # ensure_shape refined the static shape for the body
        return x

    tf.function(needs_three, input_signature=[tf.TensorSpec([None, None])]).get_concrete_function()


def test_trace_mode_misses_the_same_mismatch_and_adds_nothing() -> None:
    @check
    def traced(x: Float32[tf.Tensor, "B C"], y: Float32[tf.Tensor, "B*C 2"]) -> Float32[tf.Tensor, "B C"]:
        return x * 2.0

    fn = tf.function(lambda x, y: traced(x, y), input_signature=SPEC_2D)
    fn(tf.ones((2, 3)), tf.zeros((5, 2)))  # unknown at trace time, unchecked in trace mode
    ops = [op.name for op in fn.get_concrete_function().graph.get_operations()]
    assert not any("shapecheck" in name for name in ops)


def test_process_wide_strict_mode_applies_to_bare_check() -> None:
    @check
    def bare(x: Shaped[tf.Tensor, "B"], y: Shaped[tf.Tensor, "B"]) -> Shaped[tf.Tensor, "B"]:
        return x + y

    spec = [tf.TensorSpec([None]), tf.TensorSpec([None])]
    with shapecheck.mode("strict"):
        fn = tf.function(lambda x, y: bare(x, y), input_signature=spec)
        fn.get_concrete_function()
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.ones(3), tf.ones(4))
    _assert_contract_failure(info.value, "bare/arg_y/dim0_must_be_B")


def test_strict_broadcast_dim_accepts_one() -> None:
    @check(mode="strict")
    def bcast(x: Float32[tf.Tensor, "B C"], s: Float32[tf.Tensor, "#B C"]) -> Float32[tf.Tensor, "B C"]:
        return x * s

    fn = tf.function(bcast, input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([None, 3])])
    assert tuple(fn(tf.ones((4, 3)), tf.ones((1, 3))).shape) == (4, 3)
    assert tuple(fn(tf.ones((4, 3)), tf.ones((4, 3))).shape) == (4, 3)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.ones((4, 3)), tf.ones((2, 3)))
    _assert_contract_failure(info.value, "bcast/arg_s/dim0_must_be_bcast_B")


def test_strict_return_value_checked_against_argument_dims() -> None:
    @check(mode="strict")
    def shrink(x: Float32[tf.Tensor, "B C"]) -> Float32[tf.Tensor, "B*C"]:
        return tf.reshape(x[:, 1:], [-1])  # wrong: (B*(C-1),)

    fn = tf.function(shrink, input_signature=[tf.TensorSpec([None, None])])
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.ones((2, 3)))
    _assert_contract_failure(info.value, "shrink/return_value/dim0_must_be_B_x_C")


@pytest.mark.slow
def test_strict_mismatch_fails_under_jit_compile_with_contract_name() -> None:
    fn = _compiled(True)
    assert tuple(fn(tf.ones((2, 3)), tf.zeros((6, 2))).shape) == (2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.ones((2, 3)), tf.zeros((5, 2)))
    _assert_contract_failure(info.value, "shapecheck_contract/pair/arg_y/dim0_must_be_B_x_C")


@pytest.mark.slow
def test_strict_fixed_dim_fails_under_jit_compile_with_contract_name() -> None:
    @check(mode="strict")
    def three(x: Float32[tf.Tensor, "3"]) -> Float32[tf.Tensor, "3"]:
        return x + 1.0

    fn = tf.function(three, jit_compile=True, input_signature=[tf.TensorSpec([None])])
    assert fn(tf.ones(3)).numpy().tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.ones(4))
    _assert_contract_failure(info.value, "three/arg_x/shape_must_be_3")


@pytest.mark.slow
@pytest.mark.parametrize("jit", [False, True])
def test_known_dim_against_expression_of_an_unknown_dim_is_checked_at_run_time(jit: bool) -> None:
    """Found by the property test: x's dim is known at trace, but C//2 is not until C arrives."""

    @check(mode="strict")
    def halve(x: Shaped[tf.Tensor, "1 C//2"], c: Shaped[tf.Tensor, "C"]) -> Shaped[tf.Tensor, "1 C//2"]:
        return x

    fn = tf.function(
        halve,
        input_signature=[tf.TensorSpec([1, 3], tf.float32), tf.TensorSpec([None], tf.float32)],
        jit_compile=jit,
    )
    assert tuple(fn(tf.zeros((1, 3)), tf.zeros((6,))).shape) == (1, 3)  # 6//2 == 3
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.zeros((1, 3)), tf.zeros((2,)))  # 2//2 == 1 != 3
    _assert_contract_failure(info.value, "halve", "dim1_must_be_C")


@pytest.mark.slow
def test_broadcast_dim_is_a_relaxed_run_time_source_under_jit() -> None:
    """`#C` unknown at trace binds C at run time only when its size is not 1."""

    @check(mode="strict")
    def halve(x: Shaped[tf.Tensor, "1 C//2"], c: Shaped[tf.Tensor, "#C"]) -> Shaped[tf.Tensor, "1 C//2"]:
        return x

    fn = tf.function(
        halve,
        input_signature=[tf.TensorSpec([1, 3], tf.float32), tf.TensorSpec([None], tf.float32)],
        jit_compile=True,
    )
    assert tuple(fn(tf.zeros((1, 3)), tf.zeros((6,))).shape) == (1, 3)  # C=6: 6//2 == 3
    assert tuple(fn(tf.zeros((1, 3)), tf.zeros((1,))).shape) == (1, 3)  # size 1 binds nothing
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.zeros((1, 3)), tf.zeros((2,)))  # C=2: 2//2 == 1 != 3
    _assert_contract_failure(info.value, "halve", "dim1_must_be_C")


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("contract", ["N 3", "*v 3"])
def test_return_dim_known_at_trace_checks_the_argument_that_was_unknown(contract: str, jit: bool) -> None:
    """Defect 6: ``a`` is [None, 3] at trace, the returned ``b`` is (2, 3): the name (or ``*v``)
    first seen unknown is refined by the return value, so the run-time size of ``a`` must
    be checked against it. Before the fix, (1, 3) passed silently, with and without jit."""

    @check(mode="strict")
    def pick(a: Shaped[tf.Tensor, contract], b: Shaped[tf.Tensor, "2 3"]) -> Shaped[tf.Tensor, contract]:
        return b

    fn = tf.function(pick, input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([2, 3])], jit_compile=jit)
    assert tuple(fn(tf.zeros((2, 3)), tf.zeros((2, 3))).shape) == (2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.zeros((1, 3)), tf.zeros((2, 3)))
    if not jit:  # XLA reports the node of the failing op only in its log
        _assert_contract_failure(info.value, "pick/return_value/dim0_must_be_")


@pytest.mark.parametrize("jit", [False, True])
def test_return_binding_a_name_checks_a_broadcastable_dim_unknown_at_trace(jit: bool) -> None:
    """Found by the container property test under jit_compile: ``#A`` of ``a`` is unknown at
    trace (a relaxed source: it may be 1), and the return value binds A = 2 afterwards.
    ``a``'s run-time dim must then be 1 or 2; before the fix 3 passed silently, with and
    without jit, because nothing checked ``a`` against a binding made after its own checks."""

    @check(mode="strict")
    def pick(a: Shaped[tf.Tensor, "#A 3"], b: Shaped[tf.Tensor, "2 3"]) -> Shaped[tf.Tensor, "A 3"]:
        return b

    fn = tf.function(pick, input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([2, 3])], jit_compile=jit)
    assert tuple(fn(tf.zeros((2, 3)), tf.zeros((2, 3))).shape) == (2, 3)
    assert tuple(fn(tf.zeros((1, 3)), tf.zeros((2, 3))).shape) == (2, 3)  # #A: size 1 always fits
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.zeros((3, 3)), tf.zeros((2, 3)))
    if not jit:  # XLA reports the node of the failing op only in its log
        _assert_contract_failure(info.value, "pick/return_value/dim0_must_be_A")


def test_argument_refining_an_unknown_name_checks_it_at_run_time() -> None:
    """The same refinement between two arguments: ``a`` unknown, ``b`` known."""

    @check(mode="strict")
    def both(a: Shaped[tf.Tensor, "N 3"], b: Shaped[tf.Tensor, "N 3"]) -> Shaped[tf.Tensor, "3"]:
        return tf.reduce_sum(a, 0) + tf.reduce_sum(b, 0)

    fn = tf.function(both, input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([2, 3])])
    assert tuple(fn(tf.zeros((2, 3)), tf.zeros((2, 3))).shape) == (3,)
    with pytest.raises(tf.errors.InvalidArgumentError):
        fn(tf.zeros((1, 3)), tf.zeros((2, 3)))


def _unread(x: Float32[tf.Tensor, "B 3"], w: Float32[tf.Tensor, "B"]) -> None:
    return None


def _read_by_dead_code(x: Float32[tf.Tensor, "B 3"], w: Float32[tf.Tensor, "B"]) -> Float32[tf.Tensor, "B"]:
    _ = w * 2.0
    return tf.reduce_sum(x, 1)


def _python_value(x: Float32[tf.Tensor, "B 3"], w: Float32[tf.Tensor, "B"]) -> int:
    return 3


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("body", [_unread, _read_by_dead_code, _python_value])
def test_strict_checks_of_unused_arguments_are_not_pruned(body: object, jit: bool) -> None:
    """Defect 5: without jit, these three passed a wrong ``w`` silently."""
    fn = tf.function(
        check(mode="strict")(body), input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([None])], jit_compile=jit
    )
    fn(tf.ones((2, 3)), tf.ones(2))
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(tf.ones((2, 3)), tf.ones(3))
    _assert_contract_failure(info.value)
