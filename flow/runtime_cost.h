#pragma once
// What the vendor runtime adds around the NPU's own time (the preset's runtime: section): each
// graph execution pays runtime.graph_execute_us (submit, completion, host synchronisation), each
// op inside a graph runtime.op_dispatch_us. A graph that would run longer than
// runtime.graph_max_ms is split (Hexagon's runtime polls for completion in a window of about
// 10 ms, and long graphs are cut to fit it). Host-side time: not simulated by the SystemC model.
#include <cstdint>

#include "sim/config/npu_config.h"

namespace npusim::flow {

struct RuntimeCost {
    int64_t graphs = 0, ops = 0;
    double seconds = 0;
};

// `ops` op executions taking `npu_seconds` on the NPU, deployed as the preset says (one graph for
// all of them, or one per op).
RuntimeCost runtime_cost(const npu::NpuConfig& cfg, int64_t ops, double npu_seconds);
// One op run on its own as a single-op graph (how single-kernel benchmarks measure).
RuntimeCost single_op_graph_cost(const npu::NpuConfig& cfg, double npu_seconds);

}  // namespace npusim::flow
