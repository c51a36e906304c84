#pragma once
// Prices a run's event counts with the preset's energy table. The components add up to the total
// by construction; tests check it.
#include <map>
#include <string>

#include "sim/config/npu_config.h"
#include "sim/control/run_stats.h"

namespace npu {

// Joules by component: mac, l1, acc, shared, dram, vector, static.
std::map<std::string, double> price_energy(const RunStats& s, const NpuConfig& cfg, double seconds);

}  // namespace npu
