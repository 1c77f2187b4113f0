"""The legacy ptychography layout of the seed reports (seeds 001-003), in miniature: a Keras model
compiled with an env-controlled switch, a Translation layer that decides XLA at trace time, a
hard-wired ``projective_warp_xla_jit`` and ``params.cfg`` reads. Checks findings and the call chain
that the seed 001 report reconstructed by hand."""

from __future__ import annotations

from shapecheck.static.xla.standalone import analyse_sources

FILES = {
    'ptycho/__init__.py': '',
    'ptycho/custom_layers.py': 'import tensorflow as tf\n\nfrom ptycho import tf_helper as hh\n\n\nclass ReassemblePatchesLayer(tf.keras.layers.Layer):\n    def call(self, inputs):\n        patches, positions = inputs\n        return hh.reassemble_patches_position_batched_real(patches, positions)\n',
    'ptycho/model.py': 'import os\n\nimport tensorflow as tf\n\nfrom ptycho.custom_layers import ReassemblePatchesLayer\nfrom ptycho import params\n\n\ndef create_model_with_gridsize(gridsize, N):\n    inp = tf.keras.Input(shape=(N, N, gridsize**2))\n    pos = tf.keras.Input(shape=(1, 2, gridsize**2))\n    out = ReassemblePatchesLayer()([inp, pos])\n    model = tf.keras.Model([inp, pos], out)\n    use_xla = os.environ.get("USE_XLA_COMPILE", "1") == "1"\n    model.compile(optimizer="adam", loss="mse", jit_compile=use_xla)\n    return model\n',
    'ptycho/params.py': 'cfg = {"N": 64, "gridsize": 2, "use_xla_translate": True, "offset": 4}\n\n\ndef get(key):\n    return cfg[key]\n\n\ndef set(key, value):\n    cfg[key] = value\n\n\ndef params():\n    return cfg\n',
    'ptycho/projective_warp_xla.py': 'import tensorflow as tf\n\n\ndef _gather_bhw(images, yy, xx):\n    B = tf.shape(images)[0]\n    H = tf.shape(yy)[1]\n    W = tf.shape(yy)[2]\n    C = tf.shape(images)[3]\n    idx = tf.stack([yy, xx], axis=-1)\n    gathered = tf.gather_nd(images, idx, batch_dims=1)\n    return tf.reshape(gathered, [B, H, W, C])\n\n\ndef projective_warp_xla(images, M, interpolation="bilinear"):\n    B = tf.shape(M)[0]\n    H, W = tf.shape(images)[1], tf.shape(images)[2]\n    grid = tf.tile(tf.zeros([1, H, W, 2]), [B, 1, 1, 1])\n    yy = tf.cast(grid[..., 0], tf.int32)\n    xx = tf.cast(grid[..., 1], tf.int32)\n    return _gather_bhw(images, yy, xx)\n\n\n@tf.function(jit_compile=True)\ndef projective_warp_xla_jit(images, M, interpolation="bilinear"):\n    return projective_warp_xla(images, M, interpolation)\n\n\ndef translate_xla(images, translations, interpolation="bilinear", use_jit=True):\n    B = tf.shape(translations)[0]\n    M = tf.tile(tf.eye(3)[None], [B, 1, 1])\n    if use_jit:\n        return projective_warp_xla_jit(images, M, interpolation)\n    return projective_warp_xla(images, M, interpolation)\n',
    'ptycho/tf_helper.py': 'import os\n\nimport tensorflow as tf\n\nfrom . import params as p\nfrom .params import get\nfrom .projective_warp_xla import translate_xla\n\n\ndef should_use_xla():\n    use_xla_env = os.environ.get("USE_XLA_TRANSLATE", "").lower() in ("1", "true", "yes")\n    return use_xla_env or get("use_xla_translate")\n\n\ndef translate_core(images, translations, interpolation="bilinear", use_xla_workaround=False):\n    if should_use_xla():\n        return translate_xla(images, translations, interpolation=interpolation, use_jit=True)\n    return images\n\n\ndef translate(imgs, offsets, interpolation="bilinear", use_xla_workaround=False):\n    return translate_core(imgs, offsets, interpolation=interpolation, use_xla_workaround=use_xla_workaround)\n\n\ndef _channel_to_flat(imgs):\n    B, N, _, C = imgs.shape\n    imgs = tf.transpose(imgs, [0, 3, 1, 2])\n    return tf.reshape(imgs, [B * C, N, N, 1])\n\n\ndef _flat_to_channel(imgs, N=None):\n    gridsize = p.cfg["gridsize"]\n    if N is None:\n        N = p.cfg["N"]\n    imgs = tf.reshape(imgs, (-1, gridsize**2, N, N))\n    return tf.transpose(imgs, [0, 2, 3, 1])\n\n\nclass Translation(tf.keras.layers.Layer):\n    def __init__(self, jitter_stddev=0.0, use_xla=False, **kwargs):\n        super().__init__(**kwargs)\n        self.jitter_stddev = jitter_stddev\n        self.use_xla = True\n\n    def call(self, inputs):\n        imgs, offsets = inputs\n        return translate(imgs, offsets, interpolation="bilinear")\n\n\ndef reassemble_patches_position_batched_real(imgs, offsets_xy):\n    offsets_flat = tf.reshape(offsets_xy, [-1, 2])\n    imgs_flat = _channel_to_flat(imgs)\n    padded = tf.pad(imgs_flat, [[0, 0], [p.get("offset"), p.get("offset")], [4, 4], [0, 0]])\n    return Translation()([padded, offsets_flat])\n',
}


def test_legacy_tree_findings() -> None:
    analysis = analyse_sources(FILES)
    assert not analysis.errors
    got = {(f.path, f.line, f.code) for f in analysis.findings}
    assert got == {
        ("ptycho/projective_warp_xla.py", 23, "SC303"),  # hard-wired: TF_XLA_FLAGS cannot turn it off (seed 001)
        ("ptycho/tf_helper.py", 11, "SC302"),  # USE_XLA_TRANSLATE read while tracing (seed 002)
        ("ptycho/tf_helper.py", 12, "SC302"),  # params use_xla_translate read while tracing
        ("ptycho/tf_helper.py", 28, "SC205"),  # B * C with B from imgs.shape (None while tracing)
        ("ptycho/tf_helper.py", 53, "SC301"),  # pad widths from params.get('offset') inside traced code
    }


def test_legacy_tree_call_chain_matches_the_seed_report() -> None:
    analysis = analyse_sources(FILES)
    regions = {r.root.label: r for r in analysis.region_map.regions}
    model = regions["model.compile(jit_compile=use_xla)"]
    assert model.root.switch.kind == "env"
    chains = {m.qualname: m.chain for m in model.members}
    assert chains["ptycho.projective_warp_xla.projective_warp_xla_jit"] == (
        "ptycho.tf_helper.Translation.call", "ptycho.tf_helper.translate", "ptycho.tf_helper.translate_core",
        "ptycho.projective_warp_xla.translate_xla", "ptycho.projective_warp_xla.projective_warp_xla_jit")
    jit = regions["@tf.function(jit_compile=True) on ptycho.projective_warp_xla.projective_warp_xla_jit"]
    assert jit.off_switches() == []
    assert "TF_XLA_FLAGS=--tf_xla_auto_jit=0 does NOT turn this off" in jit.format()
