#pragma once
// Interface of a DRAM model: the DMA engines of every core ask when a transfer of `bus_bytes`
// issued now completes. The bus is shared, so concurrent transfers contend (an arbiter, not
// independent pipes).
#include <cstdint>

#include "sim/config/npu_config.h"

namespace npu {

class DramModel {
public:
    virtual ~DramModel() = default;
    virtual void configure(const NpuConfig& cfg) = 0;  // also resets the model's state
    // Cycle at which a transfer of `bus_bytes` (whole bursts) issued at `now` completes.
    virtual uint64_t complete_at(uint64_t now, uint64_t bus_bytes, bool write) = 0;
    virtual uint64_t busy_cycles() const = 0;
};

}  // namespace npu
