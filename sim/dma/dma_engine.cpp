#include "sim/dma/dma_engine.h"

namespace npu {

DmaEngine::DmaEngine(const sc_core::sc_module_name& name, DramModel& dram) : sc_module(name), dram_(dram) {
    for (int i = 0; i < kMaxChannels; ++i) {
        names_.push_back("dma" + std::to_string(i));
        sc_core::sc_spawn([this, i] { channel(i); }, names_.back().c_str());
    }
}

void DmaEngine::configure(const NpuConfig* cfg, RunStats* stats) {
    cfg_ = cfg;
    stats_ = stats;
    for (int i = 0; i < kMaxChannels; ++i) {
        queues_[i].clear();
        load_[i] = 0;
    }
}

void DmaEngine::submit(DmaRequest r) {
    int best = 0;
    for (int i = 1; i < cfg_->dma_channels; ++i)
        if (load_[i] < load_[best]) best = i;
    ++load_[best];
    queues_[best].push(std::move(r));
}

void DmaEngine::channel(int id) {
    while (true) {
        DmaRequest r = queues_[id].pop([] { return true; });
        uint64_t start = now_cycles();
        sc_core::wait(cycles(static_cast<uint64_t>(cfg_->dma_setup_cycles)));
        BoxCost c = box_cost(r.address, r.dims, r.elem_bytes, cfg_->dram_burst_bytes);
        if (c.bus_bytes > 0) {
            uint64_t done = dram_.complete_at(now_cycles(), c.bus_bytes);
            sc_core::wait(cycles(done - now_cycles()));
        }
        if (r.to_dram) {
            stats_->dram_written += c.bytes;
            stats_->dram_bus_written += c.bus_bytes;
            stats_->sram_read[r.sram_level] += c.bytes;
        } else {
            stats_->dram_read += c.bytes;
            stats_->dram_bus_read += c.bus_bytes;
            stats_->sram_written[r.sram_level] += c.bytes;
        }
        EngineCounters& e = stats_->engines[names_[static_cast<size_t>(id)]];
        e.busy_cycles += now_cycles() - start;
        e.instructions += 1;
        --load_[id];
        r.done->notify();
    }
}

}  // namespace npu
