#pragma once
// What an engine of one core sees during a run: the preset, the counters, the trace (or null),
// the shared DRAM and the SRAM ports it contends on.
#include <string>

#include "sim/config/npu_config.h"
#include "sim/control/run_stats.h"
#include "sim/dram/dram_model.h"
#include "sim/sram/sram_level.h"
#include "sim/sram/sram_port.h"
#include "sim/trace/trace_recorder.h"

namespace npu {

struct SramPorts {
    SramPort l1_read, l1_write, acc_read, acc_write;
};

struct CoreContext {
    const NpuConfig* cfg = nullptr;
    RunStats* stats = nullptr;
    TraceRecorder* trace = nullptr;
    DramModel* dram = nullptr;
    SramPorts* ports = nullptr;       // this core's
    SramPort* shared_read = nullptr;  // the shared level's, all cores
    SramPort* shared_write = nullptr;
    int core = 0;
    // This core's DMA channels' entries in stats->engines, resolved once per run (the hot path
    // avoids lookups); compute engines hold their own (ComputeEngine::configure).
    EngineCounters* dma_counters[kMaxDmaChannels] = {};

    SramPort& port(SramLevel level, bool write) const {
        if (level == SramLevel::Acc) return write ? ports->acc_write : ports->acc_read;
        if (level == SramLevel::Shared) return write ? *shared_write : *shared_read;
        return write ? ports->l1_write : ports->l1_read;
    }
};

}  // namespace npu
