#pragma once
// NpuConfig: every run-time parameter of the simulated NPU. Each field is declared once, with its
// type, unit, allowed range and description, in the table in npu_params.cpp; presets
// (configs/npu/*.yaml) must give every key, and an unknown key is an error.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/program.h"

namespace npu {

// Limits of the simulated hardware, declared once: the parameter table bounds `cores` and
// `dma.channels` by them, and the SystemC model builds this many cores and DMA channel threads.
constexpr int kMaxCores = 8;
constexpr int kMaxDmaChannels = 16;

struct NpuConfig {
    std::string name, description;
    double clock_mhz = 0;
    int64_t cores = 1;
    // DRAM, shared by every core
    double dram_bytes_per_cycle = 0;  // peak
    double dram_efficiency = 1;       // sustained fraction of peak
    double dram_capacity_bytes = 0;   // memory budget of a model
    int64_t dram_latency_cycles = 0;
    int64_t dram_burst_bytes = 0;
    int64_t dram_transfer_overhead_cycles = 0;
    int64_t dram_turnaround_cycles = 0;
    // DMA, per core
    int64_t dma_channels = 0;
    int64_t dma_queue_depth = 1;
    int64_t dma_setup_cycles = 0;
    // SRAM levels: l1 and acc per core, shared by all cores (0 bytes: absent)
    int64_t sram_l1_bytes = 0;
    int64_t sram_l1_banks = 1, sram_l1_bank_bytes = 1;
    int64_t sram_acc_bytes = 0;
    int64_t sram_acc_bytes_per_cycle = 1;
    int64_t sram_shared_bytes = 0;
    int64_t sram_shared_bytes_per_cycle = 1;
    // MAC array, per core
    int64_t mac_rows = 0, mac_cols = 0;
    std::string mac_dataflow = "ws";  // ws, os or dot
    double mac_int8_per_pe_cycle = 0, mac_int4_per_pe_cycle = 0, mac_fp16_per_pe_cycle = 0;
    // Native mixed-precision pairs (activation x weight): MACs per PE per cycle, 0 where the array
    // has no such path (the weights are then converted on the vector unit first).
    double mac_a8w4_per_pe_cycle = 0, mac_a16w8_per_pe_cycle = 0, mac_a16w4_per_pe_cycle = 0;
    double mac_f16w8_per_pe_cycle = 0, mac_f16w4_per_pe_cycle = 0;
    int64_t mac_accumulator_rows = 0;
    int64_t mac_int4_unpack_cycles = 0;
    int64_t mac_weight_buffers = 1;
    // Vector unit, per core
    int64_t vector_lanes = 0;
    int64_t vector_pipeline_cycles = 0;
    int64_t vector_cost[kVectorOpCount] = {};  // cycles per lane-vector, indexed by npu::VectorOp
    // Control
    int64_t control_issue_cycles = 0;
    // Vendor runtime around the NPU (host-side time, priced by the orchestration layer, not the model)
    double runtime_graph_execute_us = 0;       // one graph execution: submit, completion, host sync
    double runtime_op_dispatch_us = 0;         // each op inside a graph
    double runtime_graph_max_ms = 0;           // a longer graph is split into graphs this long; 0: never
    std::string runtime_deployment = "graph";  // graph: one graph per pass or step; op: one per op
    double runtime_prepare_s = 0;              // building and optimising a model's graphs before the first run
    // The device around the NPU (soc/): storage the weights load from, and heat
    double storage_read_bytes_per_s = 0;  // sequential read bandwidth
    int64_t storage_fault_bytes = 0;      // read by one page fault of memory-mapped weights
    double storage_fault_us = 0;          // latency of one such fault
    double thermal_ambient_c = 0, thermal_resistance_c_per_w = 0, thermal_capacitance_j_per_c = 0;
    double thermal_limit_c = 0, thermal_hysteresis_c = 0;  // limit 0: none
    int64_t thermal_dvfs_levels = 1;
    double thermal_min_clock_fraction = 1, thermal_power_exponent = 1, thermal_other_w = 0;
    // The CPU cores beside the NPU (soc/device.h): a roofline-plus-overhead device for the ops
    // placed on them, and the hand-off of a tensor between it and the NPU
    std::string runtime_float_ops = "npu";  // npu, or cpu: the NPU's compiler maps only integer ops
    int64_t cpu_cores = 1;
    double cpu_clock_mhz = 0, cpu_int8_macs_per_cycle = 0, cpu_fp16_macs_per_cycle = 0, cpu_fp32_macs_per_cycle = 0;
    double cpu_dram_bytes_per_s = 0, cpu_op_overhead_us = 0, cpu_handoff_us = 0, cpu_active_w = 0;
    // Energy
    double energy_mac_int8_pj = 0, energy_mac_int4_pj = 0, energy_mac_fp16_pj = 0;
    double energy_l1_read_pj_per_byte = 0, energy_l1_write_pj_per_byte = 0;
    double energy_acc_pj_per_byte = 0, energy_shared_pj_per_byte = 0, energy_dram_pj_per_byte = 0;
    double energy_vector_pj_per_op = 0, energy_static_mw = 0;

    std::string source;  // file the values came from

    double cycle_seconds() const { return 1e-6 / clock_mhz; }
    double l1_bytes_per_cycle() const { return static_cast<double>(sram_l1_banks * sram_l1_bank_bytes); }
    // Sets one parameter from text, as a preset line would; throws ConfigError naming `where`.
    void set(const std::string& key, const std::string& value, const std::string& where);
    // Checks the rules that span several parameters; throws ConfigError naming `source`.
    void validate() const;
};

enum class ParamType { Int, Float, String };

struct ParamSpec {
    const char* key;  // dotted YAML key, e.g. "dram.burst_bytes"
    ParamType type;
    const char* unit;
    double min, max;  // allowed range (inclusive) for numbers
    const char* description;
    const char* choices = "";  // for strings with a fixed set of values: "ws|os|dot"
    // Physical bounds within which `npusim calibrate` may fit the value; a parameter without them
    // (fit_min == fit_max) is a design fact, not fittable.
    double fit_min = 0, fit_max = 0;
    const char* fit_why = "";
    bool fittable() const { return fit_max > fit_min; }
};

const std::vector<ParamSpec>& param_specs();
// The value of `key` in `cfg`, as text.
std::string param_value(const NpuConfig& cfg, const std::string& key);
// Every parameter as "key=value;...": two configs with the same text simulate alike.
std::string params_text(const NpuConfig& cfg);

// One value of a preset file, after inheritance: its text, its comment (its source, "assumed" or
// "fitted ..."), and the file:line it came from.
struct PresetEntry {
    std::string value, comment, where;
};
// Where a preset value comes from, read from its comment: "fitted" (by `npusim calibrate`),
// "assumed", "sourced" (a [tag] naming a source in the file's header), or "unmarked".
std::string provenance(const std::string& comment);

// A preset file: `base: NAME` (or a path relative to the file) inherits every value of another
// preset, which the file's own keys override; it must give its own `name`.
struct PresetFile {
    NpuConfig config;
    std::string base;                            // "" for a preset without one
    std::map<std::string, PresetEntry> entries;  // every parameter, inherited ones included
};

// Loads a preset by name (configs/npu/<name>.yaml) or by path (anything with '/' or ending in
// .yaml). Throws ConfigError naming the file and key on any problem.
NpuConfig load_preset(const std::string& name_or_path);
PresetFile read_preset(const std::string& name_or_path);
NpuConfig parse_preset(const std::string& text, const std::string& source);
// A complete configuration from key -> text value; every parameter must be given.
NpuConfig config_from_values(const std::map<std::string, std::string>& values, const std::string& source);
// Names of the presets shipped in the config directory.
std::vector<std::string> preset_names();
// Those of them that inherit no other: the spec presets, which calibrated ones (`base:`) refine.
std::vector<std::string> spec_preset_names();

}  // namespace npu
