#pragma once
// Conversions between the float and integer domains, as Halide algorithms.
//
//   quantize:   q = sat_int8(round_half_even(x * (1 / scale)))     fp16 -> int8, static scale
//   dequantize: y = fp16(q * scale)                                 int8 -> fp16
//   requantize: r = sat_int8(((acc + bias) * mult + 2^(shift-1)) >> shift)   int32 -> int8, per
//               channel, the fixed-point arithmetic of kernels/gemm (bit-exact integer)
//
// quantize and dequantize compute in fp32 and are bit-exact against a float32 reference that does
// the same operations; `scale` is a one-element fp32 tensor (per-tensor, from calibration), or one
// per feature for the per-channel forms (quantize_channels: SmoothQuant's migration factor folded
// into the static scale; dequantize_channels: per-channel static output scales).
//
//   scale_channels: y = fp16(x * s[d])                              fp16 -> fp16, per channel
//               (AWQ's 1 / s on the input of a weight-only linear, where no earlier op absorbs it)
#include <Halide.h>

namespace npusim::kernels {

struct Quantize {
    Halide::ImageParam x{Halide::Float(16), 2, "x"};
    Halide::ImageParam scale{Halide::Float(32), 1, "scale"};
    Halide::Var d{"d"}, t{"t"};
    Halide::Func inv{"inv"};  // 1 / scale, once (per channel: a table)
    Halide::Func q{"q"};
    Halide::Func out{"out"};
};
Quantize make_quantize(bool per_channel = false);

struct Dequantize {
    Halide::ImageParam q{Halide::Int(8), 2, "q"};
    Halide::ImageParam scale{Halide::Float(32), 1, "scale"};
    Halide::Var d{"d"}, t{"t"};
    Halide::Func y{"y"};
    Halide::Func out{"out"};
};
Dequantize make_dequantize(bool per_channel = false);

struct ScaleChannels {
    Halide::ImageParam x{Halide::Float(16), 2, "x"};
    Halide::ImageParam s{Halide::Float(32), 1, "s"};
    Halide::Var d{"d"}, t{"t"};
    Halide::Func y{"y"};
    Halide::Func out{"out"};
};
ScaleChannels make_scale_channels();

struct Requantize {
    Halide::ImageParam acc{Halide::Int(32), 2, "acc"};          // (n, m)
    Halide::ImageParam qparams{Halide::Int(32), 2, "qparams"};  // (n, c): c = 0 bias, 1 mult, 2 shift
    Halide::Var n{"n"}, m{"m"};
    Halide::Func r{"r"};
    Halide::Func out{"out"};
};
Requantize make_requantize();

// The fixed-point requantization shared with the GEMM: (acc + bias) * mult, round half up, shift,
// saturate to int8. shift must be in [1, 62].
Halide::Expr fixed_point_requantize(Halide::Expr acc, Halide::Expr bias, Halide::Expr mult, Halide::Expr shift);

}  // namespace npusim::kernels
