// gemm_f16 (fp16 x fp16), gemm_w8a16 / gemm_w4a16 (weight-only, fp16 MACs) and gemm_w8a8_dynamic /
// gemm_w4a8_dynamic (per-token activation quantization at run time).
#include "kernels/gemm/gemm.h"

namespace npusim::kernels {

using namespace Halide;

Gemm make_gemm_f16(int k_extent) {
    Gemm g;
    ImageParam a(Float(16), 2, "a");
    ImageParam w(Float(16), 2, "w");
    g.k = RDom(0, k_extent, "k");
    g.acc(g.n, g.m) = 0.0f;
    g.acc(g.n, g.m) += cast<float>(a(g.k, g.m)) * cast<float>(w(g.k, g.n));
    g.result = Func("convert");
    g.result(g.n, g.m) = cast<float16_t>(g.acc(g.n, g.m));
    g.out(g.n, g.m) = g.result(g.n, g.m);
    g.inputs = {a, w};
    g.a_sources = {a};
    g.w_sources = {w};
    return g;
}

Gemm make_gemm_weight_only(int k_extent, int bits, int group) {
    Gemm g;
    ImageParam a(Float(16), 2, "a");
    ImageParam w(Int(8), 2, bits == 4 ? "w4" : "w");
    ImageParam scales(Float(16), 2, "scales");  // (k / group, n): [n][k / group] in memory
    Var k("k"), n("n");
    const Expr q = bits == 4 ? int4_nibble(w(k / 2, n), k) : Expr(w(k, n));
    g.k = RDom(0, k_extent, "k");
    g.acc(g.n, g.m) = 0.0f;
    g.result = Func("convert");
    if (group == k_extent) {
        // Per channel: the integer weights (exact in fp16) multiply the activations and the scale
        // applies once to the sum, as a matrix unit taking fp16 x int weights natively does. On
        // other NPUs w_f16 converts the weights on the vector unit; the bits are the same.
        Func w_f16("w_f16");
        w_f16(k, n) = cast<float16_t>(q);
        g.acc(g.n, g.m) += cast<float>(a(g.k, g.m)) * cast<float>(w_f16(g.k, g.n));
        g.result(g.n, g.m) = cast<float16_t>(g.acc(g.n, g.m) * cast<float>(scales(0, g.n)));
        g.w_prep = {w_f16};
        g.epilogue = {scales};
        g.w_sources = {w};
    } else {
        // Per group: each weight dequantized with its group's scale, then fp16 x fp16 MACs.
        Func w_deq("w_deq");
        w_deq(k, n) = cast<float16_t>(cast<float>(q) * cast<float>(scales(k / group, n)));
        g.acc(g.n, g.m) += cast<float>(a(g.k, g.m)) * cast<float>(w_deq(g.k, g.n));
        g.result(g.n, g.m) = cast<float16_t>(g.acc(g.n, g.m));
        g.w_prep = {w_deq};
        g.w_sources = {w, scales};
        g.k_per_row[scales.name()] = group;
    }
    g.out(g.n, g.m) = g.result(g.n, g.m);
    g.inputs = {a, w, scales};
    g.a_sources = {a};
    if (bits == 4) g.k_per_row[w.name()] = 2;
    return g;
}

Gemm make_gemm_dynamic(int k_extent, int w_bits) {
    Gemm g;
    ImageParam a(Float(16), 2, "a");
    ImageParam w(Int(8), 2, w_bits == 4 ? "w4" : "w");
    ImageParam w_scale(Float(32), 1, "w_scale");  // per output channel
    Var k("k"), m("m"), n("n");
    // int4 weights: two's-complement nibbles, even k in the low one, unpacked on chip.
    Func w_op("w_unpacked");
    if (w_bits == 4) {
        w_op(k, n) = int4_nibble(w(k / 2, n), k);
    } else {
        w_op(k, n) = w(k, n);
    }
    RDom r(0, k_extent, "r");
    Func amax("amax"), a_inv("a_inv"), a_q("a_q");
    amax(m) = 0.0f;
    amax(m) = max(amax(m), abs(cast<float>(a(r, m))));
    // An all-zero row quantizes to zeros (any positive scale would do).
    a_inv(m) = select(amax(m) > 0.0f, 127.0f / amax(m), 0.0f);
    a_q(k, m) = cast<int8_t>(clamp(round(cast<float>(a(k, m)) * a_inv(m)), -127.0f, 127.0f));
    g.k = RDom(0, k_extent, "k");
    g.acc(g.n, g.m) = 0;
    g.acc(g.n, g.m) += cast<int32_t>(a_q(g.k, g.m)) * cast<int32_t>(w_bits == 4 ? w_op(g.k, g.n) : w(g.k, g.n));
    g.result = Func("dequant");
    g.result(g.n, g.m) = cast<float16_t>(cast<float>(g.acc(g.n, g.m)) * (amax(g.m) / 127.0f) * w_scale(g.n));
    g.out(g.n, g.m) = g.result(g.n, g.m);
    g.inputs = {a, w, w_scale};
    g.a_sources = {a};
    g.w_sources = {w};
    g.a_prep = {amax, a_inv, a_q};
    g.a_prep_needs_row = true;
    if (w_bits == 4) {
        g.w_prep = {w_op};
        g.k_per_row[w.name()] = 2;
    }
    g.epilogue = {w_scale};
    return g;
}

}  // namespace npusim::kernels
