"""Symbolic shape inference: what ``explain`` shows for each op family, and what is never flagged."""

from __future__ import annotations

from conftest import codes, shapes_of

HEADER = '''import numpy as np
import tensorflow as tf
import keras
from typing import Annotated
from shapecheck import Float32, Shape
import jaxtyping as jt
'''


def infer(explain, body: str, params: str = 'x: Float32[tf.Tensor, "B H W C"]') -> dict[str, str]:  # type: ignore[no-untyped-def]
    src = HEADER + f"\n\ndef f({params}):\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return shapes_of(explain(src, "f"))


def test_three_annotation_spellings_give_the_same_dims(explain) -> None:  # type: ignore[no-untyped-def]
    params = 'a: Float32[tf.Tensor, "B 2"], b: Annotated[tf.Tensor, Shape("B 2")], c: jt.Float32[tf.Tensor, "B 2"]'
    s = infer(explain, "x = a + b\ny = b * c", params)
    assert s == {"x": "(B, 2)", "y": "(B, 2)"}


def test_reshape_with_minus_one_and_symbolic_products(explain) -> None:  # type: ignore[no-untyped-def]
    s = infer(explain, """
flat = tf.reshape(tf.transpose(x, (0, 3, 1, 2)), (-1, tf.shape(x)[1], tf.shape(x)[2], 1))
rows = tf.reshape(x, (tf.shape(x)[0], -1))
back = tf.reshape(flat, (-1, x.shape[3], tf.shape(x)[1], tf.shape(x)[2]))
""")
    assert s["flat"] == "(B*C, H, W, 1)"
    assert s["rows"] == "(B, C*H*W)"
    assert s["back"] == "(B, C, H, W)"


def test_slicing_striding_newaxis_and_ellipsis(explain) -> None:  # type: ignore[no-untyped-def]
    s = infer(explain, """
a = x[:, 0, :, 0]
b = x[1:3]
c = x[..., None]
d = x[:, ::2]
e = x[..., -1]
g = x[:, 2:-2, 2:-2, :]
""", 'x: Float32[tf.Tensor, "B 1 2 C"]')
    assert s["a"] == "(B, 2)"
    assert s["b"] == "(2, 1, 2, C)"
    assert s["c"] == "(B, 1, 2, C, 1)"
    assert s["d"] == "(B, 1, 2, C)"
    assert s["e"] == "(B, 1, 2)"
    assert s["g"] == "(B, 0, 0, C)"


def test_expand_squeeze_concat_stack_tile_repeat(explain) -> None:  # type: ignore[no-untyped-def]
    s = infer(explain, """
e = tf.expand_dims(x, -1)
q = tf.squeeze(e, axis=-1)
c = tf.concat([x, x, x], axis=1)
st = tf.stack([x, x], axis=0)
t = tf.tile(x, (1, 4))
r = tf.repeat(x, 3, axis=0)
rr = tf.repeat(x, 2)
""", 'x: Float32[tf.Tensor, "B N"]')
    assert s == {
        "e": "(B, N, 1)", "q": "(B, N)", "c": "(B, 3*N)", "st": "(2, B, N)",
        "t": "(B, 4*N)", "r": "(3*B, N)", "rr": "(2*B*N,)",
    }


def test_gather_matmul_einsum_fft_pad_reductions(explain) -> None:  # type: ignore[no-untyped-def]
    s = infer(explain, """
g = tf.gather(x, idx, axis=1)
gb = tf.gather(x, idx2, axis=1, batch_dims=1)
m = tf.matmul(x, w)
mt = tf.matmul(w, w, transpose_a=True)
at = x @ w
es = tf.einsum("bn,nk->bk", x, w)
f2 = tf.signal.fft2d(tf.cast(x, tf.complex64))
rf = tf.signal.rfft(x)
p = tf.pad(x, [[0, 0], [2, 2]])
mean = tf.reduce_mean(x, axis=1)
keep = tf.reduce_sum(x, axis=-1, keepdims=True)
total = tf.reduce_max(x)
am = tf.argmax(x, axis=1)
""", 'x: Float32[tf.Tensor, "B N"], w: Float32[tf.Tensor, "N K"], idx: Float32[tf.Tensor, "J"], idx2: Float32[tf.Tensor, "B J"]')
    assert s["g"] == "(B, J)"
    assert s["gb"] == "(B, J)"
    assert s["m"] == "(B, K)" and s["at"] == "(B, K)" and s["es"] == "(B, K)"
    assert s["mt"] == "(K, K)"
    assert s["f2"] == "(B, N)"
    assert s["rf"] == "(B, (N//2) + 1)"
    assert s["p"] == "(B, N + 4)"
    assert s["mean"] == "(B,)" and s["keep"] == "(B, 1)" and s["total"] == "()" and s["am"] == "(B,)"


def test_constructors_literals_and_shape_reads(explain) -> None:  # type: ignore[no-untyped-def]
    s = infer(explain, """
z = tf.zeros((B, 2))
o = tf.ones([3, 4])
n = np.zeros((5,))
r = tf.random.normal((2, 8))
fl = tf.fill((4, 4), 1.0)
k = tf.constant([[1, 2, 3], [4, 5, 6]])
rn = np.random.randn(2, 3)
n0 = x.shape[0]
s1 = tf.shape(x)[1]
""", 'x: Float32[tf.Tensor, "B N"], B: int')
    assert s["z"] == "(B, 2)" and s["o"] == "(3, 4)" and s["n"] == "(5,)" and s["r"] == "(2, 8)"
    assert s["fl"] == "(4, 4)" and s["k"] == "(2, 3)" and s["rn"] == "(2, 3)"
    assert s["n0"] == "int B" and s["s1"] == "int N"


def test_elementwise_broadcasting_follows_numpy(explain) -> None:  # type: ignore[no-untyped-def]
    s = infer(explain, """
a = x + 1.0
b = x * tf.ones((1, N))
c = x[:, :, None] * tf.ones((1, 1, 3))
d = tf.maximum(x, 0.0)
""", 'x: Float32[tf.Tensor, "B N"], N: int')
    assert s == {"a": "(B, N)", "b": "(B, N)", "c": "(B, N, 3)", "d": "(B, N)"}


def test_keras_layers(explain) -> None:  # type: ignore[no-untyped-def]
    s = infer(explain, """
a = keras.layers.Conv2D(32, 3, padding="same")(x)
b = keras.layers.Conv2D(8, (3, 3))(x)
c = keras.layers.Conv2D(16, 3, strides=2, padding="same")(x)
d = keras.layers.MaxPooling2D(2)(a)
e = keras.layers.UpSampling2D(2)(d)
f = keras.layers.Flatten()(x)
g = keras.layers.Dense(10)(f)
h = keras.layers.Reshape((64, 64, 1))(f)
i = keras.layers.Dropout(0.1)(x)
l = keras.layers.Lambda(lambda t: t[:, 0])(x)
""", 'x: Float32[tf.Tensor, "B 64 64 1"]')
    assert s["a"] == "(B, 64, 64, 32)"
    assert s["b"] == "(B, 62, 62, 8)"
    assert s["c"] == "(B, 32, 32, 16)"
    assert s["d"] == "(B, 32, 32, 32)"
    assert s["e"] == "(B, 64, 64, 32)"
    assert s["f"] == "(B, 4096)" and s["g"] == "(B, 10)" and s["h"] == "(B, 64, 64, 1)"
    assert s["i"] == "(B, 64, 64, 1)"
    assert s["l"] == "(B, 64, 1)"  # Lambda(fn)(x) is fn(x)


def test_call_site_contract_propagates_to_the_caller(explain) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def to_flat(imgs: Float32[tf.Tensor, "B H W C"]) -> Float32[tf.Tensor, "B*C H W 1"]:
    return tf.reshape(tf.transpose(imgs, (0, 3, 1, 2)), (-1, tf.shape(imgs)[1], tf.shape(imgs)[2], 1))


def legacy(a):
    return tf.reshape(a, (tf.shape(a)[0] * 2, -1))


def f(x: Float32[tf.Tensor, "G 8 8 4"]):
    y = to_flat(x)
    z = legacy(y)
    w = tf.cond(tf.reduce_any(x > 0), lambda: y, lambda: y * 2.0)
'''
    s = shapes_of(explain(src, "f"))
    assert s["y"] == "(4*G, 8, 8, 1)"
    assert s["z"] == "(8*G, 32)"  # the unannotated helper is analysed with the argument's shape
    assert s["w"] == "(4*G, 8, 8, 1)"


def test_unknown_is_never_an_error(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def f(x, y, n, cfg):
    a = tf.reshape(x, (n, -1))
    b = a + y
    c = tf.matmul(x, y)
    d = tf.concat([x, y], axis=cfg["axis"])
    e = tf.cond(n > 0, lambda: x, lambda: y)
    g = tf.gather(x, tf.range(n))
    h = x[:, y]
    return tf.reshape(b, (3, 4)) + c + d + e + g + h


def g(x: Float32[tf.Tensor, "B N"], y: Float32[tf.Tensor, "M N"]):
    return x + y  # independent names are not assumed to differ
'''
    assert lint(src) == []


def test_provable_differences_are_reported_with_the_reasoning(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def f(x: Float32[tf.Tensor, "B N"]) -> Float32[tf.Tensor, "B N"]:
    y = tf.concat([x, x], axis=0)
    return x + y
'''
    findings = lint(src)
    assert codes(findings) == [(11, "SC101")]
    f = findings[0]
    assert "(B, N)" in f.message and "(2*B, N)" in f.message
    assert any("line 10" in n and "tf.concat" in n for n in f.notes)
    assert any("parameter `x`" in n for n in f.notes)


def test_stub_pack_gives_legacy_helpers_contracts(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''
from ptycho import tf_helper as hh


def f(patches: Float32[tf.Tensor, "B N N C"], offsets: Float32[tf.Tensor, "B 1 2 C"], wrong: Float32[tf.Tensor, "B 2"]):
    flat = hh._channel_to_flat(patches)
    good = hh.translate(flat, hh.flatten_offsets(offsets))
    bad = hh.translate(flat, wrong)
    return good, bad
'''
    findings = lint(src)
    assert codes(findings) == [(14, "SC103")]
    assert "ptycho_legacy_stubs.toml" in findings[0].message


def test_keras_layer_stub_takes_a_list_of_inputs(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''
from ptycho.tf_helper import Translation, _channel_to_flat


def f(patches: Float32[tf.Tensor, "B N N C"], offsets: Float32[tf.Tensor, "B 2"]):
    return Translation(jitter_stddev=0.0)([_channel_to_flat(patches), offsets])
'''
    assert codes(lint(src)) == [(12, "SC103")]


def test_contracted_keras_layer_call_is_checked(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

class Shift(keras.layers.Layer):
    def call(self, images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]) -> Float32[tf.Tensor, "N H W 1"]:
        return images


def model(x: Float32[tf.Tensor, "B H W 1"], o: Float32[tf.Tensor, "B 2"]):
    layer = Shift()
    ok = layer(x, o)
    return layer(x, tf.concat([o, o], axis=0))
'''
    assert codes(lint(src)) == [(17, "SC101")]


def test_module_level_script_code_is_analysed(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''
N_CHUNKS = 4
patches = tf.zeros((32, 8, 8, 1))
chunks = tf.split(patches, N_CHUNKS, axis=0)
whole = tf.reshape(chunks[0], (32, 64))
'''
    assert codes(lint(src)) == [(11, "SC104")]


def test_case_branches_are_compared(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def f(x: Float32[tf.Tensor, "B 4"], k: tf.Tensor):
    return tf.case([(k > 0, lambda: x), (k < 0, lambda: x * 2.0)], default=lambda: x[:, :2])
'''
    findings = lint(src)
    assert codes(findings) == [(10, "SC105")]
    assert "(B, 2)" in findings[0].message and "(B, 4)" in findings[0].message


def test_reads_of_an_unknown_dim_stay_consistent(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def f(x):
    n = tf.shape(x)[0]
    y = tf.reshape(x, (n, -1))
    z = tf.gather(x, tf.range(n) % tf.shape(x)[0])
    return tf.concat([y, y], axis=0)
'''
    assert lint(src) == []


def test_unannotated_helper_in_another_file_is_summarised(lint) -> None:  # type: ignore[no-untyped-def]
    helpers = "import tensorflow as tf\n\n\ndef to_pairs(a):\n    return tf.reshape(a, (tf.shape(a)[0] * 2, -1))\n"
    user = HEADER + '''
from helpers import to_pairs


def f(x: Float32[tf.Tensor, "B 8"]) -> Float32[tf.Tensor, "B 4"]:
    return to_pairs(x)
'''
    findings = lint({"user.py": user, "helpers.py": helpers})
    assert codes(findings) == [(12, "SC102")]
    # the helper's body is analysed with this call's argument (B, 8): the -1 resolves to 4
    assert "(2*B, 4)" in findings[0].message


def test_explain_puts_shapes_beside_assignments(explain) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def f(y: Float32[tf.Tensor, "B C 2"]):
    x = tf.reshape(y, (-1, 2))
    n, m = x.shape
    return x
'''
    text = explain(src)
    assert "    x = tf.reshape(y, (-1, 2))    # (B*C, 2)" in text.splitlines()
    assert "    n, m = x.shape    # n: int B*C, m: int 2" in text.splitlines()
    assert text.count("\n") == src.count("\n")


def test_functional_keras_model_from_input(lint, explain) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def build():
    inp = keras.Input(shape=(64, 64, 4))
    x = keras.layers.Conv2D(32, 3, strides=2, padding="same")(inp)
    up = keras.layers.Conv2DTranspose(16, 3, strides=2, padding="same")(x)
    flat = keras.layers.Reshape((64 * 64 * 17,))(up)
    return up
'''
    s = shapes_of(explain(src, "build"))
    assert s["inp"] == "(batch, 64, 64, 4)"
    assert s["x"] == "(batch, 32, 32, 32)"
    assert s["up"] == "(batch, 64, 64, 16)"
    assert codes(lint(src)) == [(13, "SC104")]


def test_names_resolve_through_imports_and_locals_shadow_them(explain) -> None:  # type: ignore[no-untyped-def]
    src = '''import tensorflow.compat.v1 as tf1
from tensorflow import signal
from tensorflow import reshape as rs
import numpy


def f():
    a = tf1.zeros((2, 8))
    b = signal.fft2d(a)
    c = rs(a, (4, 4))
    d = numpy.ones((3,))
    tf1 = None
    e = tf1.zeros((5, 5))
'''
    s = shapes_of(explain(src, "f"))
    assert s == {"a": "(2, 8)", "b": "(2, 8)", "c": "(4, 4)", "d": "(3,)"}


def test_calls_through_tf_function_keep_the_contract(lint) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def needs_three(x: Float32[tf.Tensor, "N 3"]) -> Float32[tf.Tensor, "N 3"]:
    return x + 1.0


def run():
    fn = tf.function(needs_three, jit_compile=False)
    ok = fn(tf.ones((4, 3)))
    return fn(tf.ones((4, 2)))
'''
    assert codes(lint(src)) == [(16, "SC101")]


def test_layers_built_in_init_give_shapes_in_call(lint, explain) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

class Encoder(keras.layers.Layer):
    def __init__(self, filters: int = 16) -> None:
        super().__init__()
        self.conv = keras.layers.Conv2D(32, 3, padding="same")
        self.pool = keras.layers.MaxPooling2D(2)
        self.swap = keras.layers.Dense(8)

    def call(self, x: Float32[tf.Tensor, "B 64 64 1"]) -> Float32[tf.Tensor, "B 32 32 32"]:
        h = self.conv(x)
        return self.pool(h)

    def broken(self, x: Float32[tf.Tensor, "B 64 64 1"]) -> Float32[tf.Tensor, "B 64 64 32"]:
        return self.pool(self.conv(x))

    def rebinds(self, x):
        self.swap = None
        return x
'''
    assert codes(lint(src)) == [(21, "SC102")]
    s = shapes_of(explain(src, "Encoder.call"))
    assert s["h"] == "(B, 64, 64, 32)"


def test_map_fn_applies_the_function_to_one_row(lint, explain) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def one(patch: Float32[tf.Tensor, "N N"]) -> Float32[tf.Tensor, "N N"]:
    return patch


def f(x: Float32[tf.Tensor, "B 8 8"], y: Float32[tf.Tensor, "B 8 4"]):
    rows = tf.map_fn(lambda r: tf.reshape(r, (-1,)), x)
    same = tf.vectorized_map(one, x)
    bad = tf.map_fn(one, y)
'''
    s = shapes_of(explain(src, "f"))
    assert s["rows"] == "(B, 64)" and s["same"] == "(B, 8, 8)"
    assert codes(lint(src)) == [(16, "SC101")]


def test_tuple_return_contracts(lint, explain) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def split(x: Float32[tf.Tensor, "B 2*N"]) -> tuple[Float32[tf.Tensor, "B N"], Float32[tf.Tensor, "B N"]]:
    half = tf.shape(x)[1] // 2
    return x[:, :half], x[:, half:]


def wrong(x: Float32[tf.Tensor, "B N"]) -> tuple[Float32[tf.Tensor, "B N"], Float32[tf.Tensor, "B"]]:
    return x, x


def use(z: Float32[tf.Tensor, "G 16"]):
    a, b = split(z)
'''
    assert codes(lint(src)) == [(15, "SC102")]
    assert shapes_of(explain(src, "use"))["a, b"] == "a: (G, 8), b: (G, 8)"


def test_expression_dims_bind_their_one_unknown(explain) -> None:  # type: ignore[no-untyped-def]
    src = HEADER + '''

def to_channel(flat: Float32[tf.Tensor, "B*C N N 1"], B: int) -> Float32[tf.Tensor, "B N N C"]:
    return tf.reshape(flat, (B, -1, tf.shape(flat)[1], tf.shape(flat)[2]))


def use(x: Float32[tf.Tensor, "4*G 8 8 1"], G: int):
    y = to_channel(x, G)
'''
    assert shapes_of(explain(src, "use"))["y"] == "(G, 8, 8, 4)"
