"""Attention over an int8 KV cache written in Python: the library's ``attention`` (kernels/attention,
schedules/attention) at kv_bits 8 again with Halide's Python bindings, registered as
``py_attention``. It lowers to the same program as the C++ kernel (decode, t = 1, and prefill),
so it simulates in the same cycles and computes the same bits
(tests/python/test_halide_kernels.py checks both).

    import npusim, attention
    npusim.Npu("default").kernel("py_attention", t=1, ctx=512)
"""
from __future__ import annotations

from dataclasses import dataclass

import halide as hl
import numpy as np

import npusim

VTCM, ACC = hl.MemoryType.VTCM, hl.MemoryType.LockedCache


@dataclass
class Attention:
    """The algorithm's inputs and Funcs (coordinates innermost first, as Halide's)."""
    q: hl.ImageParam        # fp16 (d, h, t)
    k: hl.ImageParam        # int8 (d, kv_head, ctx)
    k_scale: hl.ImageParam  # fp16 (kv_head, ctx): one scale per head and token
    v: hl.ImageParam
    v_scale: hl.ImageParam
    d: hl.Var
    h: hl.Var
    i: hl.Var
    j: hl.Var
    g: hl.Var
    kh: hl.Var
    k_deq: hl.Func          # (d, kv_head, j) fp16
    v_deq: hl.Func
    scores: hl.Func         # (j, i, g, kh) fp32: q . k over d
    logits: hl.Func         # scaled and masked
    row_max: hl.Func
    exps: hl.Func
    row_sum: hl.Func
    row_inv: hl.Func
    probs: hl.Func          # (j, i, g, kh) fp16
    context: hl.Func        # (d, i, g, kh) fp32: p . v over j
    result: hl.Func         # fp16
    out: hl.Func            # (d, h, i)
    rj: hl.RDom


def attention(head_dim: int, heads: int, kv_heads: int, ctx, queries: int, causal: bool) -> Attention:
    """softmax(q k^T / sqrt(d), causal) v, the cache dequantized as fp16(int * scale); fp32 sums
    and softmax, fp16 probabilities and results. Query head h is (g, kh) = (h % group, h / group),
    so the query heads of one KV head can be rows of one MatMul."""
    q = hl.ImageParam(hl.Float(16), 3, "q")
    k, v = hl.ImageParam(hl.Int(8), 3, "k"), hl.ImageParam(hl.Int(8), 3, "v")
    k_scale, v_scale = hl.ImageParam(hl.Float(16), 2, "k_scale"), hl.ImageParam(hl.Float(16), 2, "v_scale")
    d, h, i, j, g, kh = (hl.Var(n) for n in ("d", "h", "i", "j", "g", "kh"))
    f = {n: hl.Func(n) for n in ("k_deq", "v_deq", "scores", "logits", "row_max", "exps", "row_sum", "row_inv",
                                 "probs", "context", "result", "out")}
    group = heads // kv_heads
    f32, f16 = hl.Float(32), hl.Float(16)
    f["k_deq"][d, kh, j] = hl.cast(f16, hl.cast(f32, k[d, kh, j]) * hl.cast(f32, k_scale[kh, j]))
    f["v_deq"][d, kh, j] = hl.cast(f16, hl.cast(f32, v[d, kh, j]) * hl.cast(f32, v_scale[kh, j]))

    rd = hl.RDom([hl.Range(0, head_dim)], "rd")
    head = kh * group + g
    scores = f["scores"]
    scores[j, i, g, kh] = hl.f32(0)
    scores[j, i, g, kh] += hl.cast(f32, q[rd.x, head, i]) * hl.cast(f32, f["k_deq"][rd.x, kh, j])
    scaled = scores[j, i, g, kh] * hl.f32(float(np.float32(1) / np.sqrt(np.float32(head_dim))))  # in fp32, as C++'s 1.0f / sqrtf
    # The mask is added, not selected, so on-chip sizes do not depend on the context.
    pos = ctx - queries + i
    f["logits"][j, i, g, kh] = scaled + hl.select(j > pos, hl.f32(-1e30), hl.f32(0)) if causal else scaled

    rj = hl.RDom([hl.Range(0, ctx)], "rj")
    logits = f["logits"]
    f["row_max"][i, g, kh] = hl.f32(-1e30)
    f["row_max"][i, g, kh] = hl.max(f["row_max"][i, g, kh], logits[rj.x, i, g, kh])
    f["exps"][j, i, g, kh] = hl.exp(logits[j, i, g, kh] - f["row_max"][i, g, kh])
    f["row_sum"][i, g, kh] = hl.f32(0)
    f["row_sum"][i, g, kh] += f["exps"][rj.x, i, g, kh]
    f["row_inv"][i, g, kh] = hl.f32(1) / f["row_sum"][i, g, kh]
    f["probs"][j, i, g, kh] = hl.cast(f16, f["exps"][j, i, g, kh] * f["row_inv"][i, g, kh])

    f["context"][d, i, g, kh] = hl.f32(0)
    f["context"][d, i, g, kh] += hl.cast(f32, f["probs"][rj.x, i, g, kh]) * hl.cast(f32, f["v_deq"][d, kh, rj.x])
    f["result"][d, i, g, kh] = hl.cast(f16, f["context"][d, i, g, kh])
    f["out"][d, h, i] = f["result"][d, i, h - h // group * group, h // group]
    return Attention(q, k, k_scale, v, v_scale, d, h, i, j, g, kh, rj=rj, **f)


def schedule_attention(a: Attention, knobs: dict, shape: dict) -> None:
    """Per KV head (or batch of kv_heads of them), query chunks of tile_q rows: q.k^T into the
    accumulators, the softmax on the vector unit, p.v. The cache is on chip a whole head at a
    time (tile_kv 0; double_buffer loads the next heads behind these) or streamed in blocks."""
    t, cap, hk = shape["t"], shape["cap"], shape["hk"]
    group = shape["h"] // hk
    tq, tile_kv, kv_heads = min(knobs["tile_q"], t), min(knobs["tile_kv"], cap), knobs["kv_heads"]
    k_loads = [hl.Func(a.k).in_(), hl.Func(a.k_scale).in_(), a.k_deq]
    v_loads = [hl.Func(a.v).in_(), hl.Func(a.v_scale).in_(), a.v_deq]
    kho, hg, io, ii, khb, khi = (hl.Var(n) for n in ("kho", "hg", "io", "ii", "khb", "khi"))
    a.out.split(a.h, kho, hg, group).split(a.i, io, ii, tq)
    if knobs["group_rows"]:
        a.out.reorder(a.d, ii, hg, io, kho)
    else:
        a.out.reorder(a.d, ii, io, hg, kho)
    whole = tile_kv in (0, cap)
    batches = hk // kv_heads if whole else hk
    load_at = kho
    if whole and kv_heads > 1:
        a.out.split(kho, khb, khi, kv_heads)
        load_at = khb
    if knobs["parallel"]:
        a.out.parallel(load_at)
    if whole:
        for loads in (k_loads, v_loads):
            loads[1].compute_root().store_in(VTCM)  # every scale, once
            loads[2].compute_at(a.out, load_at).store_in(VTCM)
            loads[0].compute_at(a.out, load_at).store_in(VTCM)
            if knobs["double_buffer"] and not knobs["parallel"] and batches > 1:
                for f in (loads[0], loads[2]):
                    f.store_root().fold_storage(f.args()[1], 2 * kv_heads).async_()
        a.scores.compute_at(a.out, io).store_in(ACC)
    else:
        jo, ji = hl.Var("jo"), hl.Var("ji")
        rjo, rji = hl.RVar("rjo"), hl.RVar("rji")
        a.logits.split(a.j, jo, ji, tile_kv, hl.TailStrategy.GuardWithIf).reorder(ji, a.i, a.g, jo)
        a.context.update().split(a.rj.x, rjo, rji, tile_kv, hl.TailStrategy.GuardWithIf).reorder(
            rji, a.d, a.i, a.g, rjo)
        a.scores.compute_at(a.logits, jo).store_in(ACC)
        for f in k_loads:
            f.compute_at(a.logits, jo).store_in(VTCM)
        for f in v_loads:
            f.compute_at(a.context, rjo).store_in(VTCM)
        if knobs["resident_scales"]:
            for f in (k_loads[1], v_loads[1]):
                f.compute_root().store_in(VTCM)
    hl.Func(a.q).in_().compute_at(a.out, io).store_in(VTCM)
    a.context.compute_at(a.out, io).store_in(ACC)
    for f in (a.logits, a.row_max, a.exps, a.row_sum, a.row_inv, a.probs, a.result):
        f.compute_at(a.out, io).store_in(VTCM)


@npusim.halide_kernel(
    "py_attention",
    shape={"t": npusim.Dim(1, 1, 1 << 20, "query tokens (1: decode; ctx: prefill)"),
           "ctx": npusim.Dim(512, 1, 1 << 20, "context length (cached tokens, the queries included)"),
           "cap": npusim.Dim(0, 0, 1 << 20, "KV cache capacity in tokens, the largest ctx (0: ctx)"),
           "h": npusim.Dim(32, 1, 1024, "query heads"),
           "hk": npusim.Dim(8, 1, 1024, "KV heads (divides h)"),
           "d": npusim.Dim(64, 2, 1024, "head dimension"),
           "causal": npusim.Dim(1, 0, 1, "1: query i sees keys up to its position ctx - t + i")},
    knobs={"tile_q": npusim.Knob(1, [1, 8, 16, 32, 64, 128, 256], "query rows per chunk"),
           "tile_kv": npusim.Knob(0, [0, 64, 256, 1024], "cache tokens on chip at once (0: a whole KV head)"),
           "kv_heads": npusim.Knob(2, [1, 2, 4, 8], "with tile_kv 0: KV heads loaded at once (divides hk)"),
           "group_rows": npusim.Knob(1, [0, 1], "1: a chunk holds every query head of its KV head"),
           "double_buffer": npusim.Knob(1, [0, 1], "with tile_kv 0: load the next KV heads behind these"),
           "resident_scales": npusim.Knob(1, [0, 1], "with tile_kv blocks: load every scale once"),
           "parallel": npusim.Knob(0, [0, 1], "spread KV heads over the NPU's cores")},
    runtime={"ctx": "cap"},
    summary="softmax(q k^T / sqrt(d), causal) v over an int8 KV cache (attention at kv_bits 8, in Python)")
def py_attention(shape: dict, knobs: dict) -> npusim.KernelInstance:
    t, cap, h, hk, d = shape["t"], shape["cap"], shape["h"], shape["hk"], shape["d"]
    if h % hk or hk % knobs["kv_heads"]:
        raise npusim.ShapeError(f"py_attention: hk = {hk} must divide h = {h}, and kv_heads must divide hk")
    ctx = hl.Param(hl.Int(32), "ctx")
    ctx.set_range(t if shape["causal"] else 1, cap)
    a = attention(d, h, hk, ctx, t, bool(shape["causal"]))
    schedule_attention(a, knobs, shape)
    return npusim.KernelInstance(
        inputs=[(a.q, (t, h, d)), (a.k, (cap, hk, d)), (a.k_scale, (cap, hk)), (a.v, (cap, hk, d)),
                (a.v_scale, (cap, hk))],
        output=(a.out, (t, h, d)), params={"ctx": ctx})
