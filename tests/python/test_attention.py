"""Attention over an int8/int4/fp16 KV cache on the host against a float64 reference, and simulated."""
import numpy as np
import pytest

import npusim

RNG = np.random.default_rng(5)


def pack_int4_last(q):
    lo = q[..., 0::2].astype(np.int16) & 0xF
    hi = q[..., 1::2].astype(np.int16) & 0xF
    return ((hi << 4) | lo).astype(np.uint8).view(np.int8)


def make_cache(ctx, hk, d, bits):
    if bits == 16:  # stored as it is, no scales
        values = (RNG.standard_normal((ctx, hk, d)) * 0.5).astype(np.float16)
        return values, None, values.astype(np.float64)
    lim = 8 if bits == 4 else 128
    ints = RNG.integers(-lim, lim, size=(ctx, hk, d), dtype=np.int8)
    scale = RNG.uniform(0.005, 0.02, size=(ctx, hk)).astype(np.float16)  # [ctx, hk], token-major
    deq = (ints.astype(np.float32) * scale[:, :, None].astype(np.float32)).astype(np.float16)
    stored = pack_int4_last(ints) if bits == 4 else ints
    return stored, scale, deq.astype(np.float64)


def reference(q, kd, vd, causal):
    t, h, d = q.shape
    ctx, hk, _ = kd.shape
    g = h // hk
    out = np.zeros((t, h, d))
    mag = np.zeros((t, h, d))
    for head in range(h):
        kh = head // g
        s = q[:, head, :].astype(np.float64) @ kd[:, kh, :].T / np.sqrt(d)
        if causal:
            pos = ctx - t + np.arange(t)
            s = np.where(np.arange(ctx)[None, :] > pos[:, None], -np.inf, s)
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        out[:, head, :] = p @ vd[:, kh, :]
        mag[:, head, :] = p @ np.abs(vd[:, kh, :])
    return out, mag


@pytest.mark.parametrize("t,ctx,h,hk,d,bits,causal,schedule", [
    (8, 24, 4, 2, 16, 8, 1, None),                  # prefill-like chunk of a longer context, GQA 2:1
    (24, 24, 4, 4, 16, 8, 1, {"tile_q": 8}),         # prefill S x S, chunked queries, MHA
    (1, 40, 8, 2, 32, 8, 1, None),                   # decode, GQA 4:1
    (6, 16, 4, 1, 16, 4, 0, {"double_buffer": 0}),   # int4 cache, no mask, multi-query
    (3, 40, 8, 2, 32, 16, 1, None),                  # fp16 cache
    (1, 40, 8, 2, 32, 16, 1, {"tile_kv": 16}),       # fp16 cache in blocks
])
def test_attention_matches_float64_reference(t, ctx, h, hk, d, bits, causal, schedule):
    q = RNG.standard_normal((t, h, d)).astype(np.float16)
    k, ks, kd = make_cache(ctx, hk, d, bits)
    v, vs, vd = make_cache(ctx, hk, d, bits)
    names = ("k4", "v4") if bits == 4 else ("k", "v")
    inputs = {"q": q, names[0]: k, names[1]: v}
    if bits != 16:
        inputs.update(k_scale=ks, v_scale=vs)
    got = npusim.kernel_host("attention", inputs, schedule=schedule, t=t, ctx=ctx, h=h, hk=hk, d=d, kv_bits=bits,
                             causal=causal)
    want, mag = reference(q, kd, vd, causal)
    # p rounded to fp16 (2^-11 relative per probability) and the result rounded to fp16.
    bound = 2.0**-10 * mag + 2.0**-11 * np.abs(want) + 1e-5
    assert np.all(np.abs(got.astype(np.float64) - want) <= bound), np.max(np.abs(got - want) - bound)


def test_simulated_attention_reads_the_cache_once_per_kv_head():
    t, ctx, h, hk, d = 1, 256, 8, 2, 64
    r = npusim.Npu("default").kernel("attention", t=t, ctx=ctx, h=h, hk=hk, d=d)
    cache = 2 * (ctx * hk * d + ctx * hk * 2)  # int8 K and V, fp16 scales
    assert r.dram_bytes_read == cache + t * h * d * 2
    assert r.dram_bytes_written == t * h * d * 2
    # Two MatMuls per query head: q.k^T over d and p.v over the context.
    assert r.mac_ops_by_type == {"fp16": 2 * h * t * ctx * d}
    assert r.cycles >= r.kernel_roofline_cycles
    four = npusim.Npu("default").kernel("attention", t=t, ctx=ctx, h=h, hk=hk, d=d, kv_bits=4)
    assert r.dram_bytes_read - four.dram_bytes_read == ctx * hk * d  # half the K and V bytes
    fp16 = npusim.Npu("default").kernel("attention", t=t, ctx=ctx, h=h, hk=hk, d=d, kv_bits=16)
    assert fp16.dram_bytes_read == 2 * ctx * hk * d * 2 + t * h * d * 2  # twice the values, no scales
    assert fp16.mac_ops_by_type == r.mac_ops_by_type


def test_one_program_serves_every_context_up_to_the_cache_capacity():
    # The context is a run-time parameter of the program: tokens past it are never read, so a
    # cache of `cap` tokens full of garbage past ctx gives the same bits as a cache of ctx tokens.
    t, ctx, cap, h, hk, d = 3, 20, 48, 4, 2, 16
    q = RNG.standard_normal((t, h, d)).astype(np.float16)
    k, ks, _ = make_cache(ctx, hk, d, 8)
    v, vs, _ = make_cache(ctx, hk, d, 8)
    pad = lambda a, fill: np.concatenate([a, np.full((cap - ctx,) + a.shape[1:], fill, a.dtype)])
    exact = npusim.kernel_host("attention", {"q": q, "k": k, "k_scale": ks, "v": v, "v_scale": vs},
                               t=t, ctx=ctx, h=h, hk=hk, d=d)
    big = npusim.kernel_host("attention", {"q": q, "k": pad(k, 127), "k_scale": pad(ks, np.inf), "v": pad(v, -128),
                                           "v_scale": pad(vs, np.nan)}, t=t, ctx=ctx, cap=cap, h=h, hk=hk, d=d)
    np.testing.assert_array_equal(big.view(np.int16), exact.view(np.int16))

    # A sweep over contexts lowers once, and each run costs what a program compiled for that
    # exact context costs.
    npu = npusim.Npu("default")
    shape = dict(t=1, h=8, hk=2, d=64, cap=1024)
    npu.kernel("attention", ctx=1000, **shape)
    before = npusim.compile_stats()["lowerings"]
    runs = {c: npu.kernel("attention", ctx=c, **shape) for c in (100, 400, 700, 1024)}
    assert npusim.compile_stats()["lowerings"] == before
    for c, r in runs.items():
        exact = npu.kernel("attention", t=1, ctx=c, h=8, hk=2, d=64)
        assert (r.cycles, r.dram_bytes_read, r.mac_ops) == (exact.cycles, exact.dram_bytes_read, exact.mac_ops)
    assert runs[100].cycles < runs[400].cycles < runs[700].cycles < runs[1024].cycles
    text = npusim.compile_kernel("attention", ctx=100, **shape)
    assert "param ctx value=100 min=1 max=1024" in text and "box=[64:1, ctx:128]" in text
    assert text.replace("value=100", "value=700") == npusim.compile_kernel("attention", ctx=700, **shape)


def test_attention_shape_errors():
    npu = npusim.Npu("default")
    with pytest.raises(npusim.ShapeError, match="attention shape hk = 3 must divide h = 8"):
        npu.kernel("attention", h=8, hk=3)
    with pytest.raises(npusim.ShapeError, match="attention shape t = 9 exceeds ctx = 8"):
        npu.kernel("attention", t=9, ctx=8)
    with pytest.raises(npusim.ShapeError, match=r"attention shape ctx = 600 exceeds cap = 512 \(the largest ctx"):
        npu.kernel("attention", ctx=600, cap=512)
    with pytest.raises(npusim.ShapeError, match="kv_bits must be 4, 8 or 16, got 6"):
        npu.kernel("attention", kv_bits=6)
    with pytest.raises(npusim.ScheduleError, match="SRAM level 'l1' overflows"):
        npu.kernel("attention", t=1, ctx=4096, schedule={"tile_kv": 0})
    with pytest.raises(npusim.ScheduleError, match=r"knob tile_kv must be an integer in \[0, 1048576\], got '-1'"):
        npu.kernel("attention", schedule={"tile_kv": -1})
    with pytest.raises(npusim.ScheduleError, match="attention knob kv_heads = 3 must divide hk = 8"):
        npu.kernel("attention", h=32, hk=8, schedule={"kv_heads": 3})


def test_kv_heads_loaded_together_move_whole_bursts():
    # The cache is [token][KV head][d]: one head's row of a token is 64 bytes at d 64, half of
    # hexagon_8gen3's 128-byte burst, so loading heads one at a time puts twice the bytes on the
    # bus; two heads a load make each token's rows one whole burst.
    npu = npusim.Npu("hexagon_8gen3")
    shape = dict(t=1, ctx=512, h=32, hk=8, d=64)
    one = npu.kernel("attention", schedule={"kv_heads": 1}, **shape)
    two = npu.kernel("attention", schedule={"kv_heads": 2}, **shape)
    cache = 2 * 512 * 8 * 64
    assert one.dram_bytes_read == two.dram_bytes_read
    assert one.dram_bus_bytes_read - one.dram_bytes_read >= cache  # each 64-byte row pays a burst
    assert two.dram_bus_bytes_read - two.dram_bytes_read < cache // 64
    assert two.cycles < one.cycles and two.mac_ops == one.mac_ops
    assert npu.kernel("attention", **shape).schedule["kv_heads"] == "2"  # the default


ARRANGEMENTS = [{"tile_kv": kv, "group_rows": rows} for kv in (0, 16) for rows in (0, 1)] + [
    {"tile_kv": 16, "group_rows": 1, "resident_scales": 0}, {"tile_kv": 0, "group_rows": 1, "kv_heads": 2},
    {"tile_kv": 0, "group_rows": 0, "kv_heads": 2, "double_buffer": 0}]


@pytest.mark.parametrize("t,ctx,h,hk,d,bits,causal", [
    (1, 50, 8, 2, 32, 8, 1),    # decode; 50 = 3 blocks of 16 and a tail of 2
    (20, 20, 4, 2, 16, 8, 1),   # prefill, causal
    (5, 33, 12, 6, 16, 4, 0),   # int4 cache, no mask; 3 batches of 2 KV heads
])
def test_every_arrangement_of_the_cache_gives_the_same_bits(t, ctx, h, hk, d, bits, causal):
    # Blocks of the cache only change where the cache is on chip: the scores of a chunk stay whole
    # and the context sums in token order, so every arrangement rounds the same way.
    q = RNG.standard_normal((t, h, d)).astype(np.float16)
    k, ks, _ = make_cache(ctx, hk, d, bits)
    v, vs, _ = make_cache(ctx, hk, d, bits)
    names = ("k4", "v4") if bits == 4 else ("k", "v")
    inputs = {"q": q, names[0]: k, "k_scale": ks, names[1]: v, "v_scale": vs}
    shape = dict(t=t, ctx=ctx, h=h, hk=hk, d=d, kv_bits=bits, causal=causal)
    outs = [npusim.kernel_host("attention", inputs, schedule=dict(a, tile_q=4), **shape) for a in ARRANGEMENTS]
    for o in outs[1:]:
        np.testing.assert_array_equal(o.view(np.int16), outs[0].view(np.int16))


def test_cache_blocks_trade_traffic_for_sram():
    t, ctx, h, hk, d = 1, 300, 8, 2, 64
    npu = npusim.Npu("default")
    values, scales = 2 * ctx * hk * d, 2 * ctx * hk * 2  # int8 K and V, their fp16 scales
    runs = {(a["tile_kv"], a["group_rows"]): npu.kernel("attention", t=t, ctx=ctx, h=h, hk=hk, d=d, schedule=a)
            for a in [{"tile_kv": kv, "group_rows": rows} for kv in (0, 64) for rows in (0, 1)]}
    for (kv, rows), r in runs.items():
        # A whole head is loaded once for its 4 query heads; blocks once per chunk, so once per
        # KV head with the group's rows in one chunk and once per query head without. The scales
        # stay on chip (resident_scales): read once.
        reads = 1 if kv == 0 or rows else h // hk
        assert r.dram_bytes_read == reads * values + scales + t * h * d * 2, (kv, rows)
        assert r.mac_ops_by_type == {"fp16": 2 * h * t * ctx * d}
        assert r.cycles >= r.kernel_roofline_cycles
    assert runs[(64, 1)].sram_peak_bytes_by_level["l1"] < runs[(0, 1)].sram_peak_bytes_by_level["l1"] / 4
    # Scales with each block: the same bytes, but a DRAM burst per token (they are token-major).
    per_block = npu.kernel("attention", t=t, ctx=ctx, h=h, hk=hk, d=d,
                           schedule={"tile_kv": 64, "group_rows": 1, "resident_scales": 0})
    assert per_block.dram_bytes_read == runs[(64, 1)].dram_bytes_read
    assert per_block.dram_bus_bytes_read > runs[(64, 1)].dram_bus_bytes_read + 2 * ctx * 32


def test_long_contexts_and_small_npus_map_with_cache_blocks():
    # A whole KV head of a 16k context (2 MiB at d 64, int8, dequantized to fp16) does not fit the
    # default preset's 1 MiB l1; the default arrangement streams it in blocks.
    npu = npusim.Npu("default")
    r = npu.kernel("attention", t=1, ctx=16384, h=32, hk=8, d=64)
    assert int(r.schedule["tile_kv"]) > 0 and r.cycles >= r.kernel_roofline_cycles
    assert r.mac_ops == 2 * 32 * 16384 * 64
    # Ethos-U55 (40 KiB l1, 8 KiB accumulators) runs Llama-3.2-1B decode attention at ctx 512.
    small = npusim.Npu("ethos_u55_256").kernel("attention", t=1, ctx=512, h=32, hk=8, d=64)
    assert int(small.schedule["tile_kv"]) > 0 and small.sram_peak_bytes_by_level["l1"] <= 40960


@pytest.mark.parametrize("bits", [8, 4])
def test_kv_append_is_bit_exact_and_feeds_attention(bits):
    t, hk, d, h = 6, 2, 16, 4
    x = (RNG.standard_normal((t, hk, d)) * 2).astype(np.float16)
    x[2, 1] = 0  # an all-zero row quantizes to zeros
    qmax = 7 if bits == 4 else 127
    scale = npusim.kernel_host("kv_scale", {"x": x}, t=t, hk=hk, d=d, kv_bits=bits)
    absmax = np.abs(x.astype(np.float32)).max(axis=2)
    want_scale = (np.maximum(absmax, np.float32(1e-4)) / np.float32(qmax)).astype(np.float16)
    np.testing.assert_array_equal(scale.view(np.int16), want_scale.view(np.int16))
    q = npusim.kernel_host("kv_quantize", {"x": x, "scale": scale}, t=t, hk=hk, d=d, kv_bits=bits)
    inv = np.float32(1) / scale.astype(np.float32)
    ints = np.clip(np.round(x.astype(np.float32) * inv[:, :, None]), -qmax, qmax).astype(np.int8)
    np.testing.assert_array_equal(q, pack_int4_last(ints) if bits == 4 else ints)
    assert not ints[2, 1].any()
    # The appended rows are a cache attention reads: its output matches the reference on them.
    qv = RNG.standard_normal((t, h, d)).astype(np.float16)
    names = ("k4", "v4") if bits == 4 else ("k", "v")
    got = npusim.kernel_host("attention", {"q": qv, names[0]: q, "k_scale": scale, names[1]: q, "v_scale": scale},
                             t=t, ctx=t, h=h, hk=hk, d=d, kv_bits=bits)
    deq = (ints.astype(np.float32) * scale[:, :, None].astype(np.float32)).astype(np.float16).astype(np.float64)
    want, mag = reference(qv, deq, deq, True)
    assert np.all(np.abs(got.astype(np.float64) - want) <= 2.0**-10 * mag + 2.0**-11 * np.abs(want) + 1e-5)


def test_kv_append_moves_each_byte_once():
    t, hk, d = 64, 8, 64
    npu = npusim.Npu("default")
    s = npu.kernel("kv_scale", t=t, hk=hk, d=d)
    assert (s.dram_bytes_read, s.dram_bytes_written) == (t * hk * d * 2, t * hk * 2)
    q = npu.kernel("kv_quantize", t=t, hk=hk, d=d, kv_bits=4)
    assert (q.dram_bytes_read, q.dram_bytes_written) == (t * hk * d * 2 + t * hk * 2, t * hk * d // 2)
