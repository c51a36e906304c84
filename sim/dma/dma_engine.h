#pragma once
// The DMA engine of one core: up to kMaxChannels channel threads (the preset enables the first
// dma.channels), each with a descriptor queue of dma.queue_depth. A transfer pays the descriptor
// setup, then completes when both the shared DRAM bus has moved its whole bursts and the SRAM
// port has taken (or given) its bytes.
#include <string>
#include <vector>

#include "sim/control/core_context.h"
#include "sim/control/engine_queue.h"
#include "sim/dma/box_transfer.h"
#include "sim/systemc.h"

namespace npu {

struct DmaRequest {
    bool to_dram = false;  // DmaOut
    uint64_t address = 0;  // DRAM byte address of the box's first element
    std::vector<BoxExtent> dims;
    int64_t elem_bytes = 1;
    int tensor = 0;  // index in the program's tensors
    SramLevel sram_level = SramLevel::L1;
    std::string trace_name;  // filled only when tracing, as are the arguments
    nlohmann::ordered_json trace_args;
    sc_core::sc_event* done = nullptr;
};

class DmaEngine : public sc_core::sc_module {
public:
    static constexpr int kMaxChannels = kMaxDmaChannels;  // sim/config/npu_config.h
    DmaEngine(const sc_core::sc_module_name& name, int core);
    void configure(const CoreContext* ctx);
    // Queues a transfer on the lowest-numbered idle channel, or else the least loaded one (a
    // choice that depends only on simulated state, so reports repeat exactly); waits while every
    // channel's queue is full.
    void submit(DmaRequest r);

private:
    void channel(int id);
    const CoreContext* ctx_ = nullptr;
    EngineQueue<DmaRequest> queues_[kMaxChannels];
    int load_[kMaxChannels] = {};  // queued + in flight
    sc_core::sc_event slot_freed_;
    std::vector<std::string> names_;
};

}  // namespace npu
