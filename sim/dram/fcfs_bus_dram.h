#pragma once
#include "sim/dram/dram_model.h"

namespace npu {

// One data bus served first come, first served: a transfer occupies the bus for
// bus_bytes / bytes_per_cycle cycles once it is free, and its data arrives `latency` later.
// Latency overlaps with other transfers; bandwidth does not.
class FcfsBusDram final : public DramModel {
public:
    void configure(const NpuConfig& cfg) override;
    uint64_t complete_at(uint64_t now, uint64_t bus_bytes) override;
    uint64_t busy_cycles() const override { return static_cast<uint64_t>(busy_ + 0.5); }

private:
    double bytes_per_cycle_ = 1;
    uint64_t latency_ = 0;
    double bus_free_at_ = 0;  // fractional cycles: bandwidth need not divide the transfer
    double busy_ = 0;
};

}  // namespace npu
