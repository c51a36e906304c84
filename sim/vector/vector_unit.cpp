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

VectorUnit::VectorUnit(const sc_core::sc_module_name& name, int core) : sc_module(name) {
    sc_core::sc_spawn([this] { run(); }, ("c" + std::to_string(core) + "_vector").c_str());
}

void VectorUnit::configure(const CoreContext* ctx) {
    ctx_ = ctx;
    queue.clear();
}

void VectorUnit::run() {
    while (true) {
        VectorRequest r = queue.pop();
        const NpuConfig& cfg = *ctx_->cfg;
        RunStats& stats = *ctx_->stats;
        const uint64_t start = now_cycles();
        uint64_t done = start + vector_cycles(cfg, r.ops, r.elements);
        for (const auto& [level, bytes] : r.reads)
            done = std::max(done, ctx_->port(level, false).complete_at(start, bytes));
        done = std::max(done, ctx_->port(r.write.first, true).complete_at(start, r.write.second));
        sc_core::wait(cycles(done - start));
        stats.computed(start, done);
        // An element-operation is one lane's work for one cycle of the op's cost.
        stats.vector_ops += static_cast<uint64_t>(r.elements) * vector_chain_cost(cfg, r.ops);
        for (const auto& [level, bytes] : r.reads)
            stats.sram_read[static_cast<int>(level)] += bytes;
        stats.sram_written[static_cast<int>(r.write.first)] += r.write.second;
        EngineCounters& e = *ctx_->vector_counters;
        e.busy_cycles += done - start;
        e.instructions += 1;
        if (ctx_->trace)
            ctx_->trace->add(
                {ctx_->core, "vector", std::string("vector ") + vector_ops_name(r.ops), start, done - start,
                 "\"elements\": " + std::to_string(r.elements) + (r.trace_args.empty() ? "" : ", " + r.trace_args)});
        r.done->notify();
    }
}

}  // namespace npu
