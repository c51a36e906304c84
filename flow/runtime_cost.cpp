#include "flow/runtime_cost.h"

#include <algorithm>
#include <cmath>

namespace npusim::flow {

namespace {

// Graphs one graph's worth of NPU time is split into.
int64_t splits(const npu::NpuConfig& cfg, double npu_seconds) {
    if (cfg.runtime_graph_max_ms <= 0) return 1;
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(npu_seconds / (cfg.runtime_graph_max_ms * 1e-3))));
}

RuntimeCost priced(const npu::NpuConfig& cfg, int64_t ops, int64_t graphs) {
    return {graphs, ops,
            1e-6 * (static_cast<double>(graphs) * cfg.runtime_graph_execute_us +
                    static_cast<double>(ops) * cfg.runtime_op_dispatch_us)};
}

}  // namespace

RuntimeCost runtime_cost(const npu::NpuConfig& cfg, int64_t ops, double npu_seconds) {
    if (ops <= 0) return {};
    // One graph per op: each runs its share of the time (the ops' average) and is split on its own.
    return priced(cfg, ops,
                  cfg.runtime_deployment == "op" ? ops * splits(cfg, npu_seconds / static_cast<double>(ops))
                                                 : splits(cfg, npu_seconds));
}

RuntimeCost single_op_graph_cost(const npu::NpuConfig& cfg, double npu_seconds) {
    return priced(cfg, 1, splits(cfg, npu_seconds));  // one op is one graph whatever the deployment
}

}  // namespace npusim::flow
