#include "kernels/elementwise/quant_ops.h"

namespace npusim::kernels {

using namespace Halide;

Expr fixed_point_requantize(Expr acc, Expr bias, Expr mult, Expr shift) {
    Expr biased = cast<int64_t>(acc + bias);
    Expr s = cast<int64_t>(shift);
    Expr rounded = (biased * cast<int64_t>(mult) + (cast<int64_t>(1) << (s - 1))) >> s;
    return cast<int8_t>(clamp(rounded, -128, 127));
}

Quantize make_quantize(bool per_channel) {
    Quantize k;
    Expr inv;
    if (per_channel) {
        k.inv(k.d) = 1.0f / k.scale(k.d);
        inv = k.inv(k.d);
    } else {
        k.inv() = 1.0f / k.scale(0);
        inv = k.inv();
    }
    k.q(k.d, k.t) = cast<int8_t>(clamp(round(cast<float>(k.x(k.d, k.t)) * inv), -128.0f, 127.0f));
    k.out(k.d, k.t) = k.q(k.d, k.t);
    return k;
}

Dequantize make_dequantize(bool per_channel) {
    Dequantize k;
    k.y(k.d, k.t) = cast<float16_t>(cast<float>(k.q(k.d, k.t)) * k.scale(per_channel ? Expr(k.d) : Expr(0)));
    k.out(k.d, k.t) = k.y(k.d, k.t);
    return k;
}

ScaleChannels make_scale_channels() {
    ScaleChannels k;
    k.y(k.d, k.t) = cast<float16_t>(cast<float>(k.x(k.d, k.t)) * k.s(k.d));
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
