#pragma once
// Scaled dot-product attention over an int8, int4 or fp16 KV cache, as a Halide algorithm.
//
//   logits[h][i][j] = (q[i][h] . dequant(k[j][h / group])) / sqrt(d)   masked to -1e30 for j > pos(i)
//   p[h][i][j]      = softmax_j(logits)                                  (max-subtracted, fp32)
//   o[i][h]         = sum_j p[h][i][j] * dequant(v[j][h / group])
// with group = heads / kv_heads (grouped-query attention), pos(i) = ctx - t + i (the queries are
// the last t of the ctx positions: t = ctx is prefill, t = 1 is decode), and an integer cache
// dequantized as fp16(int * scale[kv_head][token]) (per head and token); an fp16 cache is read
// as it is and has no scales.
//
// Numerics: q, the dequantized cache, p and o are fp16; the two products accumulate in fp32
// (fp16 x fp16 MACs); the softmax runs in fp32. Against a float64 reference the error is set by
// the fp16 roundings of p and o (relative 2^-11 each) plus the fp32 accumulation.
//
// Coordinates: q (d, h, t), k and v (d, kv_head, ctx) [int4: (d/2, kv_head, ctx), even d in the
// low nibble], scales (kv_head, ctx) (token-major, as kv_append writes them), out (d, h, t).
// Inside, a query head h is (g, kh) = (h % group, h / group): the query heads of one KV head are a
// dimension of their own, so a schedule can make them rows of the same MatMul against its cache.
#include <Halide.h>

namespace npusim::kernels {

struct Attention {
    Halide::ImageParam q{Halide::Float(16), 3, "q"};
    Halide::ImageParam k, v;  // int8, packed int4 for kv_bits = 4, fp16 (no scales) for kv_bits = 16
    Halide::ImageParam k_scale{Halide::Float(16), 2, "k_scale"};
    Halide::ImageParam v_scale{Halide::Float(16), 2, "v_scale"};
    Halide::Var d{"d"}, h{"h"}, i{"i"}, j{"j"}, g{"g"}, kh{"kh"};
    Halide::Func k_deq{"k_deq"}, v_deq{"v_deq"};  // (d, kv_head, j) fp16
    Halide::Func scores{"scores"};                // (j, i, g, kh) fp32: q . k over d (a MatMul per KV head)
    Halide::Func logits{"logits"};                // scaled and masked
    Halide::Func row_max{"row_max"}, exps{"exps"}, row_sum{"row_sum"}, row_inv{"row_inv"};  // (i, g, kh)
    Halide::Func probs{"probs"};                                                            // (j, i, g, kh) fp16
    Halide::Func context{"context"};  // (d, i, g, kh) fp32: p . v over j (a MatMul per KV head)
    Halide::Func result{"result"};    // (d, i, g, kh) fp16
    Halide::Func out{"out"};
    Halide::RDom rd, rj;  // over d and over the context
};

// `ctx` may be a Param: the cache is then read up to it, whatever its buffers' extent.
// kv_bits: 4, 8 or 16.
Attention make_attention(int head_dim, int heads, int kv_heads, const Halide::Expr& ctx, int queries, int kv_bits,
                         bool causal);

}  // namespace npusim::kernels
