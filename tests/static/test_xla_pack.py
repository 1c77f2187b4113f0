"""The XLA op pack is data: it loads, lookups normalise spellings, and bad packs name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from shapecheck.static.xla.ops_pack import XlaPackError, default_pack, load_pack_file, parse_pack


def test_shipped_pack_lookups() -> None:
    pack = default_pack()
    assert [a.what for a in pack.constant_args_of("tensorflow.tile")] == ["tile multiples"]
    assert pack.constant_args_of("tensorflow.compat.v2.reshape")[0].param == "shape"
    assert pack.constant_args_of("tensorflow.slice")[0].dynamic_dim
    assert pack.data_dependent_of("tensorflow.math.bincount") is not None
    assert pack.data_dependent_of("tensorflow.reshape") is None
    assert pack.no_kernel_of("tensorflow.strings.join") is not None
    assert pack.no_kernel_of("tensorflow.debugging.assert_equal").dropped  # type: ignore[union-attr]
    assert not pack.no_kernel_of("tensorflow.print").dropped  # type: ignore[union-attr]
    assert pack.no_kernel_of("tensorflow.ensure_shape") is None
    # an FFT rejects a bounded-dynamic dim from any source; reductions only one from a tensor-bounded slice
    assert pack.is_consumer("tensorflow.signal.fft2d", sliced=False) and pack.is_consumer("tensorflow.signal.rfft", sliced=True)
    assert pack.is_consumer("tensorflow.math.reduce_sum", sliced=True)
    assert not pack.is_consumer("tensorflow.math.reduce_sum", sliced=False)
    assert not pack.is_consumer("tensorflow.reshape", sliced=True) and not pack.is_consumer("tensorflow.tile", sliced=False)
    assert pack.is_shape_source("tensorflow.shape") and pack.is_passthrough("tensorflow.cast")


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(XlaPackError, match="format"):
        parse_pack({"format": 2}, "user.toml")


def test_bad_entry_names_file_and_entry() -> None:
    with pytest.raises(XlaPackError, match=r"user.toml: constant_args\[0\]: 'position'"):
        parse_pack({"format": 1, "constant_args": [{"ops": ["x"], "param": "p", "what": "w"}]}, "user.toml")
    with pytest.raises(XlaPackError, match=r"no_kernel\[0\]: 'ops' must be a list of strings"):
        parse_pack({"format": 1, "no_kernel": [{"ops": "tensorflow.print", "what": "w"}]}, "user.toml")


def test_unreadable_pack_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("format = = 1\n")
    with pytest.raises(XlaPackError, match="broken.toml: cannot read"):
        load_pack_file(bad)
