#include "kernels/elementwise/activations.h"

#include <cmath>

namespace npusim::kernels {

using namespace Halide;

namespace {

Expr silu(Expr v) {
    return v / (1.0f + exp(-v));
}

Expr gelu(Expr v) {
    const float c = std::sqrt(2.0f / static_cast<float>(M_PI));
    return 0.5f * v * (1.0f + tanh(c * (v + 0.044715f * v * v * v)));
}

}  // namespace

Elementwise make_activation(Activation act) {
    Elementwise k;
    Expr v = cast<float>(k.a(k.d, k.t));
    k.value(k.d, k.t) = cast<float16_t>(act == Activation::Silu ? silu(v) : gelu(v));
    k.out(k.d, k.t) = k.value(k.d, k.t);
    return k;
}

Elementwise make_gated(Activation act) {
    Elementwise k;
    k.operands = 2;
    Expr gate = cast<float>(k.a(k.d, k.t));
    k.value(k.d, k.t) =
        cast<float16_t>((act == Activation::Silu ? silu(gate) : gelu(gate)) * cast<float>(k.b(k.d, k.t)));
    k.out(k.d, k.t) = k.value(k.d, k.t);
    return k;
}

Elementwise make_residual_add() {
    Elementwise k;
    k.operands = 2;
    k.value(k.d, k.t) = cast<float16_t>(cast<float>(k.a(k.d, k.t)) + cast<float>(k.b(k.d, k.t)));
    k.out(k.d, k.t) = k.value(k.d, k.t);
    return k;
}

Rope make_rope(int head_dim) {
    Rope k;
    const int half = head_dim / 2;
    Expr first = k.d < half;
    // The frequency index and the partner element, written with % so bounds inference sees that
    // they stay inside the tables and the head.
    Expr i = k.d % half;
    Expr partner = cast<float>(k.x((k.d + half) % head_dim, k.h, k.t));
    Expr s = cast<float>(k.sin(i, k.t));
    Expr rotated = cast<float>(k.x(k.d, k.h, k.t)) * cast<float>(k.cos(i, k.t)) + select(first, -partner, partner) * s;
    k.rotated(k.d, k.h, k.t) = cast<float16_t>(rotated);
    k.out(k.d, k.h, k.t) = k.rotated(k.d, k.h, k.t);
    return k;
}

}  // namespace npusim::kernels

namespace npusim::kernels {

Embedding make_embedding(int vocab) {
    Embedding k;
    k.rows(k.d, k.t) = k.table(k.d, Halide::clamp(k.ids(k.t), 0, vocab - 1));
    k.out(k.d, k.t) = k.rows(k.d, k.t);
    return k;
}

}  // namespace npusim::kernels
