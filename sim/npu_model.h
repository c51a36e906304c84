#pragma once
// The SystemC NPU: a shared DRAM and shared SRAM level, and kMaxCores cores each with DMA
// channels, a MAC array, a vector unit and its own SRAM ports; one controller. Elaborated once per
// process; every parameter (including how many cores and channels are enabled) is run-time data,
// so one elaboration serves any number of runs with any presets (SystemC cannot re-elaborate,
// E529, nor restart after sc_stop, E546).
#include <memory>
#include <string>
#include <vector>

#include "sim/control/controller.h"
#include "sim/dram/fcfs_bus_dram.h"
#include "sim/systemc.h"

namespace npu {

// Engines are reported as "dma0", "mac", ... on one core and "core1.mac", ... on several.
inline std::string engine_prefix(const NpuConfig& cfg, int core) {
    return cfg.cores > 1 ? "core" + std::to_string(core) + "." : "";
}

class NpuModel : public sc_core::sc_module {
public:
    struct Core {
        Core(int i)
            : dma(("dma" + std::to_string(i)).c_str(), i),
              mac(("mac" + std::to_string(i)).c_str(), i),
              vec(("vector" + std::to_string(i)).c_str(), i) {}
        DmaEngine dma;
        MacArray mac;
        VectorUnit vec;
        SramPorts ports;
        CoreContext ctx;
    };

    explicit NpuModel(const sc_core::sc_module_name& name) : sc_module(name), controller(make_cores()) {}

    // Points every engine at this run's preset, counters and trace; creates the counters of the
    // enabled engines (so idle ones still appear in the report).
    void configure(const NpuConfig& cfg, RunStats& stats, TraceRecorder* trace) {
        dram.configure(cfg);
        shared_read.configure(static_cast<double>(cfg.sram_shared_bytes_per_cycle));
        shared_write.configure(static_cast<double>(cfg.sram_shared_bytes_per_cycle));
        for (int i = 0; i < kMaxCores; ++i) {
            Core& c = *cores[static_cast<size_t>(i)];
            c.ports.l1_read.configure(cfg.l1_bytes_per_cycle());
            c.ports.l1_write.configure(cfg.l1_bytes_per_cycle());
            c.ports.acc_read.configure(static_cast<double>(cfg.sram_acc_bytes_per_cycle));
            c.ports.acc_write.configure(static_cast<double>(cfg.sram_acc_bytes_per_cycle));
            c.ctx = CoreContext{&cfg, &stats, trace, &dram, &c.ports, &shared_read, &shared_write, i};
            // std::map keeps these pointers valid as entries are added; a disabled core's engines
            // count into a scratch entry that the report never sees.
            const bool enabled = i < cfg.cores;
            const std::string prefix = engine_prefix(cfg, i);
            auto counters = [&](const std::string& engine) {
                return enabled ? &stats.engines[prefix + engine] : &idle_;
            };
            if (enabled)
                for (int ch = 0; ch < cfg.dma_channels; ++ch)
                    c.ctx.dma_counters[ch] = counters("dma" + std::to_string(ch));
            c.dma.configure(&c.ctx);
            c.mac.configure(&c.ctx, counters(c.mac.role()));
            c.vec.configure(&c.ctx, counters(c.vec.role()));
        }
    }

    FcfsBusDram dram;
    SramPort shared_read, shared_write;
    std::vector<std::unique_ptr<Core>> cores;
    Controller controller;

private:
    EngineCounters idle_;
    std::vector<CoreEngines> make_cores() {
        std::vector<CoreEngines> engines;
        for (int i = 0; i < kMaxCores; ++i) {
            cores.push_back(std::make_unique<Core>(i));
            engines.push_back({&cores.back()->dma, &cores.back()->mac, &cores.back()->vec});
        }
        return engines;
    }
};

}  // namespace npu
