#pragma once
// Appending tokens to a quantized KV cache, as two Halide algorithms (run one after the other):
//
//   kv_scale:    scale[t][kh] = fp16(max(absmax_d |x[t][kh][d]|, 1e-4) / qmax)   per token and head
//   kv_quantize: q[t][kh][d]  = clamp(round_half_even(x * (1 / scale)), -qmax, qmax)  int8, or int4
//                packed two per byte along d (even d in the low nibble)
// with qmax = 127 (int8) or 7 (int4). The rows are the new tokens' rows of the cache (token-major,
// as attention reads it). Bit-exact against a float32 reference doing the same operations.
//
// Coordinates: x (d, kh, t) fp16, scale (kh, t) fp16, q (d, kh, t) [int4: (d/2, kh, t)].
#include <Halide.h>

namespace npusim::kernels {

struct KvScale {
    Halide::ImageParam x{Halide::Float(16), 3, "x"};
    Halide::Var kh{"kh"}, t{"t"};
    Halide::Func absmax{"absmax"}, scale{"scale"}, out{"out"};
};
KvScale make_kv_scale(int head_dim, int kv_bits);

struct KvQuantize {
    Halide::ImageParam x{Halide::Float(16), 3, "x"};
    Halide::ImageParam scale{Halide::Float(16), 2, "scale"};
    Halide::Var d{"d"}, kh{"kh"}, t{"t"};
    Halide::Func inv{"inv"}, q{"q"}, out{"out"};
};
KvQuantize make_kv_quantize(int kv_bits);

}  // namespace npusim::kernels
