#include "sim/dma/dma_engine.h"

#include <algorithm>

namespace npu {

DmaEngine::DmaEngine(const sc_core::sc_module_name& name, int core) : sc_module(name) {
    for (int i = 0; i < kMaxChannels; ++i) {
        names_.push_back("dma" + std::to_string(i));
        sc_core::sc_spawn([this, i] { channel(i); }, ("c" + std::to_string(core) + "_" + names_.back()).c_str());
    }
}

void DmaEngine::configure(const CoreContext* ctx) {
    ctx_ = ctx;
    for (int i = 0; i < kMaxChannels; ++i) {
        queues_[i].clear();
        load_[i] = 0;
    }
}

void DmaEngine::submit(DmaRequest r) {
    const int channels = static_cast<int>(ctx_->cfg->dma_channels);
    while (true) {
        int best = 0;
        for (int i = 1; i < channels; ++i)
            if (load_[i] < load_[best]) best = i;
        if (load_[best] < ctx_->cfg->dma_queue_depth) {
            ++load_[best];
            queues_[best].push(std::move(r));
            return;
        }
        sc_core::wait(slot_freed_);
    }
}

void DmaEngine::channel(int id) {
    while (true) {
        DmaRequest r = queues_[id].pop();
        const NpuConfig& cfg = *ctx_->cfg;
        RunStats& stats = *ctx_->stats;
        const uint64_t start = now_cycles();
        sc_core::wait(cycles(static_cast<uint64_t>(cfg.dma_setup_cycles)));
        const BoxCost c = box_cost(r.address, r.dims, r.elem_bytes, cfg.dram_burst_bytes);
        if (c.bus_bytes > 0) {
            const uint64_t now = now_cycles();
            const uint64_t dram_done = ctx_->dram->complete_at(now, c.bus_bytes, r.to_dram);
            const uint64_t sram_done = ctx_->port(r.sram_level, !r.to_dram).complete_at(now, c.bytes);
            sc_core::wait(cycles(std::max(dram_done, sram_done) - now));
        }
        stats.tensor_bytes[static_cast<size_t>(r.tensor)] += c.bytes;
        if (r.to_dram) {
            stats.dram_written += c.bytes;
            stats.dram_bus_written += c.bus_bytes;
            stats.sram_read[static_cast<int>(r.sram_level)] += c.bytes;
        } else {
            stats.dram_read += c.bytes;
            stats.dram_bus_read += c.bus_bytes;
            stats.sram_written[static_cast<int>(r.sram_level)] += c.bytes;
        }
        const uint64_t busy = now_cycles() - start;
        EngineCounters& e = *ctx_->dma_counters[id];
        e.busy_cycles += busy;
        e.instructions += 1;
        if (ctx_->trace) {
            nlohmann::ordered_json args = {{"bytes", c.bytes}, {"bus_bytes", c.bus_bytes}, {"rows", c.rows}};
            if (r.trace_args.is_object()) args.update(r.trace_args);
            ctx_->trace->add({ctx_->core, names_[static_cast<size_t>(id)], r.trace_name, start, busy, std::move(args)});
        }
        --load_[id];
        slot_freed_.notify(sc_core::SC_ZERO_TIME);
        r.done->notify();
    }
}

}  // namespace npu
