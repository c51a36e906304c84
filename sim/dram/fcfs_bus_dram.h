#pragma once
#include "sim/dram/dram_model.h"

namespace npu {

// One data bus granted first come, first served. A transfer occupies the bus for
//   transfer_overhead + bus_bytes / (peak bytes_per_cycle * efficiency)
// cycles once the bus is free (plus a turnaround when the direction changes from the previous
// transfer), and its data arrives `latency` cycles after that. Latency overlaps other transfers;
// bandwidth does not.
class FcfsBusDram final : public DramModel {
public:
    void configure(const NpuConfig& cfg) override;
    uint64_t complete_at(uint64_t now, uint64_t bus_bytes, bool write) override;
    uint64_t busy_cycles() const override { return static_cast<uint64_t>(busy_ + 0.5); }

private:
    double bytes_per_cycle_ = 1;
    double overhead_ = 0, turnaround_ = 0;
    uint64_t latency_ = 0;
    double bus_free_at_ = 0;  // fractional cycles: bandwidth need not divide the transfer
    double busy_ = 0;
    int last_direction_ = -1;  // -1 none yet, 0 read, 1 write
};

}  // namespace npu
