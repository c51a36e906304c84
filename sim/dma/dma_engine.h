#pragma once
// The DMA engine: up to kMaxChannels channel threads (the preset enables the first
// dma.channels) pull descriptors from one queue; each pays the descriptor setup, then waits for
// the shared DRAM to complete the transfer's whole bursts.
#include <string>
#include <vector>

#include "sim/config/npu_config.h"
#include "sim/control/engine_queue.h"
#include "sim/control/run_stats.h"
#include "sim/dma/box_transfer.h"
#include "sim/dram/dram_model.h"
#include "sim/systemc.h"

namespace npu {

struct DmaRequest {
    bool to_dram = false;  // DmaOut
    uint64_t address = 0;  // DRAM byte address of the box's first element
    std::vector<BoxExtent> dims;
    int64_t elem_bytes = 1;
    std::string sram_level;
    sc_core::sc_event* done = nullptr;
};

class DmaEngine : public sc_core::sc_module {
public:
    static constexpr int kMaxChannels = 16;
    DmaEngine(const sc_core::sc_module_name& name, DramModel& dram);
    void configure(const NpuConfig* cfg, RunStats* stats);
    // Queues a transfer on the lowest-numbered idle channel, or else the least loaded one: a
    // choice that depends only on simulated state, so reports are identical run to run.
    void submit(DmaRequest r);

private:
    void channel(int id);
    EngineQueue<DmaRequest> queues_[kMaxChannels];
    int load_[kMaxChannels] = {};  // queued + in flight
    DramModel& dram_;
    const NpuConfig* cfg_ = nullptr;
    RunStats* stats_ = nullptr;
    std::vector<std::string> names_;
};

}  // namespace npu
