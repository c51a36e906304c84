#pragma once
// Runs a pass's op runs on the SoC's devices: each device runs one op at a time, an op starts once
// the ops it depends on have finished (plus a hand-off when one ran on the other device), and among
// the ops ready on an idle device the one that can start first (then the earliest in program
// order) goes next, so independent work on different devices overlaps, as llm.npu's out-of-order
// subgraph execution does. Both devices share the DRAM; their contention is not modelled.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "soc/placement.h"

namespace npusim::soc {

struct Task {
    Device device = Device::Npu;
    double seconds = 0;
    std::vector<size_t> deps;  // indices of earlier tasks
    int64_t out_bytes = 0;     // what a consumer on the other device is handed
};

// A tensor handed from one device's task to a task on the other.
struct Handoff {
    size_t from = 0, to = 0;
    double start_s = 0, seconds = 0;
    int64_t bytes = 0;
};

struct Schedule {
    std::vector<double> start, finish;
    double makespan = 0;
    std::map<std::string, double> busy_s;  // per device: the sum of its tasks' time
    int64_t handoffs = 0, handoff_bytes = 0;
    double handoff_s = 0;  // the hand-offs' time, summed (on the critical path or not)
    std::vector<Handoff> handoff_list;
};

// `handoff(bytes)`: the time a tensor takes to cross between devices. Throws InternalError for a
// dependency on a task that is not earlier.
Schedule schedule_tasks(const std::vector<Task>& tasks, const std::function<double(int64_t)>& handoff);

}  // namespace npusim::soc
