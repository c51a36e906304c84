#pragma once
// The MAC array engine: executes MatMul instructions one at a time with the weight-stationary
// timing of weight_stationary.h, counting MACs by precision and operand SRAM traffic.
#include <string>

#include "sim/config/npu_config.h"
#include "sim/control/engine_queue.h"
#include "sim/control/run_stats.h"
#include "sim/program.h"
#include "sim/systemc.h"

namespace npu {

struct MacRequest {
    int64_t m = 0, n = 0, k = 0;
    DType a_type = DType::Int8, b_type = DType::Int8, acc_type = DType::Int32;
    std::string a_level, b_level, acc_level;
    sc_core::sc_event* done = nullptr;
};

// Which per-PE rate and energy class a pair of operand types uses: the wider operand decides.
std::string mac_precision(DType a, DType b);
double mac_rate(const NpuConfig& cfg, const std::string& precision);

class MacArray : public sc_core::sc_module {
public:
    explicit MacArray(const sc_core::sc_module_name& name);
    void configure(const NpuConfig* cfg, RunStats* stats);
    EngineQueue<MacRequest> queue;

private:
    void run();
    const NpuConfig* cfg_ = nullptr;
    RunStats* stats_ = nullptr;
};

}  // namespace npu
