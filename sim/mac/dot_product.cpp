// Dot-product (vector-MAC) array (mac.dataflow: dot): `rows` units, each a `cols`-lane multiply
// and adder tree, as in DSP-style NPUs. A unit produces one output every
// ceil(K / (cols * k_per_step)) steps; the rows units work on rows outputs of one row of C at a
// time, so A's row is broadcast (read once per group of rows columns) and B is read once per row
// of the output: no reuse of B across M, which is why this style suits small M (decode) best.
// The adder tree adds log2(cols) cycles of latency once per instruction.
#include <cmath>

#include "sim/mac/mac_timing.h"

namespace npu {

MacTiming dot_product_timing(const NpuConfig& cfg, const MacWork& w) {
    const auto rows = static_cast<uint64_t>(cfg.mac_rows), cols = static_cast<uint64_t>(cfg.mac_cols);
    MacTiming t;
    const uint64_t n_groups = ceil_div(static_cast<uint64_t>(w.n), rows);
    const auto k_step = static_cast<uint64_t>(static_cast<double>(cols) * k_per_step(w.rate));
    const uint64_t steps = ceil_div(static_cast<uint64_t>(w.k), k_step);
    t.folds = static_cast<uint64_t>(w.m) * n_groups;
    uint64_t per_output = static_cast<uint64_t>(std::ceil(static_cast<double>(steps) * cycles_per_step(w.rate)));
    uint64_t extra = w.unpack_int4_b ? static_cast<uint64_t>(cfg.mac_int4_unpack_cycles) * n_groups : 0;
    t.cycles = per_output * t.folds + static_cast<uint64_t>(std::ceil(std::log2(static_cast<double>(cols)))) + extra;
    t.a_passes = n_groups;
    t.b_passes = static_cast<uint64_t>(w.m);
    return t;
}

}  // namespace npu
