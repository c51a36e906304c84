#include "kernels/elementwise/quant_ops.h"

namespace npusim::kernels {

using namespace Halide;

Expr fixed_point_requantize(Expr acc, Expr bias, Expr mult, Expr shift) {
    Expr biased = cast<int64_t>(acc + bias);
    Expr s = cast<int64_t>(shift);
    Expr rounded = (biased * cast<int64_t>(mult) + (cast<int64_t>(1) << (s - 1))) >> s;
    return cast<int8_t>(clamp(rounded, -128, 127));
}

Quantize make_quantize() {
    Quantize k;
    k.inv() = 1.0f / k.scale(0);
    k.q(k.d, k.t) = cast<int8_t>(clamp(round(cast<float>(k.x(k.d, k.t)) * k.inv()), -128.0f, 127.0f));
    k.out(k.d, k.t) = k.q(k.d, k.t);
    return k;
}

Dequantize make_dequantize() {
    Dequantize k;
    k.y(k.d, k.t) = cast<float16_t>(cast<float>(k.q(k.d, k.t)) * k.scale(0));
    k.out(k.d, k.t) = k.y(k.d, k.t);
    return k;
}

Requantize make_requantize() {
    Requantize k;
    k.r(k.n, k.m) = fixed_point_requantize(k.acc(k.n, k.m), k.qparams(k.n, 0), k.qparams(k.n, 1), k.qparams(k.n, 2));
    k.out(k.n, k.m) = k.r(k.n, k.m);
    return k;
}

}  // namespace npusim::kernels
