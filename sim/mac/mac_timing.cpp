#include "sim/mac/mac_timing.h"

namespace npu {

MacTiming mac_timing(const NpuConfig& cfg, const MacWork& w) {
    if (w.m <= 0 || w.n <= 0 || w.k <= 0) return {};
    if (cfg.mac_dataflow == "os") return output_stationary_timing(cfg, w);
    if (cfg.mac_dataflow == "dot") return dot_product_timing(cfg, w);
    return weight_stationary_timing(cfg, w);
}

}  // namespace npu
