#include "sim/simulator.h"

#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "base/errors.h"
#include "sim/control/prepared_program.h"
#include "sim/energy/energy_model.h"
#include "sim/mac/mac_array.h"
#include "sim/npu_model.h"
#include "sim/sram/sram_plan.h"

namespace npu {

namespace {

std::mutex& kernel_lock() {
    static std::mutex m;
    return m;
}

NpuModel& model() {
    static std::unique_ptr<NpuModel> m = [] {
        setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
        // Some of our threads are dynamic; SystemC warns about them otherwise.
        sc_core::sc_report_handler::set_actions(sc_core::SC_ID_INSTANCE_EXISTS_, sc_core::SC_DO_NOTHING);
        auto p = std::make_unique<NpuModel>("npu");
        sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate; engine threads park on their queues
        return p;
    }();
    return *m;
}

uint64_t ceil_div_d(double a, double b) {
    return static_cast<uint64_t>(std::ceil(a / b));
}

}  // namespace

Report simulate(const Program& program, const NpuConfig& cfg, TraceRecorder* trace) {
    SramPlan plan = plan_sram(program, cfg);
    PreparedProgram prepared = prepare_program(program);

    std::lock_guard<std::mutex> lock(kernel_lock());
    NpuModel& m = model();
    RunStats stats;
    stats.tensor_bytes.assign(program.tensors.size(), 0);
    if (trace) trace->clear();
    start_run_clock();
    m.configure(cfg, stats, trace);
    m.controller.start(prepared, cfg, trace != nullptr);
    sc_core::sc_start();
    const uint64_t cycles = m.controller.finish();

    Report r;
    r.program = program.name;
    r.preset = cfg.name;
    r.cycles = cycles;
    if (stats.compute_first <= stats.compute_last && stats.compute_last <= cycles) {
        r.fill_cycles = stats.compute_first;
        r.drain_cycles = cycles - stats.compute_last;
    }
    r.seconds = static_cast<double>(cycles) * cfg.cycle_seconds();
    r.dram_bytes_read = stats.dram_read;
    r.dram_bytes_written = stats.dram_written;
    r.dram_bus_bytes_read = stats.dram_bus_read;
    r.dram_bus_bytes_written = stats.dram_bus_written;
    for (int l = 0; l < kSramLevels; ++l) {
        const auto level = static_cast<SramLevel>(l);
        if (level == SramLevel::Shared && cfg.sram_shared_bytes == 0) continue;
        r.sram_bytes_read[sram_level_name(level)] = stats.sram_read[l];
        r.sram_bytes_written[sram_level_name(level)] = stats.sram_written[l];
    }
    r.sram_peak_bytes_by_level = plan.bytes_by_level;
    r.sram_peak_bytes = plan.total;
    r.mac_ops_by_type = stats.macs;
    // The roofline of the same work on all cores: MACs at each precision's peak rate, and the
    // requested DRAM bytes at the peak bandwidth.
    double compute_bound = 0;
    const double pes = static_cast<double>(cfg.mac_rows * cfg.mac_cols * cfg.cores);
    for (const auto& [prec, n] : stats.macs) {
        r.mac_ops += n;
        compute_bound += static_cast<double>(n) / (pes * mac_rate(cfg, prec));
    }
    r.vector_ops = stats.vector_ops;
    r.compute_bound_cycles = static_cast<uint64_t>(std::ceil(compute_bound));
    r.memory_bound_cycles =
        ceil_div_d(static_cast<double>(stats.dram_read + stats.dram_written), cfg.dram_bytes_per_cycle);
    r.roofline_cycles = std::max(r.compute_bound_cycles, r.memory_bound_cycles);
    // Each tensor once; a tensor the program only partly touches (an embedding table it gathers
    // rows from) counts only the bytes it moved.
    for (size_t i = 0; i < program.tensors.size(); ++i) {
        const Tensor& t = program.tensors[i];
        uint64_t elements = 1;
        for (int64_t e : t.shape)
            elements *= static_cast<uint64_t>(e);
        r.compulsory_dram_bytes += std::min(packed_bytes(elements, t.dtype), stats.tensor_bytes[i]);
    }
    r.kernel_roofline_cycles = std::max(
        r.compute_bound_cycles,
        ceil_div_d(static_cast<double>(r.compulsory_dram_bytes), cfg.dram_bytes_per_cycle * cfg.dram_efficiency));
    r.roofline_fraction = cycles ? static_cast<double>(r.kernel_roofline_cycles) / static_cast<double>(cycles) : 0;
    // Fraction of the arrays' peak (at each precision's rate) spent on useful MACs.
    r.mac_utilisation = cycles ? compute_bound / static_cast<double>(cycles) : 0;
    for (const auto& [name, c] : stats.engines) {
        r.instructions += c.instructions;
        r.engines.push_back({name, c.busy_cycles, c.instructions,
                             cycles ? static_cast<double>(c.busy_cycles) / static_cast<double>(cycles) : 0});
    }
    r.engines.push_back({"dram", m.dram.busy_cycles(), 0,
                         cycles ? static_cast<double>(m.dram.busy_cycles()) / static_cast<double>(cycles) : 0});
    r.energy_j_by_component = price_energy(stats, cfg, r.seconds);
    for (const auto& [c, e] : r.energy_j_by_component)
        r.energy_j += e;
    r.average_power_w = r.seconds > 0 ? r.energy_j / r.seconds : 0;
    return r;
}

}  // namespace npu
