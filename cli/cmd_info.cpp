#include <cstdio>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "sim/config/npu_config.h"

namespace npusim::cli {

int cmd_info(const std::vector<std::string>& argv) {
    Args args("info",
              "npusim info presets: the shipped NPU presets with their peak rates.\n"
              "npusim info params: every preset parameter with type, unit, allowed range, the\n"
              "default preset's value and a description.",
              {});
    if (!args.parse(argv)) return 0;
    std::string what = args.positional().empty() ? "presets" : args.positional()[0];
    if (what == "presets") {
        std::printf("%-15s %5s %10s %10s %10s %10s  %s\n", "preset", "cores", "INT8 TOPS", "INT4 TOPS", "SRAM MiB",
                    "DRAM GB/s", "description");
        for (const std::string& name : npu::preset_names()) {
            npu::NpuConfig c = npu::load_preset(name);
            // Peak = 2 ops per MAC x PEs x cores x rate x clock; SRAM = per-core levels x cores + shared.
            double pes = static_cast<double>(c.mac_rows * c.mac_cols * c.cores);
            double hz = c.clock_mhz * 1e6;
            std::printf(
                "%-15s %5lld %10.2f %10.2f %10.2f %10.1f  %s\n", name.c_str(), static_cast<long long>(c.cores),
                2 * pes * c.mac_int8_per_pe_cycle * hz / 1e12, 2 * pes * c.mac_int4_per_pe_cycle * hz / 1e12,
                static_cast<double>((c.sram_l1_bytes + c.sram_acc_bytes) * c.cores + c.sram_shared_bytes) / (1 << 20),
                c.dram_bytes_per_cycle * hz / 1e9, c.description.c_str());
        }
        return 0;
    }
    if (what == "params") {
        npu::NpuConfig def = npu::load_preset("default");
        std::printf("%-31s %-7s %-13s %-22s %-10s %s\n", "key", "type", "unit", "range", "default", "description");
        for (const npu::ParamSpec& s : npu::param_specs()) {
            const char* type = s.type == npu::ParamType::Int     ? "int"
                               : s.type == npu::ParamType::Float ? "float"
                                                                 : "string";
            char range[64] = "";
            if (s.type != npu::ParamType::String) std::snprintf(range, sizeof range, "[%g, %g]", s.min, s.max);
            if (s.choices[0]) std::snprintf(range, sizeof range, "%s", s.choices);
            std::string value = npu::param_value(def, s.key);
            if (value.size() > 10) value = value.substr(0, 9) + "~";
            std::printf("%-31s %-7s %-13s %-22s %-10s %s\n", s.key, type, s.unit, range, value.c_str(), s.description);
        }
        return 0;
    }
    throw UsageError("unknown topic '" + what + "' (topics: presets, params)");
}

}  // namespace npusim::cli
