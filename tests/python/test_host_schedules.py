"""The host CPU schedules (Kernel::build_host, `cpu_schedule=True`) against the NPU schedules' host
JIT: the same algorithm, only loops over independent outputs reordered, vectorized or spread
over cores, so every kernel the accuracy passes run gives the same bits either way, on shapes
with ragged vector and tile tails."""
import numpy as np
import pytest

import npusim

RNG = np.random.default_rng(11)


def f16(*shape, scale=2.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float16)


def i8(*shape):
    return RNG.integers(-128, 128, size=shape, dtype=np.int8)


def same(name, inputs, **shape):
    npu_bits = npusim.kernel_host(name, inputs, **shape)
    cpu_bits = npusim.kernel_host(name, inputs, cpu_schedule=True, **shape)
    assert npu_bits.dtype == cpu_bits.dtype and npu_bits.shape == cpu_bits.shape
    np.testing.assert_array_equal(npu_bits.view(np.uint8), cpu_bits.view(np.uint8))
    return cpu_bits


M, N, K = 37, 300, 96  # neither divides the host tiles (32 rows, 256 columns, 16 lanes)


@pytest.mark.parametrize("kernel", ["gemm_w8a8", "gemm_w4a8"])
def test_static_int8_gemms(kernel):
    mult, shift = npusim.requant_params(0.02, RNG.uniform(1e-3, 1e-2, size=N), 0.05)
    qp = np.stack([RNG.integers(-500, 500, N), mult, shift]).astype(np.int32)
    w = i8(N, K // 2 if kernel == "gemm_w4a8" else K)
    same(kernel, {"a": i8(M, K), "w4" if kernel == "gemm_w4a8" else "w": w, "qparams": qp}, m=M, n=N, k=K)


@pytest.mark.parametrize("kernel,group", [("gemm_w8a16", 32), ("gemm_w4a16", 32), ("gemm_w8a16", K)])
def test_weight_only_gemms(kernel, group):
    w = i8(N, K // 2 if kernel == "gemm_w4a16" else K)
    scales = (RNG.uniform(0.001, 0.02, size=(N, K // group))).astype(np.float16)
    same(kernel, {"a": f16(M, K), "w4" if "w4" in kernel else "w": w, "scales": scales}, m=M, n=N, k=K, group=group)


def test_dynamic_int16_and_fp16_gemms():
    ws = RNG.uniform(1e-3, 1e-2, size=N).astype(np.float32)
    same("gemm_w8a8_dynamic", {"a": f16(M, K), "w": i8(N, K), "w_scale": ws}, m=M, n=N, k=K)
    same("gemm_w4a8_dynamic", {"a": f16(M, K), "w4": i8(N, K // 2), "w_scale": ws}, m=M, n=N, k=K)
    same("gemm_f16", {"a": f16(M, K), "w": f16(N, K, scale=0.1)}, m=M, n=N, k=K)


@pytest.mark.parametrize("kv_bits,causal", [(8, 0), (4, 1), (16, 1)])
def test_attention(kv_bits, causal):
    t, cap, h, hk, d = 24, 24, 4, 2, 64
    ctx = 24 if causal else 19  # a bidirectional pass over a shorter sentence, padded to cap
    q = f16(t, h, d)
    if kv_bits == 16:
        inputs = {"q": q, "k": f16(cap, hk, d), "v": f16(cap, hk, d)}
    else:
        dk = d // 2 if kv_bits == 4 else d
        sc = lambda: RNG.uniform(0.005, 0.02, size=(cap, hk)).astype(np.float16)  # noqa: E731
        inputs = {"q": q, ("k4" if kv_bits == 4 else "k"): i8(cap, hk, dk), "k_scale": sc(),
                  ("v4" if kv_bits == 4 else "v"): i8(cap, hk, dk), "v_scale": sc()}
    same("attention", inputs, t=t, ctx=ctx, cap=cap, h=h, hk=hk, d=d, kv_bits=kv_bits, causal=causal)


def test_row_kernels():
    t, d = 13, 200
    x, g, b = f16(t, d), f16(d, scale=0.5), f16(d, scale=0.5)
    same("layer_norm", {"x": x, "g": g, "b": b}, t=t, d=d)
    same("rms_norm", {"x": x, "g": g}, t=t, d=d)
    for name in ("gelu", "silu"):
        same(name, {"a": x}, t=t, d=d)
    for name in ("swiglu", "residual_add"):
        same(name, {"a": x, "b": f16(t, d)}, t=t, d=d)
    scale = RNG.uniform(0.05, 0.5, size=d).astype(np.float32)
    q = same("quantize_channels", {"x": x, "scale": scale}, t=t, d=d)
    same("dequantize_channels", {"q": q, "scale": scale}, t=t, d=d)
    same("scale_channels", {"x": x, "s": scale}, t=t, d=d)
    one = np.array([0.03], np.float32)
    same("dequantize", {"q": same("quantize", {"x": x, "scale": one}, t=t, d=d), "scale": one}, t=t, d=d)
    cos, sin = f16(t, 32, scale=1.0), f16(t, 32, scale=1.0)
    same("rope", {"x": f16(t, 3, 64), "cos": cos, "sin": sin}, t=t, h=3, d=64)
    same("embedding", {"table": f16(50, d), "ids": RNG.integers(0, 50, t).astype(np.int32)}, t=t, d=d, vocab=50)
