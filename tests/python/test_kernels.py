"""The row-wise kernel library on the host against independent numpy references, and on the
simulated NPU for conservation of bytes and the roofline."""
import os
import subprocess

import numpy as np
import pytest

import npusim
from conftest import requant_ref

RNG = np.random.default_rng(7)
T, D = 16, 192


def f16(*shape, scale=2.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float16)


def rms_norm_ref(x, g):
    x = x.astype(np.float64)
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + 1e-5) * g.astype(np.float64)


def layer_norm_ref(x, g, b):
    x = x.astype(np.float64)
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-12) * g.astype(np.float64) + b.astype(np.float64)


def silu_ref(a):
    a = a.astype(np.float64)
    return a / (1 + np.exp(-a))


def gelu_ref(a):
    a = a.astype(np.float64)
    return 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a**3)))


def rope_ref(x, cos, sin):
    x = x.astype(np.float64)  # [t, h, d]
    half = x.shape[-1] // 2
    c = np.concatenate([cos, cos], axis=-1).astype(np.float64)[:, None, :]
    s = np.concatenate([sin, sin], axis=-1).astype(np.float64)[:, None, :]
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * c + rotated * s


def rope_tables(t, d, base=10000.0):
    inv = base ** (-np.arange(0, d, 2) / d)
    ang = np.arange(t)[:, None] * inv[None, :]
    return np.cos(ang).astype(np.float16), np.sin(ang).astype(np.float16)


def check_close(got, want, rtol, atol):
    """Stated tolerance: one fp16 rounding of the result (relative 2^-11) plus fp32 arithmetic."""
    assert got.dtype == np.float16
    err = np.abs(got.astype(np.float64) - want)
    bound = rtol * np.abs(want) + atol
    assert np.all(err <= bound), f"max excess {np.max(err - bound):.3g}"


FLOAT_CASES = {
    "rms_norm": (lambda: {"x": f16(T, D), "g": f16(D, scale=1.0)}, lambda i: rms_norm_ref(i["x"], i["g"])),
    "layer_norm": (lambda: {"x": f16(T, D), "g": f16(D, scale=1.0), "b": f16(D, scale=0.5)},
                   lambda i: layer_norm_ref(i["x"], i["g"], i["b"])),
    "silu": (lambda: {"a": f16(T, D)}, lambda i: silu_ref(i["a"])),
    "gelu": (lambda: {"a": f16(T, D)}, lambda i: gelu_ref(i["a"])),
    "swiglu": (lambda: {"a": f16(T, D), "b": f16(T, D)}, lambda i: silu_ref(i["a"]) * i["b"].astype(np.float64)),
    "geglu": (lambda: {"a": f16(T, D), "b": f16(T, D)}, lambda i: gelu_ref(i["a"]) * i["b"].astype(np.float64)),
    "residual_add": (lambda: {"a": f16(T, D), "b": f16(T, D)},
                     lambda i: i["a"].astype(np.float64) + i["b"].astype(np.float64)),
}


@pytest.mark.parametrize("name", sorted(FLOAT_CASES))
def test_float_kernels_match_float64_reference(name):
    make, ref = FLOAT_CASES[name]
    inputs = make()
    got = npusim.kernel_host(name, inputs, t=T, d=D)
    assert got.shape == (T, D)
    check_close(got, ref(inputs), rtol=2.0**-10, atol=2e-3)
    # Another schedule computes the same thing in the same order: bit-identical.
    other = npusim.kernel_host(name, inputs, schedule={"tile_t": 3, "double_buffer": 0}, t=T, d=D)
    np.testing.assert_array_equal(got.view(np.int16), other.view(np.int16))


def test_rope_matches_reference():
    t, h, d = 8, 4, 64
    x = f16(t, h, d)
    cos, sin = rope_tables(t, d)
    got = npusim.kernel_host("rope", {"x": x, "cos": cos, "sin": sin}, t=t, h=h, d=d)
    check_close(got, rope_ref(x, cos, sin), rtol=2.0**-10, atol=2e-3)


def test_quantize_and_dequantize_are_bit_exact():
    x = f16(T, D, scale=40.0)
    scale = np.array([0.37], dtype=np.float32)
    q = npusim.kernel_host("quantize", {"x": x, "scale": scale}, t=T, d=D)
    inv = np.float32(1) / scale[0]
    want = np.clip(np.round(x.astype(np.float32) * inv), -128, 127).astype(np.int8)  # round half to even
    np.testing.assert_array_equal(q, want)
    assert q.min() == -128 and q.max() == 127  # both saturation ends exercised
    y = npusim.kernel_host("dequantize", {"q": q, "scale": scale}, t=T, d=D)
    np.testing.assert_array_equal(y, (q.astype(np.float32) * scale[0]).astype(np.float16))


def test_per_channel_conversions_are_bit_exact():
    # SmoothQuant's quantize (a static scale per channel), -outch's dequantize, AWQ's input scaling.
    x = f16(T, D, scale=40.0)
    scale = RNG.uniform(0.05, 0.6, size=D).astype(np.float32)
    q = npusim.kernel_host("quantize_channels", {"x": x, "scale": scale}, t=T, d=D)
    inv = np.float32(1) / scale
    want = np.clip(np.round(x.astype(np.float32) * inv), -128, 127).astype(np.int8)
    np.testing.assert_array_equal(q, want)
    assert q.min() == -128 and q.max() == 127
    y = npusim.kernel_host("dequantize_channels", {"q": q, "scale": scale}, t=T, d=D)
    np.testing.assert_array_equal(y, (q.astype(np.float32) * scale).astype(np.float16))
    z = npusim.kernel_host("scale_channels", {"x": x, "s": scale}, t=T, d=D)
    np.testing.assert_array_equal(z, (x.astype(np.float32) * scale).astype(np.float16))


def test_requantize_is_bit_exact():
    m, n = 8, 96
    acc = RNG.integers(-2**20, 2**20, size=(m, n), dtype=np.int32)
    bias = RNG.integers(-5000, 5000, size=n, dtype=np.int32)
    mult, shift = npusim.requant_params(1.0, RNG.uniform(1e-5, 1e-3, size=n), 1.0)
    qp = np.stack([bias, mult, shift]).astype(np.int32)
    got = npusim.kernel_host("requantize", {"acc": acc, "qparams": qp}, m=m, n=n)
    np.testing.assert_array_equal(got, requant_ref(acc, bias, mult, shift))


@pytest.mark.parametrize("name,shape,in_bytes,out_bytes", [
    ("rms_norm", {"t": 64, "d": 512}, 64 * 512 * 2 + 512 * 2, 64 * 512 * 2),
    ("swiglu", {"t": 64, "d": 512}, 2 * 64 * 512 * 2, 64 * 512 * 2),
    ("rope", {"t": 32, "h": 8, "d": 64}, 32 * 8 * 64 * 2 + 2 * 32 * 32 * 2, 32 * 8 * 64 * 2),
    ("quantize", {"t": 64, "d": 512}, 64 * 512 * 2 + 4, 64 * 512),
])
def test_simulated_kernels_move_each_byte_once_and_respect_the_roofline(name, shape, in_bytes, out_bytes):
    for preset in ("default", "hexagon_8gen3"):
        r = npusim.Npu(preset).kernel(name, **shape)
        assert r.dram_bytes_read == in_bytes
        assert r.dram_bytes_written == out_bytes
        assert r.cycles >= r.roofline_cycles > 0
        assert r.vector_ops > 0 and r.mac_ops == 0
        assert r.shape == shape


def test_schedule_knobs_change_the_program_not_the_traffic():
    npu = npusim.Npu("default")
    a = npu.kernel("silu", schedule={"tile_t": 4, "double_buffer": 0}, t=64, d=1024)
    b = npu.kernel("silu", schedule={"tile_t": 16, "double_buffer": 1}, t=64, d=1024)
    assert a.dram_bytes_read == b.dram_bytes_read
    assert b.cycles < a.cycles  # larger tiles, overlapped loads
    assert b.schedule == {"tile_t": "16", "double_buffer": "1", "parallel": "0", "tile_d": "0"}


def test_kernel_errors_name_what_is_wrong():
    npu = npusim.Npu("default")
    with pytest.raises(npusim.ShapeError, match="unknown kernel 'softmaxx'.*rms_norm"):
        npu.kernel("softmaxx")
    with pytest.raises(npusim.ScheduleError, match="unknown silu schedule knob 'tile_q'.*tile_t"):
        npu.kernel("silu", schedule={"tile_q": 4})
    with pytest.raises(npusim.ScheduleError, match="double_buffer must be one of 0, 1, got '2'"):
        npu.kernel("silu", schedule="double_buffer=2")
    with pytest.raises(npusim.ShapeError, match="rope shape d = 63 must be even"):
        npu.kernel("rope", d=63)
    with pytest.raises(npusim.ShapeError, match="silu has no shape dimension 'k'"):
        npu.kernel("silu", k=4)
    with pytest.raises(npusim.ShapeError, match=r"silu shape t = 0 is outside \[1, "):
        npu.kernel("silu", t=0)
    with pytest.raises(npusim.ShapeError, match="input a must be float16, got int8"):
        npusim.kernel_host("silu", {"a": np.zeros((2, 4), np.int8)}, t=2, d=4)
    with pytest.raises(npusim.ShapeError, match=r"input a must have shape \[2, 4\], got \[4, 2\]"):
        npusim.kernel_host("silu", {"a": np.zeros((4, 2), np.float16)}, t=2, d=4)
    with pytest.raises(npusim.ShapeError, match="rms_norm needs input 'g'"):
        npusim.kernel_host("rms_norm", {"x": np.zeros((2, 4), np.float16)}, t=2, d=4)
    with pytest.raises(npusim.ShapeError, match="silu has no input 'b'"):
        npusim.kernel_host("silu", {"a": np.zeros((2, 4), np.float16), "b": np.zeros(1)}, t=2, d=4)


def test_kernel_list_describes_shapes_and_knobs():
    ks = {k["name"]: k for k in npusim.kernels()}
    assert {"gemm_w8a8", "rms_norm", "layer_norm", "silu", "gelu", "swiglu", "residual_add", "rope", "quantize",
            "dequantize", "requantize"} <= set(ks)
    assert [d["name"] for d in ks["rope"]["shape"]] == ["t", "h", "d"]
    assert "tile_t" in [k["name"] for k in ks["rms_norm"]["knobs"]]


def test_embedding_gathers_rows():
    t, d, vocab = 12, 64, 300
    table = f16(vocab, d)
    ids = RNG.integers(0, vocab, size=t, dtype=np.int32)
    ids[0], ids[1] = -5, vocab + 7  # out of range: clamped to the first and last row
    got = npusim.kernel_host("embedding", {"table": table, "ids": ids}, t=t, d=d, vocab=vocab)
    np.testing.assert_array_equal(got.view(np.int16), table[np.clip(ids, 0, vocab - 1)].view(np.int16))
    # On the NPU: one row DMA per token, priced at a row address (the ids are data), so the
    # table is read only for the rows gathered.
    text = npusim.compile_kernel("embedding", t=64, d=2048, vocab=32000)
    assert "gather=ids_in" in text
    npu = npusim.Npu("default")
    r = npu.run_program(text)  # the text form round-trips the gather
    assert r.dram_bytes_read == 64 * 2048 * 2 + 64 * 4
    assert r.compulsory_dram_bytes == r.dram_bytes_read + r.dram_bytes_written
    assert r.cycles >= r.kernel_roofline_cycles


def test_cli_lists_the_named_kernels_with_their_knobs():
    npusim_bin = os.environ.get("NPUSIM_BIN", "build/bin/npusim")
    p = subprocess.run([npusim_bin, "kernels", "attention", "swiglu"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    names = [line for line in p.stdout.splitlines() if line and not line.startswith(" ")]
    assert names == ["attention", "swiglu"]
    docs = {k["name"]: k for k in npusim.kernels()}
    for knob in docs["attention"]["knobs"]:  # each knob with what it does, as npusim.kernels() has it
        assert f"    {knob['name']}: {knob['doc']}" in p.stdout
    everything = subprocess.run([npusim_bin, "kernels"], capture_output=True, text=True, check=True).stdout
    builtin = [n for n in docs if n not in npusim.halide_kernels._kernels]  # not those defined in Python here
    assert len([line for line in everything.splitlines() if line and not line.startswith(" ")]) == len(builtin)
    p = subprocess.run([npusim_bin, "kernels", "attention", "atention"], capture_output=True, text=True)
    assert p.returncode == 1 and "unknown kernel 'atention'" in p.stderr and p.stdout == ""


def test_every_value_the_tuner_tries_is_accepted():
    """Each knob's space (what the tuner searches and `npusim kernels` lists) holds only values the
    knob accepts when given: the defaults come from the same values."""
    for k in npusim.kernels():
        for knob in k["knobs"]:
            for v in knob["space"]:
                try:
                    npusim.compile_kernel(k["name"], schedule={knob["name"]: v})
                except npusim.ScheduleError as e:
                    assert f"knob {knob['name']} must be" not in str(e), (k["name"], str(e))
                except npusim.ShapeError:
                    pass  # a value this default shape refuses (a tile that does not divide it)
