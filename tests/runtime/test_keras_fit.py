"""Keras: layer contracts hold through fit (batch None, last batch smaller); wrong inputs are
rejected with the contract message and type."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from shapecheck import Float32, ShapeContractError, check  # noqa: E402

pytestmark = [pytest.mark.tf, pytest.mark.slow]


class ChannelToFlat(keras.layers.Layer):
    """(B, H, W, C) -> (B*C, H, W, 1), with the batch size seen by each call recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.seen_batches: list[int | None] = []

    @check
    def call(self, images: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B*C H W 1"]:
        self.seen_batches.append(images.shape[0])
        h, w, c = images.shape[1], images.shape[2], images.shape[3]
        return tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [-1, h, w, 1]) if c else images


class FlatToChannel(keras.layers.Layer):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels

    @check
    def call(self, flat: Float32[tf.Tensor, "N H W 1"]) -> Float32[tf.Tensor, "N//C H W C"]:
        h, w = flat.shape[1], flat.shape[2]
        grouped = tf.reshape(flat, [-1, self.channels, h, w])
        return tf.transpose(grouped, [0, 2, 3, 1])


def _model(channels: int = 3) -> tuple[keras.Model, ChannelToFlat]:
    to_flat = ChannelToFlat()
    inputs = keras.Input((6, 6, channels))
    flat = to_flat(inputs)
    conv = keras.layers.Conv2D(1, 3, padding="same")(flat)
    back = FlatToChannel(channels)(conv)
    return keras.Model(inputs, back), to_flat


def test_fit_with_unknown_batch_and_a_smaller_last_batch() -> None:
    model, to_flat = _model()
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(10, 6, 6, 3)).astype(np.float32)
    history = model.fit(x, x, batch_size=4, epochs=2, verbose=0)  # batches 4, 4, 2
    assert len(history.history["loss"]) == 2
    assert None in to_flat.seen_batches  # traced with an unknown batch: contracts held without errors
    assert model.predict(x[:3], verbose=0).shape == (3, 6, 6, 3)


def test_wrong_input_shape_is_rejected_with_the_contract_message() -> None:
    class Outer(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.to_flat = ChannelToFlat()

        def call(self, x: tf.Tensor) -> tf.Tensor:
            return self.to_flat(x)

    outer = Outer()
    outer.compile(optimizer="sgd", loss="mse")
    bad = np.zeros((4, 6, 6), np.float32)  # rank 3: channel axis missing
    with pytest.raises(ShapeContractError) as info:
        outer.fit(bad, np.zeros((4, 6, 6, 1), np.float32), batch_size=2, epochs=1, verbose=0)
    msg = str(info.value)
    assert "ChannelToFlat.call: argument 'images' breaks its contract float32 \"B H W C\"" in msg
    assert "rank 3, contract needs rank 4" in msg


def test_layer_contract_on_direct_eager_call() -> None:
    layer = ChannelToFlat()
    layer(tf.zeros((2, 6, 6, 3), tf.float64))  # Keras autocasts floats to the layer's float32
    with pytest.raises(ShapeContractError, match=r"dtype int32 is not allowed"):
        layer(tf.zeros((2, 6, 6, 3), tf.int32))


def test_strict_mode_fit_holds_and_catches_a_run_time_batch_bug() -> None:
    import shapecheck

    with shapecheck.mode("strict"):
        model, _ = _model()
        model.compile(optimizer="sgd", loss="mse")
        x = np.random.default_rng(1).normal(size=(10, 6, 6, 3)).astype(np.float32)
        model.fit(x, x, batch_size=4, epochs=1, verbose=0)  # batches 4, 4, 2: no false error

        class DropsOne(keras.layers.Layer):
            @check
            def call(self, x: Float32[tf.Tensor, "B F"]) -> Float32[tf.Tensor, "B F"]:
                return x[1:]  # batch bug: only visible at run time when B is unknown

        inputs = keras.Input((3,))
        buggy = keras.Model(inputs, keras.layers.Dense(1)(DropsOne()(inputs)))
        buggy.compile(optimizer="sgd", loss="mse")
        with pytest.raises(tf.errors.InvalidArgumentError) as info:  # traced while strict
            buggy.fit(np.ones((10, 3), np.float32), np.ones((10, 1), np.float32), batch_size=4, epochs=1, verbose=0)
    assert "shapecheck_contract/DropsOne.call/return_value/dim0_must_be_B" in str(info.value)


@pytest.mark.filterwarnings("ignore:The model does not have any trainable weights")
def test_functional_model_fit_rejects_inputs_that_disagree_with_the_contract() -> None:
    """Keras' own input specs only see each input alone; the contract relates them."""

    class Shift(keras.layers.Layer):
        @check
        def call(
            self, images: Float32[tf.Tensor, "B H W C"], offsets: Float32[tf.Tensor, "B 1 2 C"]
        ) -> Float32[tf.Tensor, "B H W C"]:
            return images + tf.reduce_mean(offsets, axis=[1, 2])[:, None, None, :]

    def build() -> keras.Model:
        images_in = keras.Input((4, 4, None))
        offsets_in = keras.Input((1, 2, None))
        model = keras.Model([images_in, offsets_in], Shift()(images_in, offsets_in))
        model.compile(optimizer="sgd", loss="mse")
        return model

    target = np.zeros((8, 4, 4, 3), np.float32)
    build().fit([target, np.zeros((8, 1, 2, 3), np.float32)], target, batch_size=4, verbose=0)
    with pytest.raises(ShapeContractError) as info:
        build().fit([target, np.zeros((8, 1, 2, 2), np.float32)], target, batch_size=4, verbose=0)
    msg = str(info.value)
    assert "Shift.call: argument 'offsets' breaks its contract float32 \"B 1 2 C\"" in msg
    assert "dim 3 is 2 but C=3" in msg
