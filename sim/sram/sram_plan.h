#pragma once
// Static SRAM allocation: every buffer of a program lives for the whole program (the compiler
// already merged a Func's allocations into one buffer of its largest size), so the peak per level
// is the sum of its buffers. l1 and acc are per core (each core of a parallel loop holds its own
// copies), so they are checked against one core's capacity; shared against the shared level. A level over capacity is
// the schedule's fault: ScheduleError naming the Funcs and sizes.
#include <cstdint>
#include <map>
#include <string>

#include "sim/config/npu_config.h"
#include "sim/program.h"

namespace npu {

struct SramPlan {
    std::map<std::string, uint64_t> bytes_by_level;
    uint64_t total = 0;
};

SramPlan plan_sram(const Program& p, const NpuConfig& cfg);

}  // namespace npu
