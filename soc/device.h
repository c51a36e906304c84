#pragma once
// The CPU cores beside the NPU, as a device for the ops placed on them. Not a cycle model: an op
// takes a fixed cost (dispatch to the cores' threads and their join) plus the longer of its
// multiply-accumulates at the cores' peak rate for their precision and its bytes at the cores'
// share of DRAM bandwidth: a roofline plus overhead. The NPU stays the SystemC cycle model.
#include <cstdint>
#include <string>

#include "models/op_work.h"
#include "sim/config/npu_config.h"

namespace npusim::soc {

struct DeviceParams {
    std::string name = "cpu";
    double int8_macs_per_s = 0, int16_macs_per_s = 0, fp16_macs_per_s = 0, fp32_ops_per_s = 0;
    double bytes_per_s = 0;
    double op_overhead_s = 0;
    double active_w = 0;
    static DeviceParams cpu(const npu::NpuConfig& cfg);
};

struct DeviceCost {
    double compute_s = 0, memory_s = 0, overhead_s = 0;
    double seconds = 0;   // overhead + max(compute, memory)
    double roofline_s = 0;  // max(compute, memory): no device runs the op faster
    double energy_j = 0;    // active power over the op's time
};

DeviceCost device_cost(const DeviceParams& d, const models::OpWork& w);

// Handing a tensor of `bytes` between the NPU and the CPU: the fixed cost (cache maintenance on the
// shared buffer, the ready signal) plus one pass over its bytes at the CPU's bandwidth.
double handoff_seconds(const npu::NpuConfig& cfg, int64_t bytes);

}  // namespace npusim::soc
