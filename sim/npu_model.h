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

class NpuModel : public sc_core::sc_module {
public:
    static constexpr int kMaxCores = 8;

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

    // Points every engine at this run's preset, counters and trace.
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
            c.ctx = {&cfg,          &stats,   trace,
                     &dram,         &c.ports, &shared_read,
                     &shared_write, i,        cfg.cores > 1 ? "core" + std::to_string(i) + "." : ""};
            c.dma.configure(&c.ctx);
            c.mac.configure(&c.ctx);
            c.vec.configure(&c.ctx);
        }
    }

    FcfsBusDram dram;
    SramPort shared_read, shared_write;
    std::vector<std::unique_ptr<Core>> cores;
    Controller controller;

private:
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
