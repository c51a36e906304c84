// Weight-stationary systolic array (mac.dataflow: ws), as SCALE-Sim models it.
//
// The array holds a rows x cols block of B: rows along K (rows * k_per_step K-elements), cols
// along N. A fold is one such block: ceil(K / (rows * k_per_step)) * ceil(N / cols) folds. Each
// fold loads its weights (rows cycles), streams the M rows of A through (M * cycles_per_step),
// and drains the skewed wavefront (rows + cols - 2). So small M (decode) is dominated by the
// weight loads and the skew, as on real arrays. A is read once per column fold; partial sums of
// all K folds meet in the array's accumulators, which hold mac.accumulator_rows rows: beyond
// that, each extra K fold round-trips the partial sums through the acc SRAM.
// With mac.weight_buffers = 2 the next fold's weights load while the current fold streams, so the
// folds pipeline: one load, then max(load, stream) per fold, then one drain.
#include <algorithm>
#include <cmath>

#include "sim/mac/mac_timing.h"

namespace npu {

MacTiming weight_stationary_timing(const NpuConfig& cfg, const MacWork& w) {
    const auto rows = static_cast<uint64_t>(cfg.mac_rows), cols = static_cast<uint64_t>(cfg.mac_cols);
    const auto k_fold = static_cast<uint64_t>(static_cast<double>(rows) * k_per_step(w.rate));
    MacTiming t;
    const uint64_t k_folds = ceil_div(static_cast<uint64_t>(w.k), k_fold);
    const uint64_t n_folds = ceil_div(static_cast<uint64_t>(w.n), cols);
    t.folds = k_folds * n_folds;
    const auto stream = static_cast<uint64_t>(std::ceil(static_cast<double>(w.m) * cycles_per_step(w.rate)));
    const uint64_t load = rows + (w.unpack_int4_b ? static_cast<uint64_t>(cfg.mac_int4_unpack_cycles) : 0);
    const uint64_t drain = rows + cols - 2;
    if (cfg.mac_weight_buffers >= 2)  // the next fold's weights load while this fold streams
        t.cycles = load + t.folds * std::max(load, stream) + drain;
    else
        t.cycles = (load + stream + drain) * t.folds;
    t.a_passes = n_folds;
    t.b_passes = 1;
    if (static_cast<uint64_t>(w.m) > static_cast<uint64_t>(cfg.mac_accumulator_rows)) t.spill_passes = k_folds - 1;
    return t;
}

}  // namespace npu
