#pragma once
// The quantized GEMM family as Halide algorithms (the "what"; schedules/gemm says how).
//
// Every variant computes out[m][n] from activations a[m][k] and weights w[n][k] (the PyTorch
// Linear layout, so both operand tiles are contiguous along K). Halide coordinates put the
// innermost dimension first: a(k, m), w(k, n), out(n, m).
//
//   gemm_w8a8   int8 x int8 -> int32; per-channel fixed-point requantization to int8. The static
//               per-tensor activation scale and per-channel weight scales are folded offline into
//               (multiplier, shift) per channel: no floating point at run time. Bit-exact.
//   gemm_w4a8   as w8a8 with int4 weights packed two per byte (even k in the low nibble), unpacked
//               on chip by the vector unit before the MatMul. Bit-exact.
//   gemm_f16    fp16 x fp16 MACs accumulating in fp32, the result rounded to fp16 once (the
//               unquantized baseline).
//   gemm_w8a16  fp16 activations, int8 weights with an fp16 scale per group of `group` K-elements
//   gemm_w4a16  per output channel. Per group: dequantized to fp16 on chip, fp16 x fp16 MACs
//               accumulate in fp32, the result rounded to fp16 once. Per channel (group = K): the
//               integer weights (exact in fp16) are the MAC operand and the fp32 sum is scaled
//               once, then rounded to fp16 (a matrix unit with a native fp16 x int path runs it
//               on the stored weights).
//   gemm_w8a16i fp16 activations quantized on chip to 16-bit integers with a static per-tensor
//   gemm_w4a16i scale (a_q = sat16(round_half_even(a * a_inv))), times int8 or int4 weights (packed
//               two per byte), summed exactly in int64; out = fp16(fp32(fp64(acc) * out_scale[n]))
//               with out_scale = activation scale x the channel's weight scale. Bit-exact against
//               a reference doing the same operations (QNN's A16W8 and A16W4).
//   gemm_w8a8_dynamic  fp16 activations quantized per token at run time: absmax over K (a
//               reduction), scale = absmax / 127, a_q = round_half_even(a * 127 / absmax) clamped to
//               +-127; int8 x int8 -> int32; out = fp16(acc * (absmax / 127) * w_scale[n]).
//               Bit-exact against a float32 reference doing the same operations.
//   gemm_w4a8_dynamic  as gemm_w8a8_dynamic with int4 weights packed two per byte, unpacked on
//               chip as in gemm_w4a8.
#include <Halide.h>

#include <map>
#include <string>
#include <vector>

namespace npusim::kernels {

struct Gemm {
    Halide::Var n{"n"}, m{"m"};
    Halide::RDom k;
    Halide::Func acc{"acc"};                 // int32 or fp32 accumulator
    Halide::Func result;                     // the requantized / converted tile
    Halide::Func out{"out"};                 // pure copy of result, so a schedule can stage the tile
    std::vector<Halide::ImageParam> inputs;  // DRAM tensors, in argument order
    // The MAC operands acc reads, and where they come from: each side's DRAM tensors (staged by
    // DMA) and the on-chip Funcs that turn the staged tiles into the operand (none: the staged
    // tile is the operand).
    std::vector<Halide::ImageParam> a_sources, w_sources;
    std::vector<Halide::Func> a_prep, w_prep;
    bool a_prep_needs_row = false;              // a_prep reduces over all of K (dynamic quantization)
    std::vector<Halide::ImageParam> epilogue;   // per-output-channel tables read by `result`
    std::vector<Halide::ImageParam> constants;  // one-element tensors read anywhere (a static scale)
    // K elements per row of a source's first dimension, where not 1: 2 for packed int4 weights,
    // `group` for per-group scales.
    std::map<std::string, int> k_per_row;
};

// The signed INT4 value of element k packed in `byte` (two's-complement nibbles, even k in the low
// one): the byte shifted left by 4 for an even k, by 0 for an odd one, then arithmetically right by 4.
// Written without a select so the unpack stays one operand expression that the compiler can hand
// to a MAC array taking INT4 weights natively.
Halide::Expr int4_nibble(const Halide::Expr& byte, const Halide::Expr& k);

// Row indices of gemm_w8a8/w4a8's `qparams` (n, 3).
enum QParam { kBias = 0, kMultiplier = 1, kShift = 2 };

Gemm make_gemm_w8a8(int k_extent);
Gemm make_gemm_w4a8(int k_extent);  // k_extent even
Gemm make_gemm_f16(int k_extent);
Gemm make_gemm_weight_only(int k_extent, int bits, int group);  // bits 8 or 4; group divides K
Gemm make_gemm_dynamic(int k_extent, int w_bits);               // w_bits 8, or 4 (k_extent even)
Gemm make_gemm_a16i(int k_extent, int w_bits);                  // w_bits 8, or 4 (k_extent even)

}  // namespace npusim::kernels
