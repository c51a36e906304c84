#include "sim/mac/weight_stationary.h"

#include <algorithm>
#include <cmath>

namespace npu {

MacTiming weight_stationary_timing(int64_t m, int64_t n, int64_t k, double rate, int64_t rows, int64_t cols) {
    MacTiming t;
    if (m <= 0 || n <= 0 || k <= 0) return t;
    const double k_per_fold = static_cast<double>(rows) * std::max(rate, 1.0);
    const double cycles_per_row = 1.0 / std::min(rate, 1.0);
    t.k_folds = static_cast<uint64_t>(std::ceil(static_cast<double>(k) / k_per_fold));
    t.n_folds = static_cast<uint64_t>((n + cols - 1) / cols);
    t.folds = t.k_folds * t.n_folds;
    const double stream = std::ceil(static_cast<double>(m) * cycles_per_row);
    const double per_fold = std::max(stream, static_cast<double>(rows));
    t.cycles = static_cast<uint64_t>(per_fold) * t.folds + static_cast<uint64_t>(rows + cols);
    return t;
}

}  // namespace npu
