"""The GEMM family on the host against independent numpy references, and on the simulated NPU."""
import numpy as np
import pytest

import npusim
from conftest import requant_ref

RNG = np.random.default_rng(11)
M, N, K = 24, 40, 256


def pack_int4(q):
    """[n, k] int4 values in [-8, 7] -> [n, k/2] bytes, even k in the low nibble."""
    lo = q[:, 0::2].astype(np.int16) & 0xF
    hi = q[:, 1::2].astype(np.int16) & 0xF
    return ((hi << 4) | lo).astype(np.uint8).view(np.int8)


def qparams(n):
    bias = RNG.integers(-2000, 2000, size=n, dtype=np.int32)
    mult, shift = npusim.requant_params(0.05, RNG.uniform(0.002, 0.02, size=n), 2.0)
    return bias, mult, shift, np.stack([bias, mult, shift]).astype(np.int32)


SCHEDULES = [None, {"tile_m": 8, "tile_n": 16, "tile_k": 64, "double_buffer": 1},
             {"tile_m": 16, "tile_n": 32, "tile_k": 32, "order": "nm", "stage_b": "panel"}]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_w4a8_is_bit_exact(schedule):
    a = RNG.integers(-128, 128, size=(M, K), dtype=np.int8)
    q = RNG.integers(-8, 8, size=(N, K), dtype=np.int8)
    bias, mult, shift, qp = qparams(N)
    got = npusim.kernel_host("gemm_w4a8", {"a": a, "w4": pack_int4(q), "qparams": qp}, schedule=schedule,
                             m=M, n=N, k=K)
    acc = a.astype(np.int64) @ q.astype(np.int64).T
    np.testing.assert_array_equal(got, requant_ref(acc, bias, mult, shift))


def weight_only_ref(a, q, scales, group):
    deq = (q.astype(np.float32) * np.repeat(scales, group, axis=1).astype(np.float32)).astype(np.float16)
    return a.astype(np.float64) @ deq.astype(np.float64).T, np.abs(a.astype(np.float64)) @ np.abs(
        deq.astype(np.float64)).T


# Per group; per channel (group = K) scales the sum instead (test_native_pairs_and_runtime.py).
@pytest.mark.parametrize("bits,group", [(8, 64), (4, 32), (4, 128)])
def test_weight_only_matches_float64_reference(bits, group):
    a = (RNG.standard_normal((M, K))).astype(np.float16)
    lim = 8 if bits == 4 else 128
    q = RNG.integers(-lim, lim, size=(N, K), dtype=np.int8)
    scales = RNG.uniform(0.001, 0.02, size=(N, K // group)).astype(np.float16)
    name = f"gemm_w{bits}a16"
    w = {"w4": pack_int4(q)} if bits == 4 else {"w": q}
    got = npusim.kernel_host(name, {"a": a, **w, "scales": scales}, schedule={"tile_k": 64}, m=M, n=N, k=K,
                             group=group)
    want, magnitude = weight_only_ref(a, q, scales, group)
    # fp32 accumulation of K products (2^-23 each, relative to the sum of magnitudes) and one
    # rounding of the result to fp16 (2^-11 relative).
    bound = 2.0**-11 * np.abs(want) + K * 2.0**-23 * magnitude + 1e-6
    assert np.all(np.abs(got.astype(np.float64) - want) <= bound)


def test_f16_matches_float64_reference():
    a = RNG.standard_normal((M, K)).astype(np.float16)
    w = RNG.standard_normal((N, K)).astype(np.float16)
    got = npusim.kernel_host("gemm_f16", {"a": a, "w": w}, schedule={"tile_k": 64}, m=M, n=N, k=K)
    want = a.astype(np.float64) @ w.astype(np.float64).T
    magnitude = np.abs(a.astype(np.float64)) @ np.abs(w.astype(np.float64)).T
    bound = 2.0**-11 * np.abs(want) + K * 2.0**-23 * magnitude + 1e-6  # as the weight-only variants
    assert np.all(np.abs(got.astype(np.float64) - want) <= bound)
    r = npusim.Npu("default").kernel("gemm_f16", schedule={"stage_a": "panel", "stage_b": "panel"}, m=M, n=N, k=K)
    assert r.mac_ops_by_type == {"fp16": M * N * K}
    assert r.dram_bytes_read == 2 * (M * K + N * K)  # each fp16 operand read once
    assert r.cycles >= r.kernel_roofline_cycles


@pytest.mark.parametrize("w_bits", [8, 4])
def test_dynamic_activation_quantization_is_bit_exact(w_bits):
    a = (RNG.standard_normal((M, K)) * 3).astype(np.float16)
    a[3] = 0  # an all-zero token quantizes to zeros
    lim = 8 if w_bits == 4 else 128
    w = RNG.integers(-lim + 1, lim, size=(N, K), dtype=np.int8)
    w_scale = RNG.uniform(0.001, 0.01, size=N).astype(np.float32)
    name, stored = ("gemm_w4a8_dynamic", "w4") if w_bits == 4 else ("gemm_w8a8_dynamic", "w")
    packed = pack_int4(w) if w_bits == 4 else w
    got = npusim.kernel_host(name, {"a": a, stored: packed, "w_scale": w_scale}, m=M, n=N, k=K)
    af = a.astype(np.float32)
    amax = np.abs(af).max(axis=1)
    inv = np.where(amax > 0, np.float32(127) / np.where(amax > 0, amax, 1), np.float32(0)).astype(np.float32)
    a_q = np.clip(np.round(af * inv[:, None]), -127, 127).astype(np.int64)
    acc = (a_q @ w.astype(np.int64).T).astype(np.float32)
    want = ((acc * (amax / np.float32(127))[:, None]).astype(np.float32) * w_scale[None, :]).astype(np.float16)
    np.testing.assert_array_equal(got.view(np.int16), want.view(np.int16))


def test_family_simulates_with_its_own_traffic_and_precision():
    npu = npusim.Npu("default")
    m, n, k = 64, 256, 512
    w8 = npu.kernel("gemm_w8a8", schedule={"stage_a": "panel", "stage_b": "panel"}, m=m, n=n, k=k)
    w4 = npu.kernel("gemm_w4a8", schedule={"stage_a": "panel", "stage_b": "panel", "native_w": 0}, m=m, n=n, k=k)
    # Packed int4 weights move half the bytes; unpacked on the vector unit, the MACs are int8 MACs.
    assert w8.dram_bytes_read - w4.dram_bytes_read == n * k // 2
    assert w4.mac_ops_by_type == w8.mac_ops_by_type == {"int8": m * n * k}
    assert w4.vector_ops > w8.vector_ops  # the unpack runs on the vector unit
    # Taken packed by the array (default's mac.a8w4_per_pe_cycle): an a8w4 MAC, no unpack.
    native = npu.kernel("gemm_w4a8", schedule={"stage_a": "panel", "stage_b": "panel", "native_w": 1}, m=m, n=n, k=k)
    assert native.mac_ops_by_type == {"a8w4": m * n * k}
    assert native.vector_ops == w8.vector_ops and native.dram_bytes_read == w4.dram_bytes_read
    wo = npu.kernel("gemm_w8a16", m=m, n=n, k=k, group=64)
    assert wo.mac_ops_by_type == {"fp16": m * n * k}
    dyn = npu.kernel("gemm_w8a8_dynamic", m=m, n=n, k=k)
    assert dyn.schedule["stage_a"] == "panel" and dyn.mac_ops_by_type == {"int8": m * n * k}
    dyn4 = npu.kernel("gemm_w4a8_dynamic", schedule={"stage_b": "panel", "native_w": 0}, m=m, n=n, k=k)
    dyn8 = npu.kernel("gemm_w8a8_dynamic", schedule={"stage_b": "panel"}, m=m, n=n, k=k)
    assert dyn8.dram_bytes_read - dyn4.dram_bytes_read == n * k // 2
    assert dyn4.mac_ops_by_type == {"int8": m * n * k} and dyn4.vector_ops > dyn8.vector_ops
    for r in (w8, w4, wo, dyn, dyn4):
        assert r.cycles >= r.kernel_roofline_cycles


def test_group_size_and_tile_trade_off_is_visible():
    npu = npusim.Npu("hexagon_8gen3")
    cycles = {(g, tk): npu.kernel("gemm_w4a16", schedule={"tile_k": tk}, m=1, n=2048, k=2048, group=g).cycles
              for g in (32, 128) for tk in (64, 256)}
    # A scale group longer than the K step cannot be double-buffered with the weights.
    assert cycles[(128, 64)] > cycles[(32, 64)]
    assert cycles[(128, 256)] < cycles[(128, 64)]


def test_family_errors():
    with pytest.raises(npusim.ShapeError, match="gemm_w4a8 shape k = 7 must be even"):
        npusim.Npu("default").kernel("gemm_w4a8", m=4, n=4, k=7)
    with pytest.raises(npusim.ShapeError, match="gemm_w8a16 shape group = 48 must divide k = 256"):
        npusim.Npu("default").kernel("gemm_w8a16", m=4, n=4, k=256, group=48)
    with pytest.raises(npusim.ScheduleError, match="stage_a=k cannot stage amax.*use stage_a=panel"):
        npusim.Npu("default").kernel("gemm_w8a8_dynamic", schedule={"stage_a": "k"}, m=4, n=4, k=64)


def test_overlapped_output_loads_its_panel_in_the_producer_thread():
    # The MatMuls run in the result's producer thread: the weight panel they read must be loaded
    # there too (before them), or nothing would make them wait for it.
    text = npusim.compile_kernel("gemm_w8a8", schedule={"stage_b": "panel", "overlap_out": 1, "tile_n": 64},
                                 m=64, n=256, k=128)
    lines = text.splitlines()
    load = next(i for i, l in enumerate(lines) if l.strip().startswith("dma_in w "))
    mm = next(i for i, l in enumerate(lines) if l.strip().startswith("matmul "))
    assert load < mm and not any(l.strip() == "thread {" for l in lines[load:mm])
    a = RNG.integers(-128, 128, size=(64, 128), dtype=np.int8)
    w = RNG.integers(-128, 128, size=(256, 128), dtype=np.int8)
    bias, mult, shift, _ = qparams(256)
    want = requant_ref(a.astype(np.int64) @ w.astype(np.int64).T, bias, mult, shift)
    got = npusim.gemm_host(a, w, bias, mult, shift, schedule={"stage_b": "panel", "overlap_out": 1, "tile_n": 64})
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("overlap_out", [0, 1])
def test_one_k_step_per_tile_loads_the_next_tiles_weights_behind_the_matmuls(overlap_out):
    # With all of K in one step, the double buffer is across output tiles: the same bits, the same
    # bytes, and the next tile's weight DMA no longer waits for this tile's MatMuls.
    m, n, k = 1, 512, 256
    a = RNG.integers(-128, 128, size=(m, k), dtype=np.int8)
    w = RNG.integers(-128, 128, size=(n, k), dtype=np.int8)
    bias, mult, shift, _ = qparams(n)
    want = requant_ref(a.astype(np.int64) @ w.astype(np.int64).T, bias, mult, shift)
    runs = {}
    for db in (0, 1):
        schedule = {"tile_k": k, "tile_n": 128, "double_buffer": db, "overlap_out": overlap_out}
        got = npusim.gemm_host(a, w, bias, mult, shift, schedule=schedule)
        np.testing.assert_array_equal(got, want)
        runs[db] = npusim.Npu("default").kernel("gemm_w8a8", m=m, n=n, k=k, schedule=schedule)
    # W once, the activation row with each of the 4 tiles (stage_a=k), the requantization table once.
    assert runs[1].dram_bytes_read == runs[0].dram_bytes_read == n * k + 4 * m * k + 3 * 4 * n
    assert runs[1].mac_ops == runs[0].mac_ops == m * n * k
    assert runs[1].kernel_roofline_cycles <= runs[1].cycles < runs[0].cycles


def test_accumulator_zeroing_folds_into_the_first_matmul():
    gemm = npusim.compile_kernel("gemm_w8a8", m=64, n=64, k=256)
    assert "matmul" in gemm and "vector fill" not in gemm
    norm = npusim.compile_kernel("rms_norm", t=8, d=64)  # a vector reduction still zeroes its sum
    assert "vector fill" in norm


def test_lm_head_is_the_gemm_variant_of_its_precision():
    t, d, vocab = 4, 128, 96
    a = RNG.integers(-128, 128, size=(t, d), dtype=np.int8)
    q = RNG.integers(-8, 8, size=(vocab, d), dtype=np.int8)
    bias, mult, shift, qp = qparams(vocab)
    inputs = {"a": a, "w4": pack_int4(q), "qparams": qp}
    got = npusim.kernel_host("lm_head", inputs, t=t, d=d, vocab=vocab, w_bits=4, a_bits=8)
    np.testing.assert_array_equal(got, npusim.kernel_host("gemm_w4a8", inputs, m=t, n=vocab, k=d))
    r = npusim.Npu("default").kernel("lm_head", t=1, d=2048, vocab=32768, w_bits=8, a_bits=16)
    assert r.mac_ops_by_type == {"fp16": 2048 * 32768}
    # A vocabulary the tile does not divide recomputes an overlapping last tile (Halide shifts it
    # inwards): the MACs performed exceed t * d * vocab by exactly that overlap. Decode splits
    # 32001 (no divisor near 16 tiles) into 16 tiles of 2001 rounded up to whole array columns (32).
    r = npusim.Npu("default").kernel("lm_head", t=1, d=2048, vocab=32001, w_bits=8, a_bits=16)
    assert r.schedule["tile_n"] == "2016" and r.mac_ops_by_type == {"fp16": 2048 * 2016 * 16}
    # 32000 has one: 16 tiles of 2000, no overlap, and the weight stream runs across them.
    r = npusim.Npu("default").kernel("lm_head", t=1, d=2048, vocab=32000, w_bits=8, a_bits=16)
    assert r.schedule["tile_n"] == "2000" and r.schedule["overlap_out"] == "1"
    assert r.mac_ops_by_type == {"fp16": 2048 * 32000}
    with pytest.raises(npusim.ShapeError, match="lm_head shape w_bits must be 4 or 8 and a_bits 8 or 16, got 6"):
        npusim.Npu("default").kernel("lm_head", w_bits=6)
