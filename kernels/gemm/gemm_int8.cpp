// gemm_w8a8 and gemm_w4a8: integer MACs, fixed-point requantization.
#include <functional>

#include "kernels/elementwise/quant_ops.h"
#include "kernels/gemm/gemm.h"

namespace npusim::kernels {

using namespace Halide;

namespace {

// acc += a(k, m) * w_op(k, n) over K, then the requantization of kernels/elementwise/quant_ops.
Gemm integer_gemm(int k_extent, const ImageParam& a, const ImageParam& w_dram,
                  const std::function<Expr(Expr, Expr)>& w_op) {
    Gemm g;
    ImageParam qparams(Int(32), 2, "qparams");
    g.k = RDom(0, k_extent, "k");
    g.acc(g.n, g.m) = 0;
    g.acc(g.n, g.m) += cast<int32_t>(a(g.k, g.m)) * cast<int32_t>(w_op(g.k, g.n));
    // Round half up in a 64-bit product, then saturate: the same arithmetic a fixed-point
    // requantization unit performs. shift is in [1, 62] (checked where multipliers are made).
    g.result = Func("requant");
    g.result(g.n, g.m) =
        fixed_point_requantize(g.acc(g.n, g.m), qparams(g.n, kBias), qparams(g.n, kMultiplier), qparams(g.n, kShift));
    g.out(g.n, g.m) = g.result(g.n, g.m);
    g.inputs = {a, w_dram, qparams};
    g.a_sources = {a};
    g.w_sources = {w_dram};
    g.epilogue = {qparams};
    return g;
}

}  // namespace

Expr int4_nibble(const Expr& byte, const Expr& k) {
    return (byte << cast(byte.type(), (1 - k % 2) * 4)) >> 4;
}

Gemm make_gemm_w8a8(int k_extent) {
    ImageParam a(Int(8), 2, "a"), w(Int(8), 2, "w");
    return integer_gemm(k_extent, a, w, [&](Expr k, Expr n) { return w(k, n); });
}

Gemm make_gemm_w4a8(int k_extent) {
    ImageParam a(Int(8), 2, "a"), w4(Int(8), 2, "w4");
    Var k("k"), n("n");
    Func w_unpacked("w_unpacked");
    w_unpacked(k, n) = int4_nibble(w4(k / 2, n), k);
    Gemm g = integer_gemm(k_extent, a, w4, [&](Expr kk, Expr nn) { return w_unpacked(kk, nn); });
    g.w_prep = {w_unpacked};
    g.k_per_row[w4.name()] = 2;
    return g;
}

}  // namespace npusim::kernels
