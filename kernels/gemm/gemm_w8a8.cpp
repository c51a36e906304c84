#include "kernels/gemm/gemm_w8a8.h"

namespace npusim::kernels {

using namespace Halide;

GemmW8A8 make_gemm_w8a8(int k_extent) {
    GemmW8A8 g;
    g.k = RDom(0, k_extent, "k");
    g.acc(g.n, g.m) = 0;
    g.acc(g.n, g.m) += cast<int32_t>(g.a(g.k, g.m)) * cast<int32_t>(g.w(g.k, g.n));

    // Round half up in a 64-bit product, then saturate: the same arithmetic a fixed-point
    // requantization unit performs. shift is in [1, 62] (checked where multipliers are made).
    Expr biased = cast<int64_t>(g.acc(g.n, g.m) + g.qparams(g.n, kBias));
    Expr shift = cast<int64_t>(g.qparams(g.n, kShift));
    Expr product = biased * cast<int64_t>(g.qparams(g.n, kMultiplier));
    Expr rounded = (product + (cast<int64_t>(1) << (shift - 1))) >> shift;
    g.requant(g.n, g.m) = cast<int8_t>(clamp(rounded, -128, 127));
    g.out(g.n, g.m) = g.requant(g.n, g.m);
    return g;
}

}  // namespace npusim::kernels
