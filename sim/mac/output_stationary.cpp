// Output-stationary systolic array (mac.dataflow: os), as SCALE-Sim models it.
//
// Each PE owns one output: a fold covers rows outputs along M and cols along N, so there are
// ceil(M / rows) * ceil(N / cols) folds. A fold streams the K reduction in from two edges
// (K / k_per_step steps of cycles_per_step), skewed by rows + cols - 2; draining the finished
// outputs overlaps the next fold's fill. A is read once per column fold and B once per row fold;
// partial sums never leave the PEs.
#include <cmath>

#include "sim/mac/mac_timing.h"

namespace npu {

MacTiming output_stationary_timing(const NpuConfig& cfg, const MacWork& w) {
    const auto rows = static_cast<uint64_t>(cfg.mac_rows), cols = static_cast<uint64_t>(cfg.mac_cols);
    MacTiming t;
    const uint64_t m_folds = ceil_div(static_cast<uint64_t>(w.m), rows);
    const uint64_t n_folds = ceil_div(static_cast<uint64_t>(w.n), cols);
    t.folds = m_folds * n_folds;
    const auto stream = static_cast<uint64_t>(
        std::ceil(std::ceil(static_cast<double>(w.k) / k_per_step(w.rate)) * cycles_per_step(w.rate)));
    uint64_t per_fold = stream + rows + cols - 2;
    if (w.unpack_int4_b) per_fold += static_cast<uint64_t>(cfg.mac_int4_unpack_cycles);
    t.cycles = per_fold * t.folds;
    t.a_passes = n_folds;
    t.b_passes = m_folds;
    return t;
}

}  // namespace npu
