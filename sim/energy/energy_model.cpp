#include "sim/energy/energy_model.h"

namespace npu {

namespace {
constexpr double kPico = 1e-12;
uint64_t get(const std::map<std::string, uint64_t>& m, const char* k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
}
}  // namespace

std::map<std::string, double> price_energy(const RunStats& s, const NpuConfig& cfg, double seconds) {
    std::map<std::string, double> e;
    // A mixed pair costs what its wider multiplier does: an int8 MAC for a8w4, an fp16 MAC for the
    // 16-bit pairs (integer or float).
    const auto n = [&](const char* k) { return static_cast<double>(get(s.macs, k)); };
    e["mac"] = kPico * ((n("int8") + n("a8w4")) * cfg.energy_mac_int8_pj + n("int4") * cfg.energy_mac_int4_pj +
                        (n("fp16") + n("a16w8") + n("a16w4") + n("f16w8") + n("f16w4")) * cfg.energy_mac_fp16_pj);
    e["l1"] = kPico * (static_cast<double>(s.sram_read[int(SramLevel::L1)]) * cfg.energy_l1_read_pj_per_byte +
                       static_cast<double>(s.sram_written[int(SramLevel::L1)]) * cfg.energy_l1_write_pj_per_byte);
    e["acc"] = kPico * static_cast<double>(s.sram_read[int(SramLevel::Acc)] + s.sram_written[int(SramLevel::Acc)]) *
               cfg.energy_acc_pj_per_byte;
    e["shared"] = kPico *
                  static_cast<double>(s.sram_read[int(SramLevel::Shared)] + s.sram_written[int(SramLevel::Shared)]) *
                  cfg.energy_shared_pj_per_byte;
    e["dram"] = kPico * static_cast<double>(s.dram_bus_read + s.dram_bus_written) * cfg.energy_dram_pj_per_byte;
    e["vector"] = kPico * static_cast<double>(s.vector_ops) * cfg.energy_vector_pj_per_op;
    e["static"] = cfg.energy_static_mw * 1e-3 * seconds;
    return e;
}

}  // namespace npu
