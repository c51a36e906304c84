#pragma once
// The vector unit engine: elementwise instructions, one at a time.
#include <string>
#include <vector>

#include "sim/config/npu_config.h"
#include "sim/control/engine_queue.h"
#include "sim/control/run_stats.h"
#include "sim/program.h"
#include "sim/systemc.h"

namespace npu {

struct VectorRequest {
    VectorOp op = VectorOp::Copy;
    int64_t elements = 0;
    std::vector<std::pair<std::string, uint64_t>> reads;  // SRAM level, bytes
    std::pair<std::string, uint64_t> write;
    sc_core::sc_event* done = nullptr;
};

class VectorUnit : public sc_core::sc_module {
public:
    explicit VectorUnit(const sc_core::sc_module_name& name);
    void configure(const NpuConfig* cfg, RunStats* stats);
    EngineQueue<VectorRequest> queue;

private:
    void run();
    const NpuConfig* cfg_ = nullptr;
    RunStats* stats_ = nullptr;
};

}  // namespace npu
