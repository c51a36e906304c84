"""Weight formats (recipes/formats.h) encode and decode bit for bit as independent references do:
ml_dtypes' float8_e4m3fn, float8_e5m2, float4_e2m1fn and float8_e8m0fnu for FP8 and the OCP MX
formats, QLoRA's published NF4 table for NF4, numpy's round-half-even for the integer formats."""
import ml_dtypes as md
import numpy as np
import pytest

import npusim

RNG = np.random.default_rng(7)
# Values spread over many binades, with exact zeros and negatives.
WEIGHTS = (RNG.standard_normal(4096) * np.exp2(RNG.integers(-12, 6, 4096))).astype(np.float32)
WEIGHTS[::97] = 0

# QLoRA (Dettmers et al., 2023), appendix E, the NF4 data type's values.
NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                0.7229568362236023, 1.0], dtype=np.float32)


def blocks(x, block):
    return x.reshape(-1, block)


def lattice(dtype, largest):
    """Every finite value of a float format up to `largest`, the midpoints between neighbours (the
    ties) and points a quarter of the way between them."""
    v = np.unique(np.arange(256, dtype=np.uint8).view(dtype).astype(np.float32))
    v = v[np.isfinite(v) & (v >= 0) & (v <= largest)]
    mid = (v[:-1] + v[1:]) / 2
    quarter = v[:-1] + (v[1:] - v[:-1]) / 4
    x = np.concatenate([v, mid, quarter]).astype(np.float32)
    return np.concatenate([x, -x])


@pytest.mark.parametrize("fmt,dtype,largest", [("fp8-e4m3", md.float8_e4m3fn, 448.0),
                                               ("fp8-e5m2", md.float8_e5m2, 57344.0)])
def test_fp8_elements_match_ml_dtypes(fmt, dtype, largest):
    x = lattice(dtype, largest)
    # One block whose absmax is the format's largest value: the scale is exactly 1.
    x = np.append(x, largest).astype(np.float32)
    x = x[: len(x) - len(x) % 2]
    x[-1] = largest
    r = npusim.encode_weights(fmt, x, block=len(x))
    assert r["scales"][0] == 1.0
    ref = x.astype(dtype)
    np.testing.assert_array_equal(r["decoded"], ref.astype(np.float32))
    np.testing.assert_array_equal(r["codes"], ref.view(np.uint8))


def test_fp8_scaled_blocks_match_ml_dtypes():
    for fmt, dtype, largest in (("fp8-e4m3", md.float8_e4m3fn, 448.0), ("fp8-e5m2", md.float8_e5m2, 57344.0)):
        r = npusim.encode_weights(fmt, WEIGHTS, block=128)
        b = blocks(WEIGHTS, 128)
        scale = (np.abs(b).max(axis=1) / np.float32(largest)).astype(np.float32)
        np.testing.assert_array_equal(r["scales"], scale)
        q = (b / np.where(scale > 0, scale, 1)[:, None]).astype(np.float32).astype(dtype)
        np.testing.assert_array_equal(r["codes"], q.view(np.uint8).ravel())
        np.testing.assert_array_equal(r["decoded"], (q.astype(np.float32) * scale[:, None]).ravel())


def mx_reference(x, fp4):
    """OCP Microscaling v1.0, section 6.3: per 32 elements, X = 2^(floor(log2 absmax) - emax_elem)
    (emax 2 for FP4 E2M1, 0 for INT8), each element quantized to the element format, saturating."""
    b = blocks(x, 32)
    amax = np.abs(b).max(axis=1)
    with np.errstate(divide="ignore"):
        e = np.where(amax > 0, np.floor(np.log2(amax)), -127 + (2 if fp4 else 0)) - (2 if fp4 else 0)
    e = np.clip(e, -127, 127)
    scale = np.exp2(e).astype(np.float32)
    scale_codes = scale.astype(md.float8_e8m0fnu).view(np.uint8)
    u = (b / scale[:, None]).astype(np.float32)
    if fp4:
        q = u.astype(md.float4_e2m1fn)
        return scale, scale_codes, q.view(np.uint8).ravel(), (q.astype(np.float32) * scale[:, None]).ravel()
    q = np.clip(np.rint(u * 64), -127, 127)
    return scale, scale_codes, q.astype(np.int8).view(np.uint8).ravel(), (q / 64 * scale[:, None]).astype(
        np.float32).ravel()


@pytest.mark.parametrize("fmt", ["mxfp4", "mxint8"])
def test_mx_formats_match_the_spec_with_ml_dtypes(fmt):
    scale, scale_codes, codes, decoded = mx_reference(WEIGHTS, fmt == "mxfp4")
    r = npusim.encode_weights(fmt, WEIGHTS)
    assert r["block"] == 32
    np.testing.assert_array_equal(r["scales"], scale)
    np.testing.assert_array_equal(r["scale_codes"], scale_codes)
    np.testing.assert_array_equal(r["codes"], codes)
    np.testing.assert_array_equal(r["decoded"], decoded)


def test_nf4_matches_the_paper_table():
    r = npusim.encode_weights("nf4", WEIGHTS, block=64)
    b = blocks(WEIGHTS, 64)
    absmax = np.abs(b).max(axis=1).astype(np.float32)
    u = b / np.where(absmax > 0, absmax, 1)[:, None]
    codes = np.argmin(np.abs(u[..., None] - NF4), axis=-1).astype(np.uint8)
    np.testing.assert_array_equal(r["scales"], absmax)
    np.testing.assert_array_equal(r["codes"], codes.ravel())
    np.testing.assert_array_equal(r["decoded"], (NF4[codes] * absmax[:, None]).astype(np.float32).ravel())


@pytest.mark.parametrize("fmt,qmax", [("int4", 7), ("int3", 3)])
def test_integer_groups_match_numpy(fmt, qmax):
    for group in (32, 128):
        r = npusim.encode_weights(fmt, WEIGHTS, block=group)
        b = blocks(WEIGHTS, group)
        scale = (np.abs(b).max(axis=1) / np.float32(qmax)).astype(np.float16).astype(np.float32)
        q = np.clip(np.rint(b / np.where(scale > 0, scale, 1)[:, None]), -qmax, qmax).astype(np.int8)
        np.testing.assert_array_equal(r["scales"], scale)
        np.testing.assert_array_equal(r["codes"], q.view(np.uint8).ravel())
        np.testing.assert_array_equal(r["decoded"], (q * scale[:, None]).astype(np.float32).ravel())


def test_bits_per_weight_include_the_scales():
    formats = {f["name"]: f for f in npusim.weight_formats()}
    assert formats["mxfp4"]["bits_per_weight"] == 4.25
    assert formats["nf4"]["bits_per_weight"] == 4.5
    assert formats["int3"]["bits_per_weight"] == 3 + 16 / 128


def test_bad_input_is_refused_with_the_reason():
    with pytest.raises(npusim.UserError, match="int4: a block of 100 elements does not divide the 4096 elements"):
        npusim.encode_weights("int4", WEIGHTS, block=100)
    with pytest.raises(npusim.UserError, match="mxfp4: the block is 32 elements by definition, not 64"):
        npusim.encode_weights("mxfp4", WEIGHTS, block=64)
    with pytest.raises(npusim.UserError, match=r"unknown weight format 'nf3' \(formats: int4, int3, nf4, mxfp4"):
        npusim.encode_weights("nf3", WEIGHTS)
    bad = WEIGHTS.copy()
    bad[5] = np.nan
    with pytest.raises(npusim.UserError, match="nf4: element 5 is NaN; only finite weights can be encoded"):
        npusim.encode_weights("nf4", bad)
