#include "kernels/attention/kv_cache.h"

namespace npusim::kernels {

using namespace Halide;

namespace {

float qmax(int kv_bits) {
    return kv_bits == 4 ? 7.0f : 127.0f;
}

}  // namespace

KvScale make_kv_scale(int head_dim, int kv_bits) {
    KvScale k;
    RDom r(0, head_dim, "r");
    k.absmax(k.kh, k.t) = 0.0f;
    k.absmax(k.kh, k.t) = max(k.absmax(k.kh, k.t), abs(cast<float>(k.x(r, k.kh, k.t))));
    // The floor keeps an all-zero row's scale positive, so its quantization is zeros.
    k.scale(k.kh, k.t) = cast<float16_t>(max(k.absmax(k.kh, k.t), 1e-4f) / qmax(kv_bits));
    k.out(k.kh, k.t) = k.scale(k.kh, k.t);
    return k;
}

KvQuantize make_kv_quantize(int kv_bits) {
    KvQuantize k;
    const float lim = qmax(kv_bits);
    k.inv(k.kh, k.t) = 1.0f / cast<float>(k.scale(k.kh, k.t));
    auto quant = [&](Expr d) {
        return cast<int8_t>(clamp(round(cast<float>(k.x(d, k.kh, k.t)) * k.inv(k.kh, k.t)), -lim, lim));
    };
    if (kv_bits == 4)  // two values per byte: the even one in the low nibble
        k.q(k.d, k.kh, k.t) = (quant(2 * k.d) & cast<int8_t>(15)) | (quant(2 * k.d + 1) << 4);
    else
        k.q(k.d, k.kh, k.t) = quant(k.d);
    k.out(k.d, k.kh, k.t) = k.q(k.d, k.kh, k.t);
    return k;
}

}  // namespace npusim::kernels
