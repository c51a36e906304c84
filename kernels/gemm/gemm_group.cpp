#include "kernels/gemm/gemm_group.h"

namespace npusim::kernels {

using namespace Halide;

GroupGemm make_gemm_w8a8_group(int k_extent, int group) {
    GroupGemm G;
    G.kk = RDom(0, group, "kk");
    G.rg = RDom(0, k_extent / group, "rg");
    Expr k = G.g * group + G.kk;
    G.gsum(G.n, G.m, G.g) = 0;
    G.gsum(G.n, G.m, G.g) += cast<int32_t>(G.a(k, G.m)) * cast<int32_t>(G.w(k, G.n));
    G.acc(G.n, G.m) = 0.0f;
    G.acc(G.n, G.m) = G.acc(G.n, G.m) + cast<float>(G.gsum(G.n, G.m, G.rg)) * G.scale(G.rg, G.n);
    G.result(G.n, G.m) = cast<float16_t>(G.acc(G.n, G.m));
    G.out(G.n, G.m) = G.result(G.n, G.m);
    return G;
}

}  // namespace npusim::kernels
