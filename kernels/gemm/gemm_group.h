#pragma once
// gemm_w8a8_group: int8 x int8 with a scale per group of `group` K-elements per output channel,
// as an NPU without per-group MatMul runs it (llm.npu, ASPLOS 2025, section 2.3): one integer
// MatMul per group (K = group), each group's int32 sums dequantized with the group's scale and
// summed in fp32:
//
//   gsum[m][n][g] = sum_{k in group g} a[m][k] * w[n][k]                 (int32)
//   out[m][n]     = fp16(sum_g float(gsum[m][n][g]) * scale[n][g])       (fp32, groups in order)
//
// `scale` folds the static per-tensor activation scale and the per-group weight scale (fp32).
// Bit-exact against a float32 reference summing the groups in the same order.
// Coordinates: a(k, m) int8, w(k, n) int8, scale(g, n) fp32, out(n, m) fp16.
#include <Halide.h>

namespace npusim::kernels {

struct GroupGemm {
    Halide::ImageParam a{Halide::Int(8), 2, "a"}, w{Halide::Int(8), 2, "w"};
    Halide::ImageParam scale{Halide::Float(32), 2, "scale"};
    Halide::Var n{"n"}, m{"m"}, g{"g"};
    Halide::RDom kk, rg;            // within a group; over the groups
    Halide::Func gsum{"gsum"};      // (n, m, g) int32: one MatMul per group
    Halide::Func acc{"acc"};        // (n, m) fp32: the dequantized groups summed
    Halide::Func result{"result"};  // (n, m) fp16
    Halide::Func out{"out"};
};

GroupGemm make_gemm_w8a8_group(int k_extent, int group);  // group divides k_extent

}  // namespace npusim::kernels
