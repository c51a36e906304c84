#pragma once
// Event counters of one run, filled by the engines and turned into a Report at the end.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/sram/sram_level.h"

namespace npu {

struct EngineCounters {
    uint64_t busy_cycles = 0;
    uint64_t instructions = 0;
};

struct RunStats {
    uint64_t dram_read = 0, dram_written = 0;          // bytes requested
    std::vector<uint64_t> tensor_bytes;                // bytes requested from or to each program tensor
    uint64_t dram_bus_read = 0, dram_bus_written = 0;  // bytes in whole bursts
    uint64_t sram_read[kSramLevels] = {}, sram_written[kSramLevels] = {};  // by SramLevel, all cores
    std::map<std::string, uint64_t> macs;                                  // per precision name
    uint64_t vector_ops = 0;
    std::map<std::string, EngineCounters> engines;  // "dma0", "mac", "core1.vector", ...
};

}  // namespace npu
