"""NumPy values tracked like tensors: grids, frequency axes, samplers on a Generator parameter."""

from __future__ import annotations

NOISE = '''import numpy as np


def smooth_noise(rng: np.random.Generator, sigma: float) -> np.ndarray:
    """White noise low-passed by a Gaussian of ``sigma`` pixels."""
    size = 64
    freq = np.fft.fftfreq(size)
    fy, fx = np.meshgrid(freq, freq, indexing="ij")
    kernel = np.exp(-2 * (np.pi / 4) ** 2 * (fx**2 + fy**2))
    return np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size={shape})) * kernel))
'''


def test_a_noise_field_one_column_too_wide(lint) -> None:  # type: ignore[no-untyped-def]
    findings = lint(NOISE.format(shape="(size, size + 1)"))
    assert [(f.line, f.code) for f in findings] == [(10, "SC101")]
    assert "(64, 65)" in findings[0].message


def test_the_right_noise_field_is_clean(lint) -> None:  # type: ignore[no-untyped-def]
    assert lint(NOISE.format(shape="(size, size)")) == []


def test_meshgrid_xy_indexing_swaps_the_first_two(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import numpy as np


def grid():
    xs, ys = np.meshgrid(np.arange(3), np.arange(5))
    return xs + np.zeros((3, 5))
'''
    findings = lint(src)
    assert [(f.line, f.code) for f in findings] == [(6, "SC101")]
    assert "(5, 3)" in findings[0].message


def test_int_parameters_are_never_proved_different(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import numpy as np


def grid(n: int, m: int):
    xs, ys = np.meshgrid(np.arange(n), np.arange(m))
    return xs + np.zeros((n, m)) + np.ones((m, 8))
'''
    assert lint(src) == []


def test_frequency_axis_lengths(lint) -> None:  # type: ignore[no-untyped-def]
    src = '''import numpy as np


def spectrum():
    half = np.zeros((4, 8)) * np.fft.rfftfreq(14)
    return half * np.fft.fftfreq(9)
'''
    findings = lint(src)
    assert [(f.line, f.code) for f in findings] == [(6, "SC101")]  # rfftfreq(14) has 8 entries; fftfreq(9) has 9
    assert "(9,)" in findings[0].message
