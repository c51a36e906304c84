#include "sim/dram/fcfs_bus_dram.h"

#include <algorithm>
#include <cmath>

namespace npu {

void FcfsBusDram::configure(const NpuConfig& cfg) {
    bytes_per_cycle_ = cfg.dram_bytes_per_cycle * cfg.dram_efficiency;
    overhead_ = static_cast<double>(cfg.dram_transfer_overhead_cycles);
    turnaround_ = static_cast<double>(cfg.dram_turnaround_cycles);
    latency_ = static_cast<uint64_t>(cfg.dram_latency_cycles);
    bus_free_at_ = 0;
    busy_ = 0;
    last_direction_ = -1;
}

uint64_t FcfsBusDram::complete_at(uint64_t now, uint64_t bus_bytes, bool write) {
    double start = std::max(static_cast<double>(now), bus_free_at_);
    double occupancy = overhead_ + static_cast<double>(bus_bytes) / bytes_per_cycle_;
    if (last_direction_ >= 0 && last_direction_ != static_cast<int>(write)) occupancy += turnaround_;
    last_direction_ = static_cast<int>(write);
    bus_free_at_ = start + occupancy;
    busy_ += occupancy;
    return static_cast<uint64_t>(std::ceil(bus_free_at_)) + latency_;
}

}  // namespace npu
