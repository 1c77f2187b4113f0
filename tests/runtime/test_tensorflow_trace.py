"""TensorFlow tensors: eager, tf.function tracing (known and unknown dims), AutoGraph, hints."""

from __future__ import annotations

import pytest

tf = pytest.importorskip("tensorflow")

from shapecheck import Float32, Shaped, ShapeContractError, check  # noqa: E402
from shapecheck.runtime.errors import MAX_MESSAGE  # noqa: E402

pytestmark = pytest.mark.tf


@check
def reassemble(
    images: Float32[tf.Tensor, "B H W C"], offsets: Float32[tf.Tensor, "B 1 2 C"]
) -> Float32[tf.Tensor, "B*C H W 1"]:
    b, h, w, c = tf.unstack(tf.shape(images), num=4)
    flat = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [b * c, h, w, 1])
    return flat


@check
def flatten_offsets(offsets: Float32[tf.Tensor, "B 1 2 C"]) -> Float32[tf.Tensor, "B*C 2"]:
    b, _, _, c = tf.unstack(tf.shape(offsets))
    return tf.reshape(tf.transpose(offsets, [0, 3, 1, 2]), [b * c, 2])


def test_eager_correct_call_passes() -> None:
    out = reassemble(tf.zeros((2, 5, 5, 4)), tf.zeros((2, 1, 2, 4)))
    assert tuple(out.shape) == (8, 5, 5, 1)


def test_eager_error_never_prints_tensor_values() -> None:
    offsets = tf.fill((8, 2), 12345.678)
    with pytest.raises(ShapeContractError) as info:
        reassemble(tf.zeros((2, 5, 5, 4)), offsets)
    msg = str(info.value)
    assert "12345" not in msg and len(msg) <= 1000
    assert "reassemble" in msg and "argument 'offsets'" in msg and '"B 1 2 C"' in msg and "(8, 2)" in msg


def test_flat_offsets_hint() -> None:
    for bad in [(8, 2), (2, 2)]:
        with pytest.raises(ShapeContractError, match="flat layout passed where channel layout is required"):
            reassemble(tf.zeros((2, 5, 5, 4)), tf.zeros(bad))


def test_flat_images_hint() -> None:
    @check
    def needs_channels(images: Float32[tf.Tensor, "B H W C"], offsets: Float32[tf.Tensor, "B 1 2 C"]) -> None:
        return None

    with pytest.raises(ShapeContractError, match="flat layout passed where channel layout is required") as info:
        needs_channels(tf.zeros((8, 5, 5, 1)), tf.zeros((2, 1, 2, 4)))
    assert "2*4 = 8" in str(info.value)


def test_flat_images_hint_when_images_come_first() -> None:
    @check
    def offsets_first(offsets: Float32[tf.Tensor, "B 1 2 C"], images: Float32[tf.Tensor, "B H W C"]) -> None:
        return None

    with pytest.raises(ShapeContractError, match="flat layout passed where channel layout is required"):
        offsets_first(tf.zeros((2, 1, 2, 4)), tf.zeros((8, 5, 5, 1)))


def test_dtype_mismatch_on_tensors() -> None:
    with pytest.raises(ShapeContractError, match="dtype float64"):
        flatten_offsets(tf.zeros((2, 1, 2, 4), tf.float64))


def test_error_through_tf_function_keeps_type_and_message() -> None:
    @tf.function
    def step(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
        return reassemble(images, offsets)

    with pytest.raises(ShapeContractError) as info:
        step(tf.zeros((2, 5, 5, 4)), tf.zeros((8, 2)))
    text = str(info.value)
    assert "argument 'offsets'" in text and "flat layout" in text
    # AutoGraph prefixes the frames the error crossed (their length grows with the checkout's path);
    # the checker's own message keeps its budget, and the checker's own frames are hidden.
    ours = text[text.index("reassemble: argument 'offsets'"):]
    assert len(ours) <= MAX_MESSAGE
    assert "beartype" not in text and "verify.py" not in text


def test_error_through_jit_compiled_function() -> None:
    @tf.function(jit_compile=True)
    def step(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
        return reassemble(images, offsets)

    with pytest.raises(ShapeContractError, match="argument 'offsets'"):
        step(tf.zeros((2, 5, 5, 4)), tf.zeros((2, 1, 2, 3)))


def test_known_dims_are_checked_at_trace_time_with_unknown_batch() -> None:
    @tf.function(input_signature=[tf.TensorSpec([None, 5, 5, 4]), tf.TensorSpec([None, 1, 2, 3])])
    def step(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
        return reassemble(images, offsets)

    with pytest.raises(ShapeContractError, match=r"dim 3 is 3 but C=4"):
        step.get_concrete_function()


def test_unknown_dims_never_raise_and_expressions_with_unknown_operands_are_deferred() -> None:
    # B is None: jaxtyping binds B=None and crashes on B*C; we must accept correct code.
    @tf.function(input_signature=[tf.TensorSpec([None, 5, 5, 4]), tf.TensorSpec([None, 1, 2, 4])])
    def step(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(reassemble(images, offsets)) + tf.reduce_sum(flatten_offsets(offsets))

    assert float(step(tf.ones((3, 5, 5, 4)), tf.ones((3, 1, 2, 4)))) == pytest.approx(3 * 5 * 5 * 4 + 3 * 8)

    @tf.function(input_signature=[tf.TensorSpec(None), tf.TensorSpec([None, None, None, None])])
    def unknown_rank(images: tf.Tensor, offsets: tf.Tensor) -> tf.Tensor:
        return reassemble(images, offsets)

    assert tuple(unknown_rank(tf.ones((1, 2, 2, 3)), tf.ones((1, 1, 2, 3))).shape) == (3, 2, 2, 1)


def test_trace_mode_adds_no_graph_ops() -> None:
    def plain(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        return x * 2.0 + tf.reduce_sum(y)

    checked_annotated = check(_annotated_plain)
    spec = [tf.TensorSpec([None, 3]), tf.TensorSpec([None, 3])]
    ops_plain = [op.type for op in tf.function(plain, input_signature=spec).get_concrete_function().graph.get_operations()]
    ops_checked = [
        op.type for op in tf.function(checked_annotated, input_signature=spec).get_concrete_function().graph.get_operations()
    ]
    assert checked_annotated is not _annotated_plain
    assert ops_checked == ops_plain


def _annotated_plain(x: Float32[tf.Tensor, "B C"], y: Float32[tf.Tensor, "B C"]) -> Float32[tf.Tensor, "B C"]:
    return x * 2.0 + tf.reduce_sum(y)


def test_autograph_does_not_convert_the_wrapper_but_converts_the_body() -> None:
    @check
    def branchy(x: Float32[tf.Tensor, "N"]) -> Float32[tf.Tensor, "N"]:
        if tf.reduce_sum(x) > 0:  # tensor-dependent Python control flow: needs AutoGraph
            return x * 2.0
        return x - 1.0

    assert hasattr(branchy, "autograph_info__")
    fn = tf.function(lambda x: branchy(x))
    assert fn(tf.ones(3)).numpy().tolist() == [2.0, 2.0, 2.0]
    assert fn(-tf.ones(3)).numpy().tolist() == [-2.0, -2.0, -2.0]


def test_keras_functional_build_with_unknown_batch() -> None:
    keras = pytest.importorskip("keras")

    class Flat(keras.layers.Layer):
        @check
        def call(self, x: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B H*W*C"]:
            return tf.reshape(x, [-1, x.shape[1] * x.shape[2] * x.shape[3]])

    out = Flat()(keras.Input((3, 3, 2)))
    assert tuple(out.shape) == (None, 18)

    class Wrong(keras.layers.Layer):
        @check
        def call(self, x: Float32[tf.Tensor, "B 5 C"]) -> Float32[tf.Tensor, "B 5 C"]:
            return x

    with pytest.raises(ShapeContractError, match=r'Wrong.call: argument \'x\' breaks its contract float32 "B 5 C"'):
        Wrong()(keras.Input((4, 2)))


def test_variadic_with_unknown_dims() -> None:
    @check
    def per_batch(x: Shaped[tf.Tensor, "*batch N"], y: Shaped[tf.Tensor, "*batch"]) -> None:
        return None

    @tf.function(input_signature=[tf.TensorSpec([None, 2, 4]), tf.TensorSpec([3, None])])
    def step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        per_batch(x, y)
        return x

    step.get_concrete_function()

    @tf.function(input_signature=[tf.TensorSpec([None, 2, 4]), tf.TensorSpec([None, 3])])
    def bad(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        per_batch(x, y)
        return x

    with pytest.raises(ShapeContractError, match=r"\*batch"):
        bad.get_concrete_function()


def test_check_over_and_under_tf_function() -> None:
    @tf.function
    @check
    def under(x: Float32[tf.Tensor, "N"]) -> Float32[tf.Tensor, "N"]:
        if tf.reduce_sum(x) > 0:
            return x * 2.0
        return x

    assert under(-tf.ones(3)).numpy().tolist() == [-1.0, -1.0, -1.0]
    with pytest.raises(ShapeContractError, match="under: argument 'x'"):
        under(tf.ones((3, 1)))

    @check
    @tf.function
    def over(x: Float32[tf.Tensor, "N"]) -> Float32[tf.Tensor, "N"]:
        return x * 2.0

    assert over(tf.ones(3)).numpy().tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(ShapeContractError, match="over: argument 'x'"):
        over(tf.ones((3, 1)))


def _branchy_layer_class() -> type:
    class Branchy(tf.keras.layers.Layer):
        """Python `if` on a tensor: valid only if AutoGraph converts the body."""

        def call(self, x: Float32[tf.Tensor, "B 3"]) -> Float32[tf.Tensor, "B 3"]:
            if tf.reduce_sum(x) > 0:
                return x + 1.0
            return x

    return Branchy


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["off", "trace"])
def test_keras_call_body_is_converted_exactly_when_it_would_be_unchecked(mode: str) -> None:
    """Keras 3 calls `Layer.call` from code AutoGraph does not convert; checking must not change that."""
    from shapecheck.runtime import modes

    with modes.mode(mode):
        layer_cls = _branchy_layer_class()
        original = layer_cls.call
        layer_cls.call = check(original)
        assert (layer_cls.call is original) == (mode == "off")
        layer = layer_cls()
        layer(tf.ones((2, 3)))  # build eagerly
        through_keras = tf.function(lambda x: layer(x))  # Keras's __call__ is not converted, so neither is call
        with pytest.raises(TypeError, match="as a Python `bool` is not allowed"):
            through_keras(tf.ones((2, 3)))

        @tf.function
        def converted_caller(x: tf.Tensor) -> tf.Tensor:
            return layer_cls().call(x)  # reached through AutoGraph's converted_call: body converted

        assert float(tf.reduce_sum(converted_caller(tf.ones((2, 3))))) == 12.0


# ----- defect 3: AutoGraph still converts the body when no contracted value is symbolic -----
def _doubles_if_positive(t: tf.Tensor) -> tf.Tensor:
    if tf.reduce_sum(t) > 0:  # Python control flow on a tensor: needs AutoGraph in a graph
        return t * 2.0
    return t


def test_autograph_converts_the_body_when_the_contract_is_on_a_numpy_argument() -> None:
    np = pytest.importorskip("numpy")

    @check
    def scaled(t: tf.Tensor, weights: Shaped[np.ndarray, "3"]) -> tf.Tensor:
        return _doubles_if_positive(t)

    out = tf.function(lambda t: scaled(t, np.zeros(3)))(tf.ones(3))
    assert out.numpy().tolist() == [2.0, 2.0, 2.0]


def test_autograph_converts_the_body_when_an_optional_contract_gets_none() -> None:
    @check
    def scaled(t: tf.Tensor, mask: Shaped[tf.Tensor, "3"] | None = None) -> tf.Tensor:
        return _doubles_if_positive(t)

    assert tf.function(lambda t: scaled(t))(tf.ones(3)).numpy().tolist() == [2.0, 2.0, 2.0]


def test_autograph_converts_the_body_for_a_sparse_tensor_contract() -> None:
    @check
    def total(t: Shaped[tf.SparseTensor, "N 3"]) -> tf.Tensor:
        return _doubles_if_positive(tf.sparse.reduce_sum(t))

    fn = tf.function(total, input_signature=[tf.SparseTensorSpec([None, 3], tf.float32)])
    assert float(fn(tf.sparse.from_dense(tf.ones((2, 3))))) == 12.0


# ----- defect 4: @check over @tf.function on a method; tf.saved_model keeps it -------------
def _module_class() -> type:
    class Scorer(tf.Module):
        @check(mode="strict")
        @tf.function(input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([None])])
        def __call__(self, x: Float32[tf.Tensor, "B 3"], w: Float32[tf.Tensor, "B"]) -> Float32[tf.Tensor, "B"]:
            return tf.reduce_sum(x, 1) * w

        @check
        @tf.function
        def total(self, x: Float32[tf.Tensor, "B 3"]) -> Float32[tf.Tensor, "B"]:
            return tf.reduce_sum(x, 1)

    return Scorer


def test_check_over_tf_function_on_a_method_binds_self() -> None:
    scorer = _module_class()()
    assert tuple(scorer.total(tf.ones((2, 3))).shape) == (2,)  # raised: self converted to a Tensor
    with pytest.raises(ShapeContractError, match="total: argument 'x'"):
        scorer.total(tf.ones((2, 4)))
    assert isinstance(type(scorer).__dict__["total"], tf.types.experimental.PolymorphicFunction)


def test_saved_model_keeps_a_checked_tf_function_method_with_its_strict_checks(tmp_path: object) -> None:
    scorer = _module_class()()
    tf.saved_model.save(scorer, str(tmp_path))
    restored = tf.saved_model.load(str(tmp_path))
    assert tuple(restored(tf.ones((4, 3)), tf.ones(4)).shape) == (4,)  # the method was dropped
    with pytest.raises(tf.errors.InvalidArgumentError, match="shapecheck_contract"):
        restored(tf.ones((4, 3)), tf.ones(5))  # B differs: the strict check was saved with the graph


# ----- defect 7: an eager ragged dim is not "unknown at trace" ----------------------------
def test_eager_ragged_dim_with_rows_of_different_lengths_breaks_a_sized_contract() -> None:
    @check
    def rows_of_three(x: Float32[tf.RaggedTensor, "B 3"]) -> None:
        return None

    rows_of_three(tf.ragged.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))  # uniform rows: the dim is 3
    with pytest.raises(ShapeContractError, match=r"dim 1 is ragged \(rows of lengths 1 to 2\), contract needs 3"):
        rows_of_three(tf.ragged.constant([[1.0, 2.0], [3.0]]))
    with pytest.raises(ShapeContractError, match="dim 1 is 2, contract needs 3"):
        rows_of_three(tf.ragged.constant([[1.0, 2.0], [3.0, 4.0]]))

    @check
    def any_rows(x: Float32[tf.RaggedTensor, "B _"], n: Float32[tf.Tensor, "B"]) -> None:
        return None

    any_rows(tf.ragged.constant([[1.0, 2.0], [3.0]]), tf.ones(2))  # '_' accepts a ragged dim
    traced = tf.function(rows_of_three, input_signature=[tf.RaggedTensorSpec([None, None], tf.float32)])
    traced.get_concrete_function()  # symbolic ragged: unknown at trace, never an error
