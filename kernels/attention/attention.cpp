#include "kernels/attention/attention.h"

#include <cmath>

namespace npusim::kernels {

using namespace Halide;

namespace {

// fp16(int * scale) of a cache element; int4 values are packed two per byte along d; fp16 values
// are read as they are.
Expr dequant(const ImageParam& cache, const ImageParam& scale, Expr d, Expr kh, Expr j, int kv_bits) {
    if (kv_bits == 16) return cache(d, kh, j);
    Expr q;
    if (kv_bits == 4) {
        Expr byte = cache(d / 2, kh, j);
        q = select(d % 2 == 0, (byte << 4) >> 4, byte >> 4);
    } else {
        q = cache(d, kh, j);
    }
    return cast<float16_t>(cast<float>(q) * cast<float>(scale(kh, j)));
}

}  // namespace

Attention make_attention(int head_dim, int heads, int kv_heads, const Expr& ctx, int queries, int kv_bits,
                         bool causal) {
    Attention a;
    const Type cache_type = kv_bits == 16 ? Float(16) : Int(8);
    a.k = ImageParam(cache_type, 3, kv_bits == 4 ? "k4" : "k");
    a.v = ImageParam(cache_type, 3, kv_bits == 4 ? "v4" : "v");
    const int group = heads / kv_heads;
    a.k_deq(a.d, a.kh, a.j) = dequant(a.k, a.k_scale, a.d, a.kh, a.j, kv_bits);
    a.v_deq(a.d, a.kh, a.j) = dequant(a.v, a.v_scale, a.d, a.kh, a.j, kv_bits);

    a.rd = RDom(0, head_dim, "rd");
    const Expr head = a.kh * group + a.g;
    a.scores(a.j, a.i, a.g, a.kh) = 0.0f;
    a.scores(a.j, a.i, a.g, a.kh) += cast<float>(a.q(a.rd, head, a.i)) * cast<float>(a.k_deq(a.rd, a.kh, a.j));

    Expr scaled = a.scores(a.j, a.i, a.g, a.kh) * (1.0f / std::sqrt(static_cast<float>(head_dim)));
    Expr pos = ctx - queries + a.i;
    // The mask is added (-1e30 + a score rounds to -1e30) rather than selected: Halide would
    // otherwise bound the scores a block of keys needs by the mask, which makes on-chip buffer sizes
    // depend on the context.
    a.logits(a.j, a.i, a.g, a.kh) = causal ? scaled + select(a.j > pos, -1e30f, 0.0f) : scaled;

    a.rj = RDom(0, ctx, "rj");
    a.row_max(a.i, a.g, a.kh) = -1e30f;
    a.row_max(a.i, a.g, a.kh) = max(a.row_max(a.i, a.g, a.kh), a.logits(a.rj, a.i, a.g, a.kh));
    a.exps(a.j, a.i, a.g, a.kh) = exp(a.logits(a.j, a.i, a.g, a.kh) - a.row_max(a.i, a.g, a.kh));
    a.row_sum(a.i, a.g, a.kh) = 0.0f;
    a.row_sum(a.i, a.g, a.kh) += a.exps(a.rj, a.i, a.g, a.kh);
    // One reciprocal per row, then a multiply per element (a divide per element costs the vector
    // unit several times more).
    a.row_inv(a.i, a.g, a.kh) = 1.0f / a.row_sum(a.i, a.g, a.kh);
    a.probs(a.j, a.i, a.g, a.kh) = cast<float16_t>(a.exps(a.j, a.i, a.g, a.kh) * a.row_inv(a.i, a.g, a.kh));

    a.context(a.d, a.i, a.g, a.kh) = 0.0f;
    a.context(a.d, a.i, a.g, a.kh) +=
        cast<float>(a.probs(a.rj, a.i, a.g, a.kh)) * cast<float>(a.v_deq(a.d, a.kh, a.rj));
    a.result(a.d, a.i, a.g, a.kh) = cast<float16_t>(a.context(a.d, a.i, a.g, a.kh));
    // The head's (g, kh) is taken apart here, in the copy out, so that a chunk of one query head
    // needs the softmax and results of that head alone. (h - h / group * group rather than
    // h % group: Halide bounds a Mod by its divisor even at a single h, a difference exactly.)
    a.out(a.d, a.h, a.i) = a.result(a.d, a.i, a.h - a.h / group * group, a.h / group);
    return a;
}

}  // namespace npusim::kernels
