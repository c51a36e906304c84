"""GPTQ (quant/gptq.h) against an independent numpy implementation of the paper's Algorithm 1
(Frantar et al., ICLR 2023) on the project's symmetric grid: the same integers and scales, and a
smaller output error on the calibration inputs than round-to-nearest."""
import numpy as np
import pytest

import npusim
from npusim import _npusim


def gptq_reference(w, x, bits, group, damp=0.01):
    """Columns in order; each column's rounding error, divided by the diagonal of the upper
    Cholesky factor of H^-1, is subtracted from the later columns through that factor's row."""
    qmax = 2 ** (bits - 1) - 1
    W = w.astype(np.float64).copy()
    n, k = W.shape
    H = 2 * x.astype(np.float64).T @ x.astype(np.float64) / x.shape[0]
    dead = np.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    H += damp * np.mean(np.diag(H)) * np.eye(k)
    U = np.linalg.cholesky(np.linalg.inv(H)).T  # upper: H^-1 = U^T U
    ints = np.zeros((n, k), np.int8)
    scales = np.zeros((n, k // group), np.float32)
    for i in range(k):
        if i % group == 0:
            s = (np.maximum(np.abs(W[:, i:i + group]).max(axis=1), 1e-8) / qmax).astype(np.float32)
            scales[:, i // group] = s
        s = scales[:, i // group].astype(np.float64)
        q = np.clip(np.rint(W[:, i] / s), -qmax, qmax)
        ints[:, i] = q
        err = (W[:, i] - q * s) / U[i, i]
        W[:, i + 1:] -= np.outer(err, U[i, i + 1:])
    return ints, scales


@pytest.mark.parametrize("bits,group", [(4, 16), (4, 64), (3, 32), (8, 64)])
def test_gptq_matches_the_numpy_reference(bits, group):
    rng = np.random.default_rng(bits * 100 + group)
    k, n, tokens = 64, 24, 256
    # Correlated inputs with a few outlier channels: where GPTQ's error feedback matters.
    x = (rng.standard_normal((tokens, k)) @ rng.standard_normal((k, k)) / 8).astype(np.float32)
    x[:, :3] *= 10
    w = rng.standard_normal((n, k)).astype(np.float32)
    ints, scales = _npusim.gptq(w, x, bits, group)
    ref_ints, ref_scales = gptq_reference(w, x, bits, group)
    np.testing.assert_array_equal(scales, ref_scales)
    np.testing.assert_array_equal(ints, ref_ints)
    # Its point: the layer's output on the calibration inputs is closer to float than rounding's.
    deq = ints * np.repeat(scales, group, axis=1)
    rtn_s = np.repeat(np.maximum(np.abs(w.reshape(n, -1, group)).max(axis=2), 1e-8) / (2 ** (bits - 1) - 1), group, 1)
    rtn = np.clip(np.rint(w / rtn_s), -(2 ** (bits - 1) - 1), 2 ** (bits - 1) - 1) * rtn_s
    assert np.linalg.norm(x @ (deq - w).T) < np.linalg.norm(x @ (rtn - w).T)


def test_gptq_errors_name_the_problem():
    w = np.ones((4, 32), np.float32)
    x = np.ones((8, 32), np.float32)
    with pytest.raises(npusim.UserError, match="GPTQ: a group of 5 does not divide 32"):
        _npusim.gptq(w, x, 4, 5)
    with pytest.raises(npusim.UserError, match="GPTQ: the calibration inputs have 16 features, the weights 32"):
        _npusim.gptq(w, np.ones((8, 16), np.float32), 4, 32)
    x[3, 7] = np.nan
    with pytest.raises(npusim.UserError, match="GPTQ: the calibration inputs hold a NaN or an infinity"):
        _npusim.gptq(w, x, 4, 32)
    with pytest.raises(npusim.UserError, match="GPTQ: 3 calibration tokens for 32 input features: the Hessian "
                                               "needs at least 4"):
        _npusim.gptq(w, np.ones((3, 32), np.float32), 4, 32)
    with pytest.raises(npusim.UserError, match="GPTQ: no calibration tokens reached this linear"):
        _npusim.gptq(w, np.ones((0, 32), np.float32), 4, 32)
