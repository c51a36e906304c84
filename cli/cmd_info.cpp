#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "sim/config/npu_config.h"

namespace npusim::cli {

int cmd_info(const std::vector<std::string>& argv) {
    Args args("info",
              "npusim info presets: the shipped NPU presets with their peak rates, the preset each\n"
              "calibrated one inherits, and how many of its values are sourced, assumed or fitted.\n"
              "npusim info params: every preset parameter with type, unit, allowed range, the\n"
              "default preset's value, the physical bounds `npusim calibrate` may fit it within\n"
              "(- where it is not fittable) and a description.",
              {});
    if (!args.parse(argv)) return 0;
    std::string what = args.positional().empty() ? "presets" : args.positional()[0];
    if (what == "presets") {
        std::vector<npu::PresetFile> files;
        int name_w = 6, base_w = 4;  // the columns fit the longest name and base
        for (const std::string& name : npu::preset_names()) {
            files.push_back(npu::read_preset(name));
            name_w = std::max(name_w, static_cast<int>(name.size()));
            base_w = std::max(base_w, static_cast<int>(files.back().base.size()));
        }
        std::printf("%-*s %5s %10s %10s %10s %10s  %-*s %-15s  %s\n", name_w, "preset", "cores", "INT8 TOPS",
                    "INT4 TOPS", "SRAM MiB", "DRAM GB/s", base_w, "base", "src/assumed/fit", "description");
        for (const npu::PresetFile& file : files) {
            const std::string& name = file.config.name;
            const npu::NpuConfig& c = file.config;
            int counts[3] = {0, 0, 0};  // sourced, assumed, fitted, over the parameters with a number
            for (const npu::ParamSpec& s : npu::param_specs()) {
                if (s.type == npu::ParamType::String) continue;
                const std::string p = npu::provenance(file.entries.at(s.key).comment);
                counts[0] += p == "sourced";
                counts[1] += p == "assumed";
                counts[2] += p == "fitted";
            }
            char provenance[48];
            std::snprintf(provenance, sizeof provenance, "%d/%d/%d", counts[0], counts[1], counts[2]);
            // Peak = 2 ops per MAC x PEs x cores x rate x clock; SRAM = per-core levels x cores + shared.
            double pes = static_cast<double>(c.mac_rows * c.mac_cols * c.cores);
            double hz = c.clock_mhz * 1e6;
            std::printf(
                "%-*s %5lld %10.2f %10.2f %10.2f %10.1f  %-*s %-15s  %s\n", name_w, name.c_str(),
                static_cast<long long>(c.cores), 2 * pes * c.mac_int8_per_pe_cycle * hz / 1e12,
                2 * pes * c.mac_int4_per_pe_cycle * hz / 1e12,
                static_cast<double>((c.sram_l1_bytes + c.sram_acc_bytes) * c.cores + c.sram_shared_bytes) / (1 << 20),
                c.dram_bytes_per_cycle * hz / 1e9, base_w, file.base.empty() ? "-" : file.base.c_str(), provenance,
                c.description.c_str());
        }
        return 0;
    }
    if (what == "params") {
        npu::NpuConfig def = npu::load_preset("default");
        std::printf("%-31s %-7s %-13s %-22s %-10s %-14s %s\n", "key", "type", "unit", "range", "default", "fit bounds",
                    "description");
        for (const npu::ParamSpec& s : npu::param_specs()) {
            const char* type = s.type == npu::ParamType::Int     ? "int"
                               : s.type == npu::ParamType::Float ? "float"
                                                                 : "string";
            char range[64] = "";
            if (s.type != npu::ParamType::String) std::snprintf(range, sizeof range, "[%g, %g]", s.min, s.max);
            if (s.choices[0]) std::snprintf(range, sizeof range, "%s", s.choices);
            std::string value = npu::param_value(def, s.key);
            if (value.size() > 10) value = value.substr(0, 9) + "~";
            char bounds[40] = "-";
            if (s.fittable()) std::snprintf(bounds, sizeof bounds, "[%g, %g]", s.fit_min, s.fit_max);
            std::printf("%-31s %-7s %-13s %-22s %-10s %-14s %s\n", s.key, type, s.unit, range, value.c_str(), bounds,
                        s.description);
        }
        return 0;
    }
    throw UsageError("unknown topic '" + what + "' (topics: presets, params)");
}

}  // namespace npusim::cli
