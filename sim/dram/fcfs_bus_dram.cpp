#include "sim/dram/fcfs_bus_dram.h"

#include <algorithm>
#include <cmath>

namespace npu {

void FcfsBusDram::configure(const NpuConfig& cfg) {
    bytes_per_cycle_ = cfg.dram_bytes_per_cycle;
    latency_ = static_cast<uint64_t>(cfg.dram_latency_cycles);
    bus_free_at_ = 0;
    busy_ = 0;
}

uint64_t FcfsBusDram::complete_at(uint64_t now, uint64_t bus_bytes) {
    double start = std::max(static_cast<double>(now), bus_free_at_);
    double occupancy = static_cast<double>(bus_bytes) / bytes_per_cycle_;
    bus_free_at_ = start + occupancy;
    busy_ += occupancy;
    return static_cast<uint64_t>(std::ceil(bus_free_at_)) + latency_;
}

}  // namespace npu
