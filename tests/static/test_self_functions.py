"""A function stored on ``self`` in ``__init__`` (``self.translate = tf.function(translate, ...)``) is
that function when another method calls it: its contract is checked at the call."""

from __future__ import annotations

from conftest import codes

HELPERS = '''import tensorflow as tf
from shapecheck import Float32, check


@check
def translate(images: Float32[tf.Tensor, "N H W 1"], offsets: Float32[tf.Tensor, "N 2"]) -> Float32[tf.Tensor, "N H W 1"]:
    """Shift every image by its offset."""
    return tf.roll(images, 1, axis=1)
'''

LAYER = '''import tensorflow as tf
from tensorflow import keras
from shapecheck import Float32, check
from pkg.helpers import translate


class Translation(keras.layers.Layer):
    def __init__(self, jit: bool, **kwargs):
        super().__init__(**kwargs)
        self.translate = tf.function(translate, jit_compile=jit)

    @check
    def call(self, images: Float32[tf.Tensor, "B H W 1"], offsets: Float32[tf.Tensor, "B 2"]) -> Float32[tf.Tensor, "B H W 1"]:
        return self.translate({args})
'''


def _files(args: str) -> dict[str, str]:
    return {"pkg/layer.py": LAYER.format(args=args), "pkg/helpers.py": HELPERS, "pkg/__init__.py": ""}


def test_arguments_swapped_through_a_wrapped_function_on_self(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(_files("offsets, images"))
    assert codes(findings) == [(14, "SC101"), (14, "SC101")]
    assert all("of `translate`" in f.message for f in findings)


def test_the_right_call_through_self_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert lint(_files("images, offsets")) == []


def test_a_function_reassigned_in_another_method_is_not_assumed(lint) -> None:  # type: ignore[no-untyped-def]
    """``self.translate`` set again outside ``__init__``: which function runs is not known."""
    src = LAYER.format(args="offsets, images") + '''
    def use_identity(self):
        self.translate = lambda images, offsets: images
'''
    assert lint({"pkg/layer.py": src, "pkg/helpers.py": HELPERS, "pkg/__init__.py": ""}) == []
