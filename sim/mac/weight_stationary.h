#pragma once
// Latency of a MatMul on a weight-stationary systolic array of rows x cols PEs.
//
// The array holds a rows x cols block of B (K along rows, N along columns) and streams the M rows
// of A through it; a fold is one such block, so there are ceil(K / k_per_fold) * ceil(N / cols)
// folds. A PE doing `rate` MACs per cycle covers max(rate, 1) K-elements per cycle when rate >= 1
// (INT4 packs two), or needs 1/rate cycles per row when rate < 1 (FP16 on an integer array).
// Loading the next fold's weights (one row per cycle) overlaps streaming, so a fold takes
// max(M * cycles_per_row, rows) cycles; the pipeline fills and drains once per instruction
// (rows + cols). Small M therefore wastes the array, as it does on real hardware.
#include <cstdint>

namespace npu {

struct MacTiming {
    uint64_t cycles = 0;
    uint64_t folds = 0;
    uint64_t k_folds = 0, n_folds = 0;
};

MacTiming weight_stationary_timing(int64_t m, int64_t n, int64_t k, double rate, int64_t rows, int64_t cols);

}  // namespace npu
