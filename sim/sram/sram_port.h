#pragma once
// A bandwidth-limited port served first come, first served: an SRAM level's read or write port.
// A transfer occupies it for bytes / bytes_per_cycle cycles once it is free; engines that share a
// level (DMA filling it, the MAC array reading it) therefore contend.
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace npu {

class SramPort {
public:
    void configure(double bytes_per_cycle) {
        bytes_per_cycle_ = bytes_per_cycle;
        free_at_ = 0;
    }
    // Cycle at which `bytes` requested at `now` have passed through the port.
    uint64_t complete_at(uint64_t now, uint64_t bytes) {
        double start = std::max(static_cast<double>(now), free_at_);
        free_at_ = start + static_cast<double>(bytes) / bytes_per_cycle_;
        return static_cast<uint64_t>(std::ceil(free_at_));
    }

private:
    double bytes_per_cycle_ = 1;
    double free_at_ = 0;
};

}  // namespace npu
