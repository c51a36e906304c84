#pragma once
// How long a MatMul takes on the MAC array, and how often it streams its operands, for the
// preset's dataflow (mac.dataflow). One file per dataflow:
//   weight_stationary.cpp   ws: B held in the array (K on rows, N on columns), A streamed
//   output_stationary.cpp   os: outputs held in the PEs (M on rows, N on columns), K streamed
//   dot_product.cpp         dot: `rows` dot-product units, each `cols` lanes wide
// A PE doing `rate` MACs per cycle covers max(rate, 1) K-elements per cycle (INT4 packs two), or
// takes 1 / rate cycles per element when rate < 1 (FP16 on an integer array).
#include <cstdint>

#include "sim/config/npu_config.h"

namespace npu {

struct MacWork {
    int64_t m, n, k;
    double rate;         // MACs per PE per cycle at the operands' precision
    bool unpack_int4_b;  // INT4 weights with INT8 activations: unpacked per fold (W4A8)
};

struct MacTiming {
    uint64_t cycles = 0;
    uint64_t folds = 0;
    uint64_t a_passes = 1, b_passes = 1;  // times each operand is read from SRAM
    uint64_t spill_passes = 0;            // extra write+read round trips of the partial sums
};

MacTiming mac_timing(const NpuConfig& cfg, const MacWork& w);
MacTiming weight_stationary_timing(const NpuConfig& cfg, const MacWork& w);
MacTiming output_stationary_timing(const NpuConfig& cfg, const MacWork& w);
MacTiming dot_product_timing(const NpuConfig& cfg, const MacWork& w);

// K-elements a PE consumes per cycle step, and cycles per step.
inline double k_per_step(double rate) {
    return rate >= 1 ? rate : 1;
}
inline double cycles_per_step(double rate) {
    return rate >= 1 ? 1 : 1 / rate;
}
inline uint64_t ceil_div(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

}  // namespace npu
