#pragma once
// The MAC array engine of one core: executes MatMul instructions one at a time. Its duration is
// the dataflow's array time (mac_timing.h) or, if longer, the time the SRAM ports need to feed
// the operands and the partial sums.
#include <string>

#include "sim/control/compute_engine.h"
#include "sim/program.h"
#include "sim/systemc.h"

namespace npu {

struct MacRequest {
    int64_t m = 0, n = 0, k = 0;
    DType a_type = DType::Int8, b_type = DType::Int8, acc_type = DType::Int32;
    SramLevel a_level = SramLevel::L1, b_level = SramLevel::L1, acc_level = SramLevel::Acc;
    nlohmann::ordered_json trace_args;  // filled only when tracing
    sc_core::sc_event* done = nullptr;
};

// Which per-PE rate and energy class a MatMul's (activation a, weight b) types use: "int8",
// "int4" or "fp16" when both sides are alike (the wider decides), else a mixed pair "a8w4",
// "a16w8", "a16w4", "f16w8" or "f16w4" (mac.<pair>_per_pe_cycle).
std::string mac_precision(DType a, DType b);
// MACs per PE per cycle of that class; 0 for a pair the array has no native path for.
double mac_rate(const NpuConfig& cfg, const std::string& precision);
// "" if the preset's array runs the pair, else why not (naming the parameter).
std::string unsupported_pair(const NpuConfig& cfg, DType a, DType b);

class MacArray : public ComputeEngine<MacRequest> {
public:
    MacArray(const sc_core::sc_module_name& name, int core) : ComputeEngine(name, core, "mac") {}

private:
    Served serve(const MacRequest& r, uint64_t start) override;
};

}  // namespace npu
