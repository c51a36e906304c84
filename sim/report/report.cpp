#include "sim/report/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace npu {

namespace {

std::string si(double v, const char* unit) {
    const char* prefixes[] = {"", "k", "M", "G", "T"};
    int p = 0;
    while (v >= 1000 && p < 4) {
        v /= 1000;
        ++p;
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.3g %s%s", v, prefixes[p], unit);
    return buf;
}

std::string small_si(double v, const char* unit) {
    const char* prefixes[] = {"", "m", "u", "n", "p"};
    int p = 0;
    while (v != 0 && v < 1 && p < 4) {
        v *= 1000;
        ++p;
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.4g %s%s", v, prefixes[p], unit);
    return buf;
}

}  // namespace

std::string Report::to_json() const {
    nlohmann::ordered_json engines_json = nlohmann::ordered_json::array();
    for (const EngineUse& e : engines)
        engines_json.push_back({{"name", e.name},
                                {"busy_cycles", e.busy_cycles},
                                {"instructions", e.instructions},
                                {"utilisation", e.utilisation}});
    const nlohmann::ordered_json j = {{"program", program},
                                      {"preset", preset},
                                      {"cycles", cycles},
                                      {"seconds", seconds},
                                      {"energy_j", energy_j},
                                      {"energy_j_by_component", energy_j_by_component},
                                      {"average_power_w", average_power_w},
                                      {"dram_bytes_read", dram_bytes_read},
                                      {"dram_bytes_written", dram_bytes_written},
                                      {"dram_bus_bytes_read", dram_bus_bytes_read},
                                      {"dram_bus_bytes_written", dram_bus_bytes_written},
                                      {"sram_bytes_read", sram_bytes_read},
                                      {"sram_bytes_written", sram_bytes_written},
                                      {"sram_peak_bytes", sram_peak_bytes},
                                      {"sram_peak_bytes_by_level", sram_peak_bytes_by_level},
                                      {"mac_ops", mac_ops},
                                      {"mac_ops_by_type", mac_ops_by_type},
                                      {"vector_ops", vector_ops},
                                      {"instructions", instructions},
                                      {"compute_bound_cycles", compute_bound_cycles},
                                      {"memory_bound_cycles", memory_bound_cycles},
                                      {"roofline_cycles", roofline_cycles},
                                      {"mac_utilisation", mac_utilisation},
                                      {"compulsory_dram_bytes", compulsory_dram_bytes},
                                      {"kernel_roofline_cycles", kernel_roofline_cycles},
                                      {"roofline_fraction", roofline_fraction},
                                      {"fill_cycles", fill_cycles},
                                      {"drain_cycles", drain_cycles},
                                      {"runtime_s", runtime_s},
                                      {"single_op_graph_s", seconds + runtime_s},
                                      {"engines", std::move(engines_json)}};
    return j.dump();
}

std::string Report::to_table() const {
    std::ostringstream o;
    char line[160];
    auto row = [&](const char* k, const std::string& v) {
        std::snprintf(line, sizeof line, "  %-22s %s\n", k, v.c_str());
        o << line;
    };
    o << program << " on " << preset << "\n";
    row("cycles", std::to_string(cycles) + "  (" + small_si(seconds, "s") + " on the NPU)");
    if (runtime_s > 0)
        row("single-op graph", small_si(seconds + runtime_s, "s") + "  (the runtime adds " + small_si(runtime_s, "s") +
                                   ": preset runtime.graph_execute_us + runtime.op_dispatch_us)");
    row("roofline cycles", std::to_string(roofline_cycles) + "  (compute " + std::to_string(compute_bound_cycles) +
                               ", memory " + std::to_string(memory_bound_cycles) + ")");
    std::snprintf(line, sizeof line, "%.2fx roofline, MAC utilisation %.1f %%",
                  roofline_cycles ? static_cast<double>(cycles) / roofline_cycles : 0.0, 100 * mac_utilisation);
    row("efficiency", line);
    std::snprintf(line, sizeof line, "%llu  (%.1f %% reached; each tensor moved once at sustained bandwidth)",
                  static_cast<unsigned long long>(kernel_roofline_cycles), 100 * roofline_fraction);
    row("kernel roofline", line);
    row("MACs", si(static_cast<double>(mac_ops), "MAC"));
    row("DRAM read", si(static_cast<double>(dram_bytes_read), "B") + "  (bus " +
                         si(static_cast<double>(dram_bus_bytes_read), "B") + ")");
    row("DRAM written", si(static_cast<double>(dram_bytes_written), "B") + "  (bus " +
                            si(static_cast<double>(dram_bus_bytes_written), "B") + ")");
    std::string peak;
    for (const auto& [lvl, b] : sram_peak_bytes_by_level)
        peak += (peak.empty() ? "" : ", ") + lvl + " " + si(static_cast<double>(b), "B");
    row("SRAM peak", si(static_cast<double>(sram_peak_bytes), "B") + "  (" + peak + ")");
    row("energy", small_si(energy_j, "J") + "  (" + small_si(average_power_w, "W") + " average)");
    for (const auto& [c, e] : energy_j_by_component) {
        std::snprintf(line, sizeof line, "    %-20s %s (%.1f %%)\n", c.c_str(), small_si(e, "J").c_str(),
                      energy_j > 0 ? 100 * e / energy_j : 0.0);
        o << line;
    }
    o << "  engines\n";
    for (const EngineUse& e : engines) {
        std::snprintf(line, sizeof line, "    %-20s %5.1f %% busy, %llu instructions\n", e.name.c_str(),
                      100 * e.utilisation, static_cast<unsigned long long>(e.instructions));
        o << line;
    }
    return o.str();
}

}  // namespace npu
