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
    // When compute (MAC array or vector unit, any core) first started and last ended: what comes
    // before is the program's fill (first loads), what comes after its drain (last stores).
    uint64_t compute_first = UINT64_MAX, compute_last = 0;
    void computed(uint64_t start, uint64_t end) {
        compute_first = start < compute_first ? start : compute_first;
        compute_last = end > compute_last ? end : compute_last;
    }
};

}  // namespace npu
