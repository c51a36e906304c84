// The parameter table: the one place each NPU parameter is declared.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>
#include <variant>

#include "base/errors.h"
#include "sim/config/npu_config.h"
#include "sim/program.h"

namespace npu {

namespace {

constexpr double kBig = 9.0e15;  // integers stay exact in a double below 2^53

// A vector-op cost lives in an array; the variant names it by op index.
struct VectorCost {
    int op;
};

struct Binding {
    ParamSpec spec;
    std::variant<int64_t NpuConfig::*, double NpuConfig::*, std::string NpuConfig::*, VectorCost> field;
};

using C = NpuConfig;
constexpr ParamType I = ParamType::Int, F = ParamType::Float, S = ParamType::String;

std::vector<Binding> make_bindings() {
    std::vector<Binding> t = {
        {{"name", S, "", 0, 0, "preset name"}, &C::name},
        {{"description", S, "", 0, 0, "what NPU class this preset models"}, &C::description},
        {{"clock_mhz", F, "MHz", 1, 1e5, "NPU clock; one simulated cycle is one period"}, &C::clock_mhz},
        {{"cores", I, "", 1, kMaxCores,
          "NPU cores; each has its own DMA channels, MAC array, vector unit, l1 and acc SRAM"},
         &C::cores},
        {{"dram.bytes_per_cycle", F, "B/cycle", 0.01, 1e6, "peak DRAM bandwidth, shared by all cores and channels"},
         &C::dram_bytes_per_cycle},
        {{"dram.capacity_bytes", F, "B", 1e3, 1e13,
          "DRAM a model may occupy (weights, KV cache, activations): the memory budget `npusim model` checks"},
         &C::dram_capacity_bytes},
        {{"dram.efficiency", F, "", 0.01, 1, "sustained fraction of the peak (refresh, bank conflicts, scheduling)"},
         &C::dram_efficiency},
        {{"dram.latency_cycles", I, "cycles", 0, 1e7, "first-byte latency of a DRAM transfer"},
         &C::dram_latency_cycles},
        {{"dram.burst_bytes", I, "B", 1, 1 << 20,
          "DRAM burst; a row that starts off a burst boundary or is not whole bursts pays for whole bursts"},
         &C::dram_burst_bytes},
        {{"dram.transfer_overhead_cycles", I, "cycles", 0, 1e6, "bus cycles lost per transfer (command, activation)"},
         &C::dram_transfer_overhead_cycles},
        {{"dram.turnaround_cycles", I, "cycles", 0, 1e6, "bus cycles lost when it switches between read and write"},
         &C::dram_turnaround_cycles},
        {{"dma.channels", I, "", 1, kMaxDmaChannels, "DMA channels per core that can transfer concurrently"},
         &C::dma_channels},
        {{"dma.queue_depth", I, "descriptors", 1, 1024,
          "descriptors a channel holds; an issuing thread waits when every channel is full"},
         &C::dma_queue_depth},
        {{"dma.setup_cycles", I, "cycles", 0, 1e7, "cycles to set up one DMA descriptor"}, &C::dma_setup_cycles},
        {{"sram.l1_bytes", I, "B", 1, kBig, "operand SRAM per core (level l1; Halide MemoryType::VTCM)"},
         &C::sram_l1_bytes},
        {{"sram.l1_banks", I, "", 1, 1024, "banks of the operand SRAM"}, &C::sram_l1_banks},
        {{"sram.l1_bank_bytes", I, "B/cycle", 1, 4096, "bytes a bank reads or writes per cycle"},
         &C::sram_l1_bank_bytes},
        {{"sram.acc_bytes", I, "B", 1, kBig, "accumulator SRAM per core (level acc; Halide MemoryType::LockedCache)"},
         &C::sram_acc_bytes},
        {{"sram.acc_bytes_per_cycle", I, "B/cycle", 1, 1e6, "accumulator SRAM bandwidth (each direction)"},
         &C::sram_acc_bytes_per_cycle},
        {{"sram.shared_bytes", I, "B", 0, kBig, "SRAM shared by all cores (level shared); 0 if there is none"},
         &C::sram_shared_bytes},
        {{"sram.shared_bytes_per_cycle", I, "B/cycle", 1, 1e6, "shared SRAM bandwidth (each direction)"},
         &C::sram_shared_bytes_per_cycle},
        {{"mac.rows", I, "PEs", 1, 65536, "MAC array rows (reduction dimension K)"}, &C::mac_rows},
        {{"mac.cols", I, "PEs", 1, 65536, "MAC array columns (output channels N)"}, &C::mac_cols},
        {{"mac.dataflow", S, "", 0, 0,
          "ws: weight-stationary systolic, os: output-stationary systolic, dot: dot-product (vector-MAC) rows",
          "ws|os|dot"},
         &C::mac_dataflow},
        {{"mac.int8_per_pe_cycle", F, "MAC/PE/cycle", 0.001, 64, "INT8 MACs per processing element per cycle"},
         &C::mac_int8_per_pe_cycle},
        {{"mac.int4_per_pe_cycle", F, "MAC/PE/cycle", 0.001, 64, "INT4 MACs per processing element per cycle"},
         &C::mac_int4_per_pe_cycle},
        {{"mac.fp16_per_pe_cycle", F, "MAC/PE/cycle", 0.001, 64, "FP16 MACs per processing element per cycle"},
         &C::mac_fp16_per_pe_cycle},
        {{"mac.a8w4_per_pe_cycle", F, "MAC/PE/cycle", 0, 64,
          "INT8 activations x INT4 weights natively (weights unpacked in the array, mac.int4_unpack_cycles per "
          "fold); 0: no such path"},
         &C::mac_a8w4_per_pe_cycle},
        {{"mac.a16w8_per_pe_cycle", F, "MAC/PE/cycle", 0, 64,
          "16-bit integer activations x INT8 weights natively (QNN's A16W8); 0: no such path"},
         &C::mac_a16w8_per_pe_cycle},
        {{"mac.a16w4_per_pe_cycle", F, "MAC/PE/cycle", 0, 64,
          "16-bit integer activations x INT4 weights natively (QNN's A16W4); 0: no such path"},
         &C::mac_a16w4_per_pe_cycle},
        {{"mac.f16w8_per_pe_cycle", F, "MAC/PE/cycle", 0, 64,
          "FP16 activations x INT8 weights natively (scaled after accumulation); 0: no such path"},
         &C::mac_f16w8_per_pe_cycle},
        {{"mac.f16w4_per_pe_cycle", F, "MAC/PE/cycle", 0, 64,
          "FP16 activations x INT4 weights natively (scaled after accumulation); 0: no such path"},
         &C::mac_f16w4_per_pe_cycle},
        {{"mac.accumulator_rows", I, "rows", 1, 1 << 24,
          "output rows the array's accumulators hold per column; more spill partial sums to the acc SRAM"},
         &C::mac_accumulator_rows},
        {{"mac.weight_buffers", I, "", 1, 2,
          "ws weight buffers: 1 loads a fold's weights after the last one drains (as SCALE-Sim); 2 loads the next "
          "fold's weights while this one streams (a weight FIFO)"},
         &C::mac_weight_buffers},
        {{"mac.int4_unpack_cycles", I, "cycles/fold", 0, 1e6,
          "cycles to unpack a fold of INT4 weights for INT8 activations (W4A8)"},
         &C::mac_int4_unpack_cycles},
        {{"vector.lanes", I, "elements", 1, 65536, "elements the vector unit processes per cycle per op"},
         &C::vector_lanes},
        {{"vector.pipeline_cycles", I, "cycles", 0, 1e6, "pipeline fill paid once per vector instruction"},
         &C::vector_pipeline_cycles},
        {{"control.issue_cycles", I, "cycles", 0, 1e6, "controller cycles to issue one instruction"},
         &C::control_issue_cycles},
        {{"runtime.graph_execute_us", F, "us", 0, 1e6,
          "vendor runtime cost of one graph execution (submit, completion, host synchronisation)"},
         &C::runtime_graph_execute_us},
        {{"runtime.op_dispatch_us", F, "us", 0, 1e5, "vendor runtime cost of dispatching one op inside a graph"},
         &C::runtime_op_dispatch_us},
        {{"runtime.graph_max_ms", F, "ms", 0, 1e6,
          "the runtime splits a graph that would run longer into graphs of at most this long (each pays "
          "runtime.graph_execute_us); 0: never split"},
         &C::runtime_graph_max_ms},
        {{"runtime.deployment", S, "", 0, 0,
          "graph: a model runs one graph per pass or decode step (whole-model deployment); op: one graph per op "
          "(as single-op benchmarks measure)",
          "graph|op"},
         &C::runtime_deployment},
        {{"runtime.prepare_s", F, "s", 0, 1e4,
          "vendor runtime time to build and optimise a model's graphs before their first execution (cold start)"},
         &C::runtime_prepare_s},
        {{"storage.read_bytes_per_s", F, "B/s", 1e6, 1e12,
          "sequential read bandwidth of the storage holding the weights"},
         &C::storage_read_bytes_per_s},
        {{"storage.fault_bytes", I, "B", 4096, 1 << 30,
          "bytes one page fault on memory-mapped weights reads: the page and the kernel's readahead"},
         &C::storage_fault_bytes},
        {{"storage.fault_us", F, "us", 0, 1e5, "latency of one page fault served from storage, besides its transfer"},
         &C::storage_fault_us},
        {{"thermal.ambient_c", F, "C", -40, 80, "ambient temperature the device starts at and cools towards"},
         &C::thermal_ambient_c},
        {{"thermal.resistance_c_per_w", F, "C/W", 0.01, 1000,
          "thermal resistance from the chip to ambient: the steady temperature rise per watt"},
         &C::thermal_resistance_c_per_w},
        {{"thermal.capacitance_j_per_c", F, "J/C", 0.01, 1e6, "heat capacity of the chip and what it heats with it"},
         &C::thermal_capacitance_j_per_c},
        {{"thermal.limit_c", F, "C", 0, 150, "temperature above which DVFS lowers the clock; 0: no thermal limit"},
         &C::thermal_limit_c},
        {{"thermal.hysteresis_c", F, "C", 0, 50, "the clock steps up again once the chip is this far below the limit"},
         &C::thermal_hysteresis_c},
        {{"thermal.dvfs_levels", I, "levels", 1, 64,
          "clock levels of the DVFS table, evenly spaced from clock_mhz down to thermal.min_clock_fraction"},
         &C::thermal_dvfs_levels},
        {{"thermal.min_clock_fraction", F, "", 0.05, 1, "lowest DVFS level, as a fraction of clock_mhz"},
         &C::thermal_min_clock_fraction},
        {{"thermal.power_exponent", F, "", 1, 4,
          "dynamic power at a lower clock scales by (clock fraction)^(exponent - 1) per operation: the supply "
          "voltage follows the clock"},
         &C::thermal_power_exponent},
        {{"thermal.other_w", F, "W", 0, 1000,
          "power of the rest of the device while a model runs (host CPU driving the runtime, display), which "
          "heats it too"},
         &C::thermal_other_w},
        {{"runtime.float_ops", S, "", 0, 0,
          "where the vendor runtime runs an op computing in float (fp16 activations): npu, or cpu where its "
          "compiler maps only integer ops",
          "npu|cpu"},
         &C::runtime_float_ops},
        {{"cpu.cores", I, "cores", 1, 64, "CPU cores the runtime runs fallback ops on, in parallel"}, &C::cpu_cores},
        {{"cpu.clock_mhz", F, "MHz", 1, 10000, "clock of those cores"}, &C::cpu_clock_mhz},
        {{"cpu.int8_macs_per_cycle", F, "MAC/core/cycle", 0.1, 4096,
          "INT8 multiply-accumulates per core per cycle (SIMD dot products)"},
         &C::cpu_int8_macs_per_cycle},
        {{"cpu.fp16_macs_per_cycle", F, "MAC/core/cycle", 0.1, 4096, "FP16 multiply-accumulates per core per cycle"},
         &C::cpu_fp16_macs_per_cycle},
        {{"cpu.fp32_macs_per_cycle", F, "MAC/core/cycle", 0.1, 4096,
          "FP32 multiply-accumulates (and elementwise float operations) per core per cycle"},
         &C::cpu_fp32_macs_per_cycle},
        {{"cpu.dram_bytes_per_s", F, "B/s", 1e6, 1e13, "DRAM bandwidth the CPU cores sustain together"},
         &C::cpu_dram_bytes_per_s},
        {{"cpu.op_overhead_us", F, "us", 0, 1e5,
          "fixed cost of one op on the CPU: dispatch to and joining of its threads"},
         &C::cpu_op_overhead_us},
        {{"cpu.handoff_us", F, "us", 0, 1e5,
          "a tensor handed between the NPU and the CPU: cache maintenance on the shared buffer and the signal "
          "that it is ready, besides copying it at cpu.dram_bytes_per_s"},
         &C::cpu_handoff_us},
        {{"cpu.active_w", F, "W", 0, 1000, "power of those cores while they run an op"}, &C::cpu_active_w},
        {{"energy.mac_int8_pj", F, "pJ/MAC", 0, 1e6, "energy of one INT8 multiply-accumulate"}, &C::energy_mac_int8_pj},
        {{"energy.mac_int4_pj", F, "pJ/MAC", 0, 1e6, "energy of one INT4 multiply-accumulate"}, &C::energy_mac_int4_pj},
        {{"energy.mac_fp16_pj", F, "pJ/MAC", 0, 1e6, "energy of one FP16 multiply-accumulate"}, &C::energy_mac_fp16_pj},
        {{"energy.l1_read_pj_per_byte", F, "pJ/B", 0, 1e6, "operand SRAM read energy"}, &C::energy_l1_read_pj_per_byte},
        {{"energy.l1_write_pj_per_byte", F, "pJ/B", 0, 1e6, "operand SRAM write energy"},
         &C::energy_l1_write_pj_per_byte},
        {{"energy.acc_pj_per_byte", F, "pJ/B", 0, 1e6, "accumulator SRAM read or write energy"},
         &C::energy_acc_pj_per_byte},
        {{"energy.shared_pj_per_byte", F, "pJ/B", 0, 1e6, "shared SRAM read or write energy"},
         &C::energy_shared_pj_per_byte},
        {{"energy.dram_pj_per_byte", F, "pJ/B", 0, 1e6, "DRAM energy per byte on the bus (whole bursts)"},
         &C::energy_dram_pj_per_byte},
        {{"energy.vector_pj_per_op", F, "pJ/op", 0, 1e6, "vector unit energy per element-operation"},
         &C::energy_vector_pj_per_op},
        {{"energy.static_mw", F, "mW", 0, 1e7, "static (leakage) power, charged over the run time"},
         &C::energy_static_mw},
    };
    // One cost per vector op, keyed by the op's program name: vector.cost.exp, ...
    static std::vector<std::string> keys, descriptions;
    if (keys.empty())
        for (int op = 0; op < kVectorOpCount; ++op) {
            keys.push_back(std::string("vector.cost.") + vector_op_name(static_cast<VectorOp>(op)));
            descriptions.push_back(std::string("cycles per lane-vector of `vector ") +
                                   vector_op_name(static_cast<VectorOp>(op)) + "`");
        }
    for (int op = 0; op < kVectorOpCount; ++op)
        t.push_back({{keys[static_cast<size_t>(op)].c_str(), I, "cycles", 1, 1e4,
                      descriptions[static_cast<size_t>(op)].c_str()},
                     VectorCost{op}});
    return t;
}

// The parameters `npusim calibrate` may fit, with physical bounds: rates and efficiencies a
// datasheet rarely states and real silicon and runtimes vary in. Everything else (sizes, counts,
// dataflow, peak bandwidth) is a design fact or integral, and is not fitted. Nor is the clock:
// DRAM bandwidth is stated per NPU cycle, so a fitted clock would move the DRAM's sourced peak.
struct FitBounds {
    const char* key;
    double lo, hi;
    const char* why;
};
const FitBounds kFitBounds[] = {
    {"dram.efficiency", 0.3, 0.95, "sustained LPDDR reads reach 60-90 % of peak; below 0.3 is contention"},
    {"mac.int8_per_pe_cycle", 0.25, 4, "a PE does at most a few INT8 MACs a cycle"},
    {"mac.int4_per_pe_cycle", 0.25, 8, "at most twice the INT8 bound"},
    {"mac.fp16_per_pe_cycle", 0.0625, 2, "FP16 costs a PE at least half an INT8 MAC"},
    {"mac.a8w4_per_pe_cycle", 0.25, 8, "as INT4"},
    {"mac.a16w8_per_pe_cycle", 0.0625, 2, "as FP16"},
    {"mac.a16w4_per_pe_cycle", 0.0625, 4, "as FP16, twice for packed weights"},
    {"mac.f16w8_per_pe_cycle", 0.0625, 2, "as FP16"},
    {"mac.f16w4_per_pe_cycle", 0.0625, 4, "as FP16, twice for packed weights"},
    {"runtime.graph_execute_us", 0, 2000, "a host-to-NPU round trip under 2 ms"},
    {"runtime.op_dispatch_us", 0, 100, "an op's dispatch inside a graph under 0.1 ms"},
};

const std::vector<Binding>& bindings() {
    static const std::vector<Binding> table = [] {
        std::vector<Binding> t = make_bindings();
        for (const FitBounds& f : kFitBounds)
            for (Binding& b : t)
                if (std::string(b.spec.key) == f.key) {
                    b.spec.fit_min = f.lo;
                    b.spec.fit_max = f.hi;
                    b.spec.fit_why = f.why;
                }
        return t;
    }();
    return table;
}

const Binding* find_binding(const std::string& key) {
    for (const Binding& b : bindings())
        if (key == b.spec.key) return &b;
    return nullptr;
}

std::string format_number(double v) {
    std::ostringstream s;
    s.precision(12);
    s << v;
    return s.str();
}

}  // namespace

const std::vector<ParamSpec>& param_specs() {
    static const std::vector<ParamSpec> specs = [] {
        std::vector<ParamSpec> v;
        for (const Binding& b : bindings())
            v.push_back(b.spec);
        return v;
    }();
    return specs;
}

void NpuConfig::set(const std::string& key, const std::string& value, const std::string& where) {
    const Binding* b = find_binding(key);
    if (!b) throw ConfigError(where + ": unknown key '" + key + "' (see `npusim info params`)");
    const ParamSpec& s = b->spec;
    auto range = [&] {
        return "[" + format_number(s.min) + ", " + format_number(s.max) + "]" +
               (s.unit[0] ? std::string(" ") + s.unit : "");
    };
    if (s.type == ParamType::String) {
        std::string choices = s.choices;
        if (!choices.empty() && ("|" + choices + "|").find("|" + value + "|") == std::string::npos)
            throw ConfigError(where + ": key '" + key + "' = '" + value + "' is not one of " + choices);
        this->*std::get<std::string NpuConfig::*>(b->field) = value;
        return;
    }
    const char* begin = value.c_str();
    char* end = nullptr;
    errno = 0;
    if (s.type == ParamType::Int) {
        long long v = std::strtoll(begin, &end, 10);
        if (value.empty() || *end != '\0')
            throw ConfigError(where + ": key '" + key + "' must be an integer, got '" + value + "'");
        if (errno == ERANGE || v < s.min || v > s.max)
            throw ConfigError(where + ": key '" + key + "' = " + value + " is out of range " + range());
        if (auto* c = std::get_if<VectorCost>(&b->field))
            vector_cost[c->op] = v;
        else
            this->*std::get<int64_t NpuConfig::*>(b->field) = v;
        return;
    }
    double v = std::strtod(begin, &end);
    if (value.empty() || *end != '\0')
        throw ConfigError(where + ": key '" + key + "' must be a number, got '" + value + "'");
    if (!std::isfinite(v) || v < s.min || v > s.max)
        throw ConfigError(where + ": key '" + key + "' = " + value + " is out of range " + range());
    this->*std::get<double NpuConfig::*>(b->field) = v;
}

void NpuConfig::validate() const {
    auto need = [&](bool ok, const std::string& msg) {
        if (!ok) throw ConfigError(source + ": " + msg);
    };
    const std::string burst = " (dram.burst_bytes = " + std::to_string(dram_burst_bytes) + ")";
    need(sram_l1_bytes >= dram_burst_bytes,
         "sram.l1_bytes = " + std::to_string(sram_l1_bytes) + " is smaller than one DRAM burst" + burst);
    need(sram_acc_bytes >= dram_burst_bytes,
         "sram.acc_bytes = " + std::to_string(sram_acc_bytes) + " is smaller than one DRAM burst" + burst);
    need(sram_shared_bytes == 0 || sram_shared_bytes >= dram_burst_bytes,
         "sram.shared_bytes = " + std::to_string(sram_shared_bytes) + " is neither 0 (none) nor at least one burst" +
             burst);
}

std::string param_value(const NpuConfig& cfg, const std::string& key) {
    const Binding* b = find_binding(key);
    if (!b) throw ConfigError("unknown parameter '" + key + "' (see `npusim info params`)");
    if (auto* f = std::get_if<int64_t NpuConfig::*>(&b->field)) return std::to_string(cfg.**f);
    if (auto* c = std::get_if<VectorCost>(&b->field)) return std::to_string(cfg.vector_cost[c->op]);
    if (auto* f = std::get_if<double NpuConfig::*>(&b->field)) return format_number(cfg.**f);
    return cfg.*std::get<std::string NpuConfig::*>(b->field);
}

std::string params_text(const NpuConfig& cfg) {
    std::string s;
    for (const ParamSpec& spec : param_specs())
        s += std::string(spec.key) + "=" + param_value(cfg, spec.key) + ";";
    return s;
}

}  // namespace npu
