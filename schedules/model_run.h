#pragma once
// Simulates a model's ops (models/workload.h) on an NPU: each op through the kernel library with
// the preset's default schedule, identical ops simulated once.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/workload.h"
#include "sim/config/npu_config.h"

namespace npusim::schedules {

struct OpResult {
    models::Op op;
    uint64_t cycles = 0;               // one run
    double seconds = 0, energy_j = 0;  // one run
    uint64_t dram_bytes = 0;           // one run, read + written
    std::string schedule;
};

struct PassResult {
    std::vector<OpResult> ops;
    double seconds = 0, energy_j = 0;  // ops x counts
    uint64_t dram_bytes = 0;
};

// Runs every op (count times, by multiplication: ops run back to back). `progress(done, total)`
// is called after each distinct op.
PassResult run_pass(const std::vector<models::Op>& ops, const npu::NpuConfig& cfg,
                    const std::function<void(size_t, size_t)>& progress = {});

}  // namespace npusim::schedules
