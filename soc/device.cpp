#include "soc/device.h"

#include <algorithm>

namespace npusim::soc {

DeviceParams DeviceParams::cpu(const npu::NpuConfig& cfg) {
    const double core_hz = static_cast<double>(cfg.cpu_cores) * cfg.cpu_clock_mhz * 1e6;
    DeviceParams d;
    d.int8_macs_per_s = core_hz * cfg.cpu_int8_macs_per_cycle;
    // 16-bit integer dot products: half the lanes of 8-bit ones.
    d.int16_macs_per_s = d.int8_macs_per_s / 2;
    d.fp16_macs_per_s = core_hz * cfg.cpu_fp16_macs_per_cycle;
    d.fp32_ops_per_s = core_hz * cfg.cpu_fp32_macs_per_cycle;
    d.bytes_per_s = cfg.cpu_dram_bytes_per_s;
    d.op_overhead_s = cfg.cpu_op_overhead_us * 1e-6;
    d.active_w = cfg.cpu_active_w;
    return d;
}

DeviceCost device_cost(const DeviceParams& d, const models::OpWork& w) {
    const double mac_rate = w.mac_precision == "int8"    ? d.int8_macs_per_s
                            : w.mac_precision == "int16" ? d.int16_macs_per_s
                            : w.mac_precision == "fp32"  ? d.fp32_ops_per_s
                                                         : d.fp16_macs_per_s;
    DeviceCost c;
    c.compute_s = static_cast<double>(w.macs) / mac_rate + static_cast<double>(w.vector_ops) / d.fp32_ops_per_s;
    c.memory_s = static_cast<double>(w.bytes()) / d.bytes_per_s;
    c.overhead_s = d.op_overhead_s;
    c.roofline_s = std::max(c.compute_s, c.memory_s);
    c.seconds = c.overhead_s + c.roofline_s;
    c.energy_j = d.active_w * c.seconds;
    return c;
}

double handoff_seconds(const npu::NpuConfig& cfg, int64_t bytes) {
    return cfg.cpu_handoff_us * 1e-6 + static_cast<double>(bytes) / cfg.cpu_dram_bytes_per_s;
}

}  // namespace npusim::soc
