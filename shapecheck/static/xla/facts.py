"""Per-module facts about compilation: functions, their calls, classes and compile roots.

Everything here is a frozen dataclass of strings, ints and tuples, so it pickles into the
CLI's cache and compares by value.
"""

from __future__ import annotations

from dataclasses import dataclass

# CallRef kinds
CALL = "call"  # target: a qualified name called (function, class constructor, alias)
REF = "ref"  # target: a qualified name passed as a value (tf.map_fn(fn, ...), Lambda(fn))
SELF_METHOD = "self"  # target: method name on the enclosing class (self.m(...))
INSTANCE = "instance"  # target: qualified class name whose instance is called (layer(x))
METHOD = "method"  # target: "<class qualname>:<method>" called on an instance of that class


@dataclass(frozen=True)
class CallRef:
    kind: str
    target: str
    line: int
    # the arguments the call passes: positions ("0", "1", ...) and keywords; "*" when it unpacks
    # *args/**kwargs (then any parameter may be passed)
    passed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Switch:
    """What decides whether a root is compiled by XLA.

    kind: "literal-true" | "literal-false" | "absent" | "auto" (Keras 3 jit_compile="auto") |
    "param" | "config" | "env" | "global" | "expr" | "always" (tf.xla.experimental.compile) |
    "guarded" (a literal True inside `if <XLA setting>:`; text is the test).
    """

    kind: str
    text: str
    line: int
    col: int  # 1-based column of the value (for SC303)

    @property
    def compiles(self) -> bool:
        return self.kind not in ("literal-false", "absent")

    @property
    def controllable(self) -> bool:
        return self.kind in ("param", "config", "env", "global", "expr", "auto", "absent", "literal-false", "guarded")

    def describe(self) -> str:
        if self.kind == "literal-true":
            return ("jit_compile=True literal: nothing turns it off "
                    "(TF_XLA_FLAGS=--tf_xla_auto_jit=0 only disables auto-clustering)")
        if self.kind == "always":
            return "always compiled (tf.xla.experimental.compile / jit_scope); no switch"
        if self.kind == "auto":
            return ('jit_compile="auto" (Keras 3 default): XLA on any non-CPU device unless a layer sets '
                    "supports_jit=False, under tf.distribute or op determinism; off with jit_compile=False")
        if self.kind == "literal-false":
            return "jit_compile=False: traced, not compiled"
        if self.kind == "absent":
            return "no jit_compile: traced, not compiled (unless auto-clustering is on)"
        if self.kind == "guarded":
            return f"jit_compile=True, only when `{self.text}` holds: controlled by that setting"
        where = {"param": "argument", "config": "configuration value", "env": "environment variable",
                 "global": "module global", "expr": "expression"}[self.kind]
        return f"jit_compile={self.text}: controlled by {where} `{self.text}`"


@dataclass(frozen=True)
class Root:
    """A place where tracing or compilation starts."""

    kind: str  # "tf.function" | "tf.function-call" | "keras-compile" | "xla-compile" | "jit-scope"
    module: str
    path: str
    line: int
    col: int
    label: str  # short human text: "@tf.function(jit_compile=True) on step"
    switch: Switch
    targets: tuple[CallRef, ...]  # what the root compiles
    builder: str | None = None  # keras-compile: the function that builds the model (qualified)
    model_class: str | None = None  # keras-compile: the Model class compiled (qualified), when known


@dataclass(frozen=True)
class FunctionFacts:
    qualname: str  # module.Class.method / module.outer.inner
    module: str
    path: str
    line: int
    class_qualname: str | None
    calls: tuple[CallRef, ...]
    constructs: tuple[str, ...]  # qualified classes instantiated here (layers of a model builder)
    lambda_calls: tuple[CallRef, ...]  # calls inside Lambda(...) layer arguments
    keras_traced: bool = False  # a Keras method traced by fit/predict (call, train_step...)
    params: tuple[str, ...] = ()  # positional-or-keyword parameters in order (self included)


@dataclass(frozen=True)
class ClassFacts:
    qualname: str
    module: str
    path: str
    line: int
    bases: tuple[str, ...]  # qualified names as far as imports resolve them
    methods: tuple[str, ...]
    attr_classes: tuple[tuple[str, str], ...]  # self.attr = Cls(...)  -> (attr, qualified Cls)


@dataclass(frozen=True)
class AutoJit:
    module: str
    path: str
    line: int
    text: str  # the set_jit(...) call as written


@dataclass(frozen=True)
class XlaModuleFacts:
    module_name: str
    path: str
    functions: tuple[FunctionFacts, ...]
    classes: tuple[ClassFacts, ...]
    roots: tuple[Root, ...]
    aliases: tuple[tuple[str, str], ...]  # module-level name -> qualified target (imports, f = tf.function(g))
    auto_jit: tuple[AutoJit, ...]
    mutated: tuple[str, ...] = ()  # qualified module-level objects this module mutates (cfg["N"] = ...)
