#pragma once
// W8A8 quantized GEMM as a Halide algorithm (the "what"; schedules live in schedules/gemm).
//
//   out[m][n] = sat_int8(round((acc[m][n] + bias[n]) * multiplier[n] / 2^shift[n]))
//   acc[m][n] = sum_k a[m][k] * w[n][k]              (int8 x int8 -> int32)
//
// Activations `a` are [M, K] row-major, weights `w` are [N, K] row-major (the PyTorch Linear
// layout), so both operand tiles are contiguous along K. The static per-tensor activation scale
// and the per-channel weight scales are folded offline into a fixed-point multiplier and shift per
// output channel, as integer NPUs requantize: no floating point at run time.
//
// Halide coordinates put the innermost (contiguous) dimension first: a(k, m), w(k, n),
// qparams(n, c) with c = 0 bias, 1 multiplier, 2 shift, and out(n, m).
#include <Halide.h>

namespace npusim::kernels {

struct GemmW8A8 {
    Halide::ImageParam a{Halide::Int(8), 2, "a"};
    Halide::ImageParam w{Halide::Int(8), 2, "w"};
    Halide::ImageParam qparams{Halide::Int(32), 2, "qparams"};
    Halide::Var n{"n"}, m{"m"};
    Halide::RDom k;
    Halide::Func acc{"acc"};          // int32 accumulator
    Halide::Func requant{"requant"};  // int8 result of the fixed-point requantization
    Halide::Func out{"out"};          // pure copy of requant, so a schedule can stage the tile
};

// Builds the algorithm for a reduction of length `k_extent`.
GemmW8A8 make_gemm_w8a8(int k_extent);

// Row indices of `qparams`.
enum QParam { kBias = 0, kMultiplier = 1, kShift = 2 };

}  // namespace npusim::kernels
