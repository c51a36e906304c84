#pragma once
// The MAC array engine of one core: executes MatMul instructions one at a time. Its duration is
// the dataflow's array time (mac_timing.h) or, if longer, the time the SRAM ports need to feed
// the operands and the partial sums.
#include <string>

#include "sim/control/core_context.h"
#include "sim/control/engine_queue.h"
#include "sim/program.h"
#include "sim/systemc.h"

namespace npu {

struct MacRequest {
    int64_t m = 0, n = 0, k = 0;
    DType a_type = DType::Int8, b_type = DType::Int8, acc_type = DType::Int32;
    SramLevel a_level = SramLevel::L1, b_level = SramLevel::L1, acc_level = SramLevel::Acc;
    std::string trace_args;  // filled only when tracing
    sc_core::sc_event* done = nullptr;
};

// Which per-PE rate and energy class a pair of operand types uses: the wider operand decides.
std::string mac_precision(DType a, DType b);
double mac_rate(const NpuConfig& cfg, const std::string& precision);

class MacArray : public sc_core::sc_module {
public:
    MacArray(const sc_core::sc_module_name& name, int core);
    void configure(const CoreContext* ctx);
    EngineQueue<MacRequest> queue;

private:
    void run();
    const CoreContext* ctx_ = nullptr;
};

}  // namespace npu
