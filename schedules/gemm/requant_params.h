#pragma once
// Offline folding of quantization scales into the fixed-point requantization of kernels/gemm:
//   real = s_a * s_w[n] / s_out  ->  multiplier[n] in [2^30, 2^31), shift[n] in [1, 62]
// so that (acc + bias) * real ~= ((acc + bias) * multiplier + 2^(shift-1)) >> shift.
#include <cstdint>
#include <vector>

namespace npusim::schedules {

struct FixedPoint {
    int32_t multiplier;
    int32_t shift;
};

// Throws npu::ShapeError for a scale that is not finite, not positive, or outside [2^-31, 2^29].
FixedPoint quantize_multiplier(double real_scale);

}  // namespace npusim::schedules
