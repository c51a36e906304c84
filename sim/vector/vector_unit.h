#pragma once
// The vector unit engine of one core: elementwise instructions, one at a time. Duration: one
// pipeline fill, then for each op of the chain ceil(elements / lanes) lane-vectors at the op's cost
// (vector.cost.<op>), or longer if the SRAM ports cannot feed it.
#include <string>
#include <vector>

#include "sim/control/compute_engine.h"
#include "sim/program.h"
#include "sim/systemc.h"

namespace npu {

struct VectorRequest {
    std::vector<VectorOp> ops;
    int64_t elements = 0;
    std::vector<std::pair<SramLevel, uint64_t>> reads;  // SRAM level, bytes
    std::pair<SramLevel, uint64_t> write;
    nlohmann::ordered_json trace_args;
    sc_core::sc_event* done = nullptr;
};

uint64_t vector_cycles(const NpuConfig& cfg, const std::vector<VectorOp>& ops, int64_t elements);
// Lane-cycles of cost per element of the chain: the sum of vector.cost.<op>.
uint64_t vector_chain_cost(const NpuConfig& cfg, const std::vector<VectorOp>& ops);

class VectorUnit : public ComputeEngine<VectorRequest> {
public:
    VectorUnit(const sc_core::sc_module_name& name, int core) : ComputeEngine(name, core, "vector") {}

private:
    Served serve(const VectorRequest& r, uint64_t start) override;
};

}  // namespace npu
