#pragma once
// The symmetric round-to-nearest weight grid every weight quantizer here uses: each row's groups
// of `per` consecutive elements (or the whole tensor) share a scale absmax / qmax (at least
// 1e-8 / qmax; rounded to fp16 when the kernel holds fp16 scales), and each element rounds half to
// even and saturates at +-qmax.
#include <cstdint>
#include <vector>

#include "models/bert_reference.h"

namespace npusim::quant {

// [n][k] integers row-major; `scales` gets one per row and group, row-major.
std::vector<int8_t> quantize_rows(const models::Matrix& w, int bits, int64_t per, bool per_tensor,
                                  std::vector<float>& scales, bool fp16_scales);
// The same grid dequantized: what the quantized weights stand for.
models::Matrix fake_quantize_rows(const models::Matrix& w, int bits, int64_t per, bool fp16_scales);

}  // namespace npusim::quant
