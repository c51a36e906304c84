#pragma once
// What one simulation run measured. Every counter is an exact event count; energy is priced from
// the preset's table; the roofline is the bound for the same work (same MACs, same DRAM bytes).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace npu {

struct EngineUse {
    std::string name;
    uint64_t busy_cycles = 0;
    uint64_t instructions = 0;
    double utilisation = 0;  // busy / total cycles
};

struct Report {
    std::string program, preset;
    uint64_t cycles = 0;
    double seconds = 0;
    // Work
    uint64_t mac_ops = 0;                             // multiply-accumulates, all precisions
    std::map<std::string, uint64_t> mac_ops_by_type;  // "int8", "int4", "fp16"
    uint64_t vector_ops = 0;                          // element-operations
    uint64_t instructions = 0;
    // Memory traffic
    uint64_t dram_bytes_read = 0, dram_bytes_written = 0;                 // bytes the program asked for
    uint64_t dram_bus_bytes_read = 0, dram_bus_bytes_written = 0;         // whole bursts on the bus
    std::map<std::string, uint64_t> sram_bytes_read, sram_bytes_written;  // per level
    std::map<std::string, uint64_t> sram_peak_bytes_by_level;
    uint64_t sram_peak_bytes = 0;
    // Energy (joules) by component and total
    std::map<std::string, double> energy_j_by_component;
    double energy_j = 0;
    double average_power_w = 0;
    // Bounds for the same work
    uint64_t compute_bound_cycles = 0, memory_bound_cycles = 0, roofline_cycles = 0;
    double mac_utilisation = 0;  // MACs / (peak MACs per cycle * cycles)
    // The kernel's own bound, whatever the schedule: its MACs at peak, and each DRAM tensor read
    // or written exactly once (`compulsory_dram_bytes`; only the bytes moved, if fewer: a gather)
    // at the sustained bandwidth
    // (dram.bytes_per_cycle x dram.efficiency). roofline_fraction = kernel_roofline / cycles.
    uint64_t compulsory_dram_bytes = 0, kernel_roofline_cycles = 0;
    double roofline_fraction = 0;
    std::vector<EngineUse> engines;
    // Cycles before the first compute instruction started (loads only) and after the last one
    // ended (stores only); 0 for a program without compute. A graph runtime runs the next op's
    // fill while the DRAM bus is idle during this one.
    uint64_t fill_cycles = 0, drain_cycles = 0;
    // Host-side time the vendor runtime adds when the program runs on its own as a single-op graph
    // (set by the orchestration layer from the preset's runtime: section; 0 from the bare simulator).
    double runtime_s = 0;

    std::string to_json() const;
    std::string to_table() const;
};

}  // namespace npu
