// gemm_w8a16i and gemm_w4a16i: 16-bit integer activations (QNN's A16W8 and A16W4).
#include "kernels/gemm/gemm.h"

namespace npusim::kernels {

using namespace Halide;

Gemm make_gemm_a16i(int k_extent, int w_bits) {
    Gemm g;
    ImageParam a(Float(16), 2, "a");
    ImageParam w(Int(8), 2, w_bits == 4 ? "w4" : "w");
    ImageParam a_inv(Float(32), 1, "a_inv");          // 1 / the static activation scale
    ImageParam out_scale(Float(32), 1, "out_scale");  // activation scale x weight scale, per channel
    Var k("k"), m("m"), n("n");
    // The static per-tensor quantization of quantize, at 16 bits: round half even, saturate to
    // +-32767 (symmetric).
    Func a_q("a_q");
    a_q(k, m) = cast<int16_t>(clamp(round(cast<float>(a(k, m)) * a_inv(0)), -32767.0f, 32767.0f));
    Func w_op("w_unpacked");
    if (w_bits == 4) w_op(k, n) = int4_nibble(w(k / 2, n), k);
    g.k = RDom(0, k_extent, "k");
    // 64-bit accumulation: a 16-bit x 8-bit product over K = 65536 needs 39 bits.
    g.acc(g.n, g.m) = cast<int64_t>(0);
    g.acc(g.n, g.m) += cast<int64_t>(a_q(g.k, g.m)) * cast<int64_t>(w_bits == 4 ? w_op(g.k, g.n) : w(g.k, g.n));
    // The exact sum scaled in fp64, then rounded to fp32 and to fp16.
    g.result = Func("dequant");
    g.result(g.n, g.m) = cast<float16_t>(cast<float>(cast<double>(g.acc(g.n, g.m)) * cast<double>(out_scale(g.n))));
    g.out(g.n, g.m) = g.result(g.n, g.m);
    g.inputs = {a, w, a_inv, out_scale};
    g.a_sources = {a};
    g.w_sources = {w};
    g.a_prep = {a_q};
    if (w_bits == 4) {
        g.w_prep = {w_op};
        g.k_per_row[w.name()] = 2;
    }
    g.epilogue = {out_scale};
    g.constants = {a_inv};
    return g;
}

}  // namespace npusim::kernels
