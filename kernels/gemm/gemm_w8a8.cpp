#include "kernels/gemm/gemm_w8a8.h"

#include "kernels/elementwise/quant_ops.h"

namespace npusim::kernels {

using namespace Halide;

GemmW8A8 make_gemm_w8a8(int k_extent) {
    GemmW8A8 g;
    g.k = RDom(0, k_extent, "k");
    g.acc(g.n, g.m) = 0;
    g.acc(g.n, g.m) += cast<int32_t>(g.a(g.k, g.m)) * cast<int32_t>(g.w(g.k, g.n));

    // Round half up in a 64-bit product, then saturate: the same arithmetic a fixed-point
    // requantization unit performs. shift is in [1, 62] (checked where multipliers are made).
    g.requant(g.n, g.m) = fixed_point_requantize(g.acc(g.n, g.m), g.qparams(g.n, kBias), g.qparams(g.n, kMultiplier),
                                                 g.qparams(g.n, kShift));
    g.out(g.n, g.m) = g.requant(g.n, g.m);
    return g;
}

}  // namespace npusim::kernels
