// The parameter table: the one place each NPU parameter is declared.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>
#include <variant>

#include "sim/config/npu_config.h"
#include "sim/errors.h"

namespace npu {

namespace {

constexpr double kBig = 9.0e15;  // integers stay exact in a double below 2^53

struct Binding {
    ParamSpec spec;
    std::variant<int64_t NpuConfig::*, double NpuConfig::*, std::string NpuConfig::*> field;
};

const std::vector<Binding>& bindings() {
    using C = NpuConfig;
    static const std::vector<Binding> table = {
        {{"name", ParamType::String, "", 0, 0, "preset name"}, &C::name},
        {{"description", ParamType::String, "", 0, 0, "what NPU class this preset models"}, &C::description},
        {{"clock_mhz", ParamType::Float, "MHz", 1, 1e5, "NPU clock; one simulated cycle is one period"}, &C::clock_mhz},
        {{"dram.bytes_per_cycle", ParamType::Float, "B/cycle", 0.01, 1e6, "DRAM bandwidth shared by all DMA channels"},
         &C::dram_bytes_per_cycle},
        {{"dram.latency_cycles", ParamType::Int, "cycles", 0, 1e7, "first-byte latency of a DRAM transfer"},
         &C::dram_latency_cycles},
        {{"dram.burst_bytes", ParamType::Int, "B", 1, 1 << 20,
          "DRAM burst; a row that starts off a burst boundary or is not whole bursts pays for whole bursts"},
         &C::dram_burst_bytes},
        {{"dma.channels", ParamType::Int, "", 1, 16, "DMA channels that can transfer concurrently"}, &C::dma_channels},
        {{"dma.setup_cycles", ParamType::Int, "cycles", 0, 1e7, "cycles to set up one DMA descriptor"},
         &C::dma_setup_cycles},
        {{"sram.l1_bytes", ParamType::Int, "B", 1, kBig,
          "capacity of the operand SRAM (level l1; Halide MemoryType::VTCM)"},
         &C::sram_l1_bytes},
        {{"sram.acc_bytes", ParamType::Int, "B", 1, kBig,
          "capacity of the accumulator SRAM (level acc; Halide MemoryType::LockedCache)"},
         &C::sram_acc_bytes},
        {{"mac.rows", ParamType::Int, "PEs", 1, 65536, "MAC array rows (reduction dimension K)"}, &C::mac_rows},
        {{"mac.cols", ParamType::Int, "PEs", 1, 65536, "MAC array columns (output channels N)"}, &C::mac_cols},
        {{"mac.int8_per_pe_cycle", ParamType::Float, "MAC/PE/cycle", 0.001, 64,
          "INT8 MACs per processing element per cycle"},
         &C::mac_int8_per_pe_cycle},
        {{"mac.int4_per_pe_cycle", ParamType::Float, "MAC/PE/cycle", 0.001, 64,
          "INT4 MACs per processing element per cycle"},
         &C::mac_int4_per_pe_cycle},
        {{"mac.fp16_per_pe_cycle", ParamType::Float, "MAC/PE/cycle", 0.001, 64,
          "FP16 MACs per processing element per cycle"},
         &C::mac_fp16_per_pe_cycle},
        {{"vector.lanes", ParamType::Int, "elements", 1, 65536, "elements the vector unit processes per cycle per op"},
         &C::vector_lanes},
        {{"vector.pipeline_cycles", ParamType::Int, "cycles", 0, 1e6, "pipeline fill paid once per vector instruction"},
         &C::vector_pipeline_cycles},
        {{"vector.fill_cycles", ParamType::Int, "cycles/vector", 1, 1e4, "cost of a constant fill per lane-vector"},
         &C::vector_fill_cycles},
        {{"vector.copy_cycles", ParamType::Int, "cycles/vector", 1, 1e4, "cost of a copy per lane-vector"},
         &C::vector_copy_cycles},
        {{"vector.requantize_cycles", ParamType::Int, "cycles/vector", 1, 1e4,
          "cost of a fixed-point requantize (add bias, multiply, round-shift, saturate) per lane-vector"},
         &C::vector_requantize_cycles},
        {{"control.issue_cycles", ParamType::Int, "cycles", 0, 1e6, "controller cycles to issue one instruction"},
         &C::control_issue_cycles},
        {{"energy.mac_int8_pj", ParamType::Float, "pJ/MAC", 0, 1e6, "energy of one INT8 multiply-accumulate"},
         &C::energy_mac_int8_pj},
        {{"energy.mac_int4_pj", ParamType::Float, "pJ/MAC", 0, 1e6, "energy of one INT4 multiply-accumulate"},
         &C::energy_mac_int4_pj},
        {{"energy.mac_fp16_pj", ParamType::Float, "pJ/MAC", 0, 1e6, "energy of one FP16 multiply-accumulate"},
         &C::energy_mac_fp16_pj},
        {{"energy.l1_read_pj_per_byte", ParamType::Float, "pJ/B", 0, 1e6, "operand SRAM read energy"},
         &C::energy_l1_read_pj_per_byte},
        {{"energy.l1_write_pj_per_byte", ParamType::Float, "pJ/B", 0, 1e6, "operand SRAM write energy"},
         &C::energy_l1_write_pj_per_byte},
        {{"energy.acc_pj_per_byte", ParamType::Float, "pJ/B", 0, 1e6, "accumulator SRAM read or write energy"},
         &C::energy_acc_pj_per_byte},
        {{"energy.dram_pj_per_byte", ParamType::Float, "pJ/B", 0, 1e6,
          "DRAM energy per byte on the bus (whole bursts)"},
         &C::energy_dram_pj_per_byte},
        {{"energy.vector_pj_per_op", ParamType::Float, "pJ/op", 0, 1e6, "vector unit energy per element-operation"},
         &C::energy_vector_pj_per_op},
        {{"energy.static_mw", ParamType::Float, "mW", 0, 1e7, "static (leakage) power, charged over the run time"},
         &C::energy_static_mw},
    };
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

std::string param_value(const NpuConfig& cfg, const std::string& key) {
    const Binding* b = find_binding(key);
    if (!b) throw ConfigError("unknown parameter '" + key + "' (see `npusim info params`)");
    if (auto* f = std::get_if<int64_t NpuConfig::*>(&b->field)) return std::to_string(cfg.**f);
    if (auto* f = std::get_if<double NpuConfig::*>(&b->field)) return format_number(cfg.**f);
    return cfg.*std::get<std::string NpuConfig::*>(b->field);
}

}  // namespace npu
