#pragma once
// Elementwise transformer ops as Halide algorithms: SiLU, GELU (tanh form), SwiGLU, residual add,
// and rotary position embedding (RoPE).
//
// Numerics: fp16 in memory, fp32 arithmetic, one rounding to fp16 at the end (relative 2^-11
// against a float64 reference, plus the fp32 error of exp/tanh, about 2^-22 relative).
//
// Coordinates: (d, t) with d the feature (innermost) and t the token; RoPE's x is (d, h, t) with
// d the head dimension, h the head.
#include <Halide.h>

#include <string>

namespace npusim::kernels {

enum class Activation { Silu, Gelu };

struct Elementwise {
    Halide::ImageParam a{Halide::Float(16), 2, "a"};
    Halide::ImageParam b{Halide::Float(16), 2, "b"};  // second operand (swiglu's up, residual)
    Halide::Var d{"d"}, t{"t"};
    Halide::Func value{"value"};  // fp16 result
    Halide::Func out{"out"};      // copy of value, so a schedule can stage the tile
    int operands = 1;
};
// silu(a) = a * sigmoid(a); gelu(a) = 0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3)))
Elementwise make_activation(Activation act);
// Gated linear units: swiglu(a, b) = silu(a) * b, geglu(a, b) = gelu(a) * b  (a the gate
// projection, b the up projection)
Elementwise make_gated(Activation act);
// a + b
Elementwise make_residual_add();

struct Rope {
    Halide::ImageParam x{Halide::Float(16), 3, "x"};      // (d, h, t)
    Halide::ImageParam cos{Halide::Float(16), 2, "cos"};  // (d/2, t): cos(pos * theta_i)
    Halide::ImageParam sin{Halide::Float(16), 2, "sin"};  // (d/2, t)
    Halide::Var d{"d"}, h{"h"}, t{"t"};
    Halide::Func rotated{"rotated"};
    Halide::Func out{"out"};
};
// The rotate-half form of Llama/Qwen (Hugging Face): for i < d/2
//   y[i] = x[i] cos[i] - x[i + d/2] sin[i],  y[i + d/2] = x[i + d/2] cos[i] + x[i] sin[i]
Rope make_rope(int head_dim);

}  // namespace npusim::kernels

namespace npusim::kernels {

// Embedding lookup: out[t][d] = table[clamp(ids[t], 0, vocab - 1)][d], fp16 rows; ids outside
// the table are clamped to its first or last row. Coordinates: table (d, vocab), ids (t).
struct Embedding {
    Halide::ImageParam table{Halide::Float(16), 2, "table"};
    Halide::ImageParam ids{Halide::Int(32), 1, "ids"};
    Halide::Var d{"d"}, t{"t"};
    Halide::Func rows{"rows"};  // the gathered rows, on chip
    Halide::Func out{"out"};
};
Embedding make_embedding(int vocab);

}  // namespace npusim::kernels
