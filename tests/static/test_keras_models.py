"""Keras models as programs: functional graphs, Sequential, subclassed layers and models, fit/predict.

Each source below is written the way Keras code is written (layers imported in one module and
wired in another, models built by helper functions, layers kept on ``self``, closures); the
findings must be exactly those listed.
"""

from __future__ import annotations

from conftest import codes, shapes_of

IMPORTS = '''import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
'''


def test_functional_graph_conflicts_are_reported_at_the_layer_call(lint) -> None:  # type: ignore[no-untyped-def]
    src = IMPORTS + '''

def build():
    image = keras.Input(shape=(28, 28, 1))
    meta = keras.Input(shape=(4,))
    feats = layers.Conv2D(8, 3, padding="same")(image)
    flat = layers.Flatten()(feats)
    side = layers.Dense(16)(image)
    joined = layers.Concatenate(axis=1)([flat, side])
    grid = layers.Reshape((5, 5))(flat)
    skip = layers.Add()([flat, layers.Dense(10)(flat)])
    wrong = layers.Conv2D(4, 3)(meta)
    both = layers.concatenate([layers.Dense(3)(meta), layers.Reshape((2, 2))(meta)], axis=0)
    return keras.Model([image, meta], [joined, grid, skip, wrong, both])
'''
    found = lint(src)
    assert codes(found) == [(13, "SC101"), (14, "SC104"), (15, "SC101"), (16, "SC101"), (17, "SC101")]
    messages = {f.line: f.message for f in found}
    assert "different ranks" in messages[13]
    assert "6272 != 25" in messages[14]
    assert "6272 vs 10" in messages[15]
    assert "takes a rank-4 input but is given rank 2" in messages[16]


def test_graph_shapes_through_merge_embedding_pooling_and_lambda(explain) -> None:  # type: ignore[no-untyped-def]
    src = IMPORTS + '''

def build():
    tokens = keras.Input(shape=(50,))
    emb = layers.Embedding(1000, 64)(tokens)
    pooled = layers.GlobalAveragePooling1D()(emb)
    image = keras.Input(shape=(32, 32, 3))
    squeezed = layers.GlobalMaxPooling2D()(image)
    mixed = layers.Average()([pooled, layers.Dense(64)(squeezed)])
    wide = layers.Concatenate()([pooled, squeezed])
    halves = layers.Lambda(lambda t: t[:, :32])(pooled)
    return keras.Model([tokens, image], [mixed, wide, halves])
'''
    s = shapes_of(explain(src, "build"))
    assert s["emb"] == "(batch, 50, 64)"
    assert s["pooled"] == "(batch, 64)"
    assert s["squeezed"] == "(batch, 3)"
    assert s["mixed"] == "(batch, 64)"
    assert s["wide"] == "(batch, 67)"
    assert s["halves"] == "(batch, 32)"


def test_sequential_list_and_add_are_checked_layer_by_layer(lint) -> None:  # type: ignore[no-untyped-def]
    src = IMPORTS + '''

def mlp():
    model = keras.Sequential([
        layers.Input(shape=(12,)),
        layers.Dense(8),
        layers.Reshape((3, 3)),
    ])
    return model


def grown():
    model = keras.Sequential()
    model.add(layers.Dense(6, input_shape=(10,)))
    model.add(layers.Reshape((4, 2)))
    return model


def fine():
    return keras.Sequential([layers.Input(shape=(12,)), layers.Dense(9), layers.Reshape((3, 3))])


def undeclared():
    return keras.Sequential([layers.Dense(8), layers.Reshape((3, 3))])  # input unknown: nothing proven
'''
    found = lint(src)
    assert codes(found) == [(11, "SC104"), (19, "SC104")]
    assert "8 != 9" in found[0].message and "6 != 8" in found[1].message


def test_fit_checks_labels_against_loss_and_output(lint) -> None:  # type: ignore[no-untyped-def]
    src = IMPORTS + '''

def classifier(n_classes=10):
    inputs = keras.Input(shape=(20,))
    outputs = layers.Dense(n_classes, activation="softmax")(layers.Dense(32)(inputs))
    return keras.Model(inputs, outputs)


def sparse_with_one_hot():
    model = classifier()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy())
    x = np.random.rand(100, 20)
    y = keras.utils.to_categorical(np.random.randint(0, 10, size=(100, 1)), 10)
    model.fit(x, y)


def categorical_with_ids():
    model = classifier(3)
    model.compile("adam", keras.losses.categorical_crossentropy)
    ids = np.zeros((100,), dtype=np.int32)
    model.fit(np.ones((100, 20)), ids)
    model.train_on_batch(np.ones((100, 20)), tf.one_hot(ids, 3))


def wrong_features_and_counts():
    model = classifier(2)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x = np.zeros((64, 21))
    model.predict(x)
    model.fit(np.zeros((64, 20)), np.zeros((32, 2)))
    model.evaluate(np.zeros(1280).reshape(64, 20), np.zeros((64, 2)))
'''
    found = lint(src)
    assert codes(found) == [(18, "SC108"), (25, "SC108"), (33, "SC101"), (34, "SC108")]
    messages = {f.line: f.message for f in found}
    assert "one-hot" in messages[18]
    assert "integer class ids" in messages[25]
    assert "input dim 1 is 21 but the model takes 20" in messages[33]
    assert "32 labels for 64" in messages[34]


def test_subclassed_model_with_layers_in_init_and_build(lint, explain) -> None:  # type: ignore[no-untyped-def]
    src = IMPORTS + '''

class Encoder(layers.Layer):
    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width = width

    def build(self, input_shape):
        self.proj = layers.Dense(self.width)

    def call(self, x):
        return self.proj(x)


class Net(keras.Model):
    def __init__(self, n_classes):
        super().__init__()
        self.flatten = layers.Flatten()
        self.encoder = Encoder(32)
        self.head = layers.Dense(n_classes)

    def call(self, x):
        return self.head(self.encoder(self.flatten(x)))


def train():
    model = Net(10)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x = np.zeros((64, 28, 28))
    y = tf.one_hot(np.zeros((64,), dtype=np.int32), 5)
    model.fit(x, y)
    probs = model.predict(x)
    code = Encoder(16)(x)
    return probs, code
'''
    found = lint(src)
    assert codes(found) == [(35, "SC108")]
    assert "5 classes in the labels, 10 outputs" in found[0].message
    s = shapes_of(explain(src, "train"))
    assert s["probs"] == "(64, 10)"
    assert s["code"] == "(64, 28, 16)"


def test_layers_made_in_one_function_and_called_in_another_or_in_a_closure(lint, explain) -> None:  # type: ignore[no-untyped-def]
    src = IMPORTS + '''

def make_head(k):
    return layers.Dense(k, activation="softmax")


def build():
    inp = keras.Input(shape=(20,))
    dense = layers.Dense(8)

    def apply(t):
        return dense(t)

    a = apply(inp)
    head = make_head(4)
    b = head(a)
    c = layers.Lambda(lambda t: tf.reshape(t, (-1, 4, 5)))(inp)
    d = layers.Add()([a, c])
    return keras.Model(inp, [b, d])
'''
    s = shapes_of(explain(src, "build"))
    assert s["a"] == "(batch, 8)"
    assert s["b"] == "(batch, 4)"
    assert s["c"] == "(batch, 4, 5)"
    assert codes(lint(src)) == [(22, "SC101")]


def test_compute_output_shape_is_checked_against_call(lint) -> None:  # type: ignore[no-untyped-def]
    src = IMPORTS + '''

class Doubler(layers.Layer):
    def call(self, x):
        return tf.concat([x, x], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape


class Projector(layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x)

    def compute_output_shape(self, input_shape):
        return input_shape[:-1] + (self.units,)


class Opaque(layers.Layer):
    def call(self, x):
        return some_library_call(x)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 3)
'''
    found = lint(src)
    assert codes(found) == [(11, "SC107")]
    assert "declares (input_shape[0], input_shape[1])" in found[0].message


def test_unknown_shapes_and_multi_input_fit_are_not_reported(lint) -> None:  # type: ignore[no-untyped-def]
    src = IMPORTS + '''

def build(shape, n):
    inp = keras.Input(shape=shape)
    out = layers.Dense(n)(layers.Flatten()(inp))
    model = keras.Model(inp, out)
    model.compile(loss="sparse_categorical_crossentropy")
    return model


def two_inputs(images, labels):
    a = keras.Input(shape=(4, 4, 3))
    b = keras.Input(shape=(2,))
    out = layers.Dense(1)(layers.Concatenate()([layers.Flatten()(a), b]))
    model = keras.Model([a, b], out)
    model.compile(loss="mse")
    target = np.zeros((8, 1))
    model.fit([np.zeros((8, 4, 4, 3)), np.zeros((8, 2))], target)
    model.fit({"a": images, "b": labels}, target)
    model.fit(images, labels)
    return model
'''
    assert codes(lint(src)) == []


def test_compute_output_shape_of_a_layer_with_several_outputs(lint) -> None:  # type: ignore[no-untyped-def]
    """Regression (keras-hub xlnet): ``call`` returns a tuple, ``compute_output_shape`` a list of shapes."""
    src = IMPORTS + '''

class TwoMasks(layers.Layer):
    def call(self, mask):
        return mask, tf.transpose(mask)

    def compute_output_shape(self, mask_shape):
        return [mask_shape, mask_shape]


class TwoWidths(layers.Layer):
    def call(self, x):
        return x, tf.concat([x, x], axis=-1)

    def compute_output_shape(self, input_shape):
        return [input_shape, input_shape]
'''
    found = lint(src)
    assert codes(found) == [(19, "SC107")]
    assert "output 1: dim 1" in found[0].message


def test_layer_and_model_classes_defined_in_another_module(lint) -> None:  # type: ignore[no-untyped-def]
    blocks = IMPORTS + '''

class Projection(layers.Layer):
    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(width)

    def call(self, x):
        return self.dense(x)


class Classifier(keras.Model):
    def __init__(self, n_classes):
        super().__init__()
        self.body = Projection(64)
        self.head = layers.Dense(n_classes, activation="softmax")

    def call(self, x):
        return self.head(self.body(x))
'''
    train = IMPORTS + '''
from blocks import Classifier, Projection


def build():
    inp = keras.Input(shape=(20,))
    a = Projection(8)(inp)
    b = Projection(7)(inp)
    return layers.Add()([a, b])


def train():
    model = Classifier(10)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.zeros((32, 20))
    model.fit(x, np.eye(10)[np.zeros((32,), dtype=np.int32)])
'''
    found = lint({"train.py": train, "blocks.py": blocks})
    assert codes(found) == [(13, "SC101"), (20, "SC108")]
    assert "8 vs 7" in found[0].message


def test_a_model_called_with_the_list_of_its_inputs(lint: Callable[..., list[Finding]]) -> None:
    # tf-models-official transformer_forward_test: model([inputs], training=False)
    source = '''
import keras
import numpy as np


def run():
    ids = keras.Input((None,), dtype="int64")
    model = keras.Model(ids, keras.layers.Embedding(100, 8)(ids))
    inputs = np.asarray([[5, 2, 1], [7, 5, 0]])
    one = model([inputs], training=False)
    bad = model([np.zeros((2, 3, 4))])
    return one, bad
'''
    assert codes(lint(source)) == [(11, "SC101")]
