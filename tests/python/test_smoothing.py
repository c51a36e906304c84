"""SmoothQuant and AWQ (quant/smoothing.h) against independent numpy implementations of the
published algorithms on a small case with outlier channels: the same factors, the same searched
alpha, and a smaller output error than quantizing without them."""
import numpy as np
import pytest

import npusim
from npusim import _npusim


def fp16(x):
    return np.asarray(x, np.float32).astype(np.float16).astype(np.float32)


def fake_quant(w, bits, group, fp16_scales):
    """Symmetric round-to-nearest per row and group of columns, dequantized."""
    qmax = 2 ** (bits - 1) - 1
    n, k = w.shape
    g = w.reshape(n, k // group, group)
    s = (np.maximum(np.abs(g).max(axis=2, keepdims=True), 1e-8) / qmax).astype(np.float32)
    if fp16_scales:
        s = fp16(s)
    return (np.clip(np.rint(g / s), -qmax, qmax) * s).reshape(n, k).astype(np.float32)


def strided(x, limit=256):
    step = max(1, -(-x.shape[0] // limit))
    return x[::step].astype(np.float64)


def smooth_quant_reference(w, x, bits, alpha=None):
    """Xiao et al. 2023, eq. 4: s_j = max|X_j|^a / max|W_j|^(1-a); a searched over 0.05..0.95 for
    the least error of int8 x / s (one scale) times per-channel rounded W diag(s)."""
    xmax, wmax = np.abs(x).max(axis=0), np.abs(w).max(axis=0)

    def factors(a):
        s = np.clip(xmax.astype(np.float64) ** a / wmax.astype(np.float64) ** (1 - a), 1e-5, 1e5)
        return np.where((xmax > 0) & (wmax > 0), s, 1).astype(np.float32)

    if alpha:
        return factors(alpha), alpha
    xs = strided(x)
    ref = xs @ w.astype(np.float64).T
    best = None
    for i in range(1, 20):
        a = i / 20
        s = factors(a)
        xq = xs / s.astype(np.float64)
        scale = max(np.abs(xq).max(), 1e-12) / 127
        xq = np.clip(np.round(xq / scale), -128, 127) * scale
        wq = fake_quant(w * s, bits, w.shape[1], False).astype(np.float64)
        err = ((xq @ wq.T - ref) ** 2).sum()
        if best is None or err < best[0]:
            best = (err, s, a)
    return best[1], best[2]


def awq_reference(w, x, bits, group):
    """Lin et al. 2024 (auto_scale): s = mean|X_j|^a, normalised by sqrt(max s min s), a = i/20,
    the least mean squared output error of Q(W diag(s)) diag(s)^-1 on the inputs."""
    mean = np.abs(x.astype(np.float64)).mean(axis=0)
    xs = strided(x)
    ref = xs @ w.astype(np.float64).T
    best = None
    for i in range(20):
        a = i / 20
        s = np.maximum(mean ** a, 1e-4)
        s = (s / np.sqrt(s.max() * s.min())).astype(np.float32)
        wq = fake_quant(w * s, bits, group, True) * (1 / s)
        err = ((xs @ wq.astype(np.float64).T - ref) ** 2).mean()
        if best is None or err < best[0]:
            best = (err, s, a)
    return best[1], best[2]


def outlier_case(seed, tokens=300, k=64, n=48):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((tokens, k)).astype(np.float32)
    x[:, [3, 17, 40]] *= [30, 12, 50]  # the activation outlier channels of transformer linears
    w = (rng.standard_normal((n, k)) / 8).astype(np.float32)
    return w, x


@pytest.mark.parametrize("bits", [8, 4])
def test_smooth_quant_matches_the_numpy_reference(bits):
    w, x = outlier_case(bits)
    s, alpha = _npusim.smooth_quant(w, x, bits)
    ref_s, ref_alpha = smooth_quant_reference(w, x, bits)
    assert alpha == pytest.approx(ref_alpha)
    np.testing.assert_allclose(s, ref_s, rtol=1e-6)
    fixed, a = _npusim.smooth_quant(w, x, bits, 0.5)
    assert a == 0.5
    np.testing.assert_allclose(fixed, smooth_quant_reference(w, x, bits, 0.5)[0], rtol=1e-6)

    # Its point: static int8 activations lose much less with the outliers migrated.
    def error(s):
        xq = x / s
        scale = np.abs(xq).max() / 127
        xq = np.clip(np.round(xq / scale), -128, 127) * scale
        return np.linalg.norm(xq @ fake_quant(w * s, bits, w.shape[1], False).T - x @ w.T)

    assert error(s) < 0.5 * error(np.ones_like(s))


@pytest.mark.parametrize("bits,group", [(4, 16), (4, 64), (3, 32)])
def test_awq_matches_the_numpy_reference(bits, group):
    w, x = outlier_case(100 + bits * group)
    s, alpha = _npusim.awq(w, x, bits, group)
    ref_s, ref_alpha = awq_reference(w, x, bits, group)
    assert alpha == pytest.approx(ref_alpha)
    np.testing.assert_allclose(s, ref_s, rtol=1e-5)
    assert alpha > 0  # with outlier channels, scaling wins over plain rounding
    plain = np.linalg.norm(x @ (fake_quant(w, bits, group, True) - w).T)
    scaled = np.linalg.norm(x @ (fake_quant(w * s, bits, group, True) / s - w).T)
    assert scaled < plain


def test_scaling_errors_name_the_problem():
    w = np.ones((4, 32), np.float32)
    with pytest.raises(npusim.UserError, match="AWQ: a group of 5 does not divide 32"):
        _npusim.awq(w, np.ones((8, 32), np.float32), 4, 5)
    with pytest.raises(npusim.UserError, match="SmoothQuant: the calibration inputs have 16 features, the weights 32"):
        _npusim.smooth_quant(w, np.ones((8, 16), np.float32))
    x = np.ones((8, 32), np.float32)
    x[2, 5] = np.inf
    with pytest.raises(npusim.UserError, match="AWQ: the calibration inputs hold a NaN or an infinity"):
        _npusim.awq(w, x, 4, 32)
    with pytest.raises(npusim.UserError, match="SmoothQuant: no calibration tokens reached this linear"):
        _npusim.smooth_quant(w, np.ones((0, 32), np.float32))
