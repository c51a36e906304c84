#include "kernels/norm/norms.h"

namespace npusim::kernels {

using namespace Halide;

RmsNorm make_rms_norm(int hidden, float eps) {
    RmsNorm k;
    RDom r(0, hidden, "r");
    Expr xr = cast<float>(k.x(r, k.t));
    k.sumsq(k.t) = 0.0f;
    k.sumsq(k.t) += xr * xr;
    k.inv(k.t) = 1.0f / sqrt(k.sumsq(k.t) / static_cast<float>(hidden) + eps);
    k.norm(k.d, k.t) = cast<float16_t>(cast<float>(k.x(k.d, k.t)) * k.inv(k.t) * cast<float>(k.g(k.d)));
    k.out(k.d, k.t) = k.norm(k.d, k.t);
    return k;
}

LayerNorm make_layer_norm(int hidden, float eps) {
    LayerNorm k;
    RDom r(0, hidden, "r");
    Expr xr = cast<float>(k.x(r, k.t));
    k.sum(k.t) = 0.0f;
    k.sum(k.t) += xr;
    k.sumsq(k.t) = 0.0f;
    k.sumsq(k.t) += xr * xr;
    const float n = static_cast<float>(hidden);
    k.mean(k.t) = k.sum(k.t) / n;
    // Clamped at zero: E[x^2] - mean^2 can round below zero for a constant row.
    k.inv(k.t) = 1.0f / sqrt(max(k.sumsq(k.t) / n - k.mean(k.t) * k.mean(k.t), 0.0f) + eps);
    k.norm(k.d, k.t) = cast<float16_t>((cast<float>(k.x(k.d, k.t)) - k.mean(k.t)) * k.inv(k.t) * cast<float>(k.g(k.d)) +
                                       cast<float>(k.b(k.d)));
    k.out(k.d, k.t) = k.norm(k.d, k.t);
    return k;
}

}  // namespace npusim::kernels
