#pragma once
// RMSNorm and LayerNorm over the hidden dimension of each token, as Halide algorithms.
//
// Numerics: activations and gains are fp16 in memory; every step computes in fp32 (the vector
// unit widens fp16 on load) and the result is rounded to fp16 once. Against a float64 reference
// the error is the final fp16 rounding (relative 2^-11) plus fp32 accumulation over d terms.
//
// Coordinates: x(d, t) with d the hidden dimension (innermost) and t the token.
#include <Halide.h>

namespace npusim::kernels {

struct RmsNorm {
    Halide::ImageParam x{Halide::Float(16), 2, "x"};
    Halide::ImageParam g{Halide::Float(16), 1, "g"};
    Halide::Var d{"d"}, t{"t"};
    Halide::Func sumsq{"sumsq"};  // fp32 sum of squares per token (a reduction)
    Halide::Func inv{"inv"};      // 1 / sqrt(mean square + eps) per token
    Halide::Func norm{"norm"};    // fp16 result
    Halide::Func out{"out"};      // copy of norm, so a schedule can stage the tile
};
// y = x / sqrt(mean(x^2) + eps) * g  (Llama, Qwen, Gemma without the +1 offset)
RmsNorm make_rms_norm(int hidden, float eps);

struct LayerNorm {
    Halide::ImageParam x{Halide::Float(16), 2, "x"};
    Halide::ImageParam g{Halide::Float(16), 1, "g"};
    Halide::ImageParam b{Halide::Float(16), 1, "b"};
    Halide::Var d{"d"}, t{"t"};
    Halide::Func sum{"sum"}, sumsq{"sumsq"};  // fp32 per token
    Halide::Func mean{"mean"}, inv{"inv"};    // mean and 1 / sqrt(var + eps)
    Halide::Func norm{"norm"};
    Halide::Func out{"out"};
};
// y = (x - mean) / sqrt(var + eps) * g + b, var the biased variance E[x^2] - mean^2 (BERT)
LayerNorm make_layer_norm(int hidden, float eps);

}  // namespace npusim::kernels
