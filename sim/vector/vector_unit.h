#pragma once
// The vector unit engine of one core: elementwise instructions, one at a time. Duration: one
// pipeline fill, then for each op of the chain ceil(elements / lanes) lane-vectors at the op's cost
// (vector.cost.<op>), or longer if the SRAM ports cannot feed it.
#include <string>
#include <vector>

#include "sim/control/core_context.h"
#include "sim/control/engine_queue.h"
#include "sim/program.h"
#include "sim/systemc.h"

namespace npu {

struct VectorRequest {
    std::vector<VectorOp> ops;
    int64_t elements = 0;
    std::vector<std::pair<SramLevel, uint64_t>> reads;  // SRAM level, bytes
    std::pair<SramLevel, uint64_t> write;
    std::string trace_args;
    sc_core::sc_event* done = nullptr;
};

uint64_t vector_cycles(const NpuConfig& cfg, const std::vector<VectorOp>& ops, int64_t elements);
// Lane-cycles of cost per element of the chain: the sum of vector.cost.<op>.
uint64_t vector_chain_cost(const NpuConfig& cfg, const std::vector<VectorOp>& ops);

class VectorUnit : public sc_core::sc_module {
public:
    VectorUnit(const sc_core::sc_module_name& name, int core);
    void configure(const CoreContext* ctx);
    EngineQueue<VectorRequest> queue;

private:
    void run();
    const CoreContext* ctx_ = nullptr;
};

}  // namespace npu
