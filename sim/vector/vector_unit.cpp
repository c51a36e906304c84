#include "sim/vector/vector_unit.h"

#include <algorithm>

namespace npu {

uint64_t vector_chain_cost(const NpuConfig& cfg, const std::vector<VectorOp>& ops) {
    uint64_t cost = 0;
    for (VectorOp op : ops)
        cost += static_cast<uint64_t>(cfg.vector_cost[static_cast<int>(op)]);
    return cost;
}

uint64_t vector_cycles(const NpuConfig& cfg, const std::vector<VectorOp>& ops, int64_t elements) {
    if (elements <= 0) return 0;
    const auto vectors = static_cast<uint64_t>((elements + cfg.vector_lanes - 1) / cfg.vector_lanes);
    return static_cast<uint64_t>(cfg.vector_pipeline_cycles) + vectors * vector_chain_cost(cfg, ops);
}

VectorUnit::Served VectorUnit::serve(const VectorRequest& r, uint64_t start) {
    const NpuConfig& cfg = *ctx().cfg;
    RunStats& stats = *ctx().stats;
    Served s{start + vector_cycles(cfg, r.ops, r.elements), "", {}};
    for (const auto& [level, bytes] : r.reads)
        s.done = std::max(s.done, ctx().port(level, false).complete_at(start, bytes));
    s.done = std::max(s.done, ctx().port(r.write.first, true).complete_at(start, r.write.second));
    // An element-operation is one lane's work for one cycle of the op's cost.
    stats.vector_ops += static_cast<uint64_t>(r.elements) * vector_chain_cost(cfg, r.ops);
    for (const auto& [level, bytes] : r.reads)
        stats.sram_read[static_cast<int>(level)] += bytes;
    stats.sram_written[static_cast<int>(r.write.first)] += r.write.second;
    if (tracing()) {
        s.trace_name = "vector " + vector_ops_name(r.ops);
        s.trace_args = {{"elements", r.elements}};
    }
    return s;
}

}  // namespace npu
