#include "sim/vector/vector_unit.h"

#include "sim/vector/vector_timing.h"

namespace npu {

VectorUnit::VectorUnit(const sc_core::sc_module_name& name) : sc_module(name) {
    sc_core::sc_spawn([this] { run(); }, "vector");
}

void VectorUnit::configure(const NpuConfig* cfg, RunStats* stats) {
    cfg_ = cfg;
    stats_ = stats;
    queue.clear();
}

void VectorUnit::run() {
    while (true) {
        VectorRequest r = queue.pop([] { return true; });
        uint64_t c = vector_cycles(*cfg_, r.op, r.elements);
        sc_core::wait(cycles(c));
        stats_->vector_ops += static_cast<uint64_t>(r.elements) * vector_op_cycles_per_lane_vector(*cfg_, r.op);
        for (const auto& [level, bytes] : r.reads)
            stats_->sram_read[level] += bytes;
        stats_->sram_written[r.write.first] += r.write.second;
        EngineCounters& e = stats_->engines["vector"];
        e.busy_cycles += c;
        e.instructions += 1;
        r.done->notify();
    }
}

}  // namespace npu
