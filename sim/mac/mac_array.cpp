#include "sim/mac/mac_array.h"

#include <algorithm>

#include "sim/errors.h"
#include "sim/mac/weight_stationary.h"

namespace npu {

std::string mac_precision(DType a, DType b) {
    bool fp = a == DType::Fp16 || b == DType::Fp16 || a == DType::Fp32 || b == DType::Fp32;
    if (fp) return "fp16";
    if (dtype_bits(a) <= 4 && dtype_bits(b) <= 4) return "int4";
    return "int8";
}

double mac_rate(const NpuConfig& cfg, const std::string& precision) {
    if (precision == "int4") return cfg.mac_int4_per_pe_cycle;
    if (precision == "fp16") return cfg.mac_fp16_per_pe_cycle;
    return cfg.mac_int8_per_pe_cycle;
}

MacArray::MacArray(const sc_core::sc_module_name& name) : sc_module(name) {
    sc_core::sc_spawn([this] { run(); }, "mac");
}

void MacArray::configure(const NpuConfig* cfg, RunStats* stats) {
    cfg_ = cfg;
    stats_ = stats;
    queue.clear();
}

void MacArray::run() {
    while (true) {
        MacRequest r = queue.pop([] { return true; });
        std::string prec = mac_precision(r.a_type, r.b_type);
        MacTiming t = weight_stationary_timing(r.m, r.n, r.k, mac_rate(*cfg_, prec), cfg_->mac_rows, cfg_->mac_cols);
        sc_core::wait(cycles(t.cycles));
        const uint64_t m = static_cast<uint64_t>(r.m), n = static_cast<uint64_t>(r.n), k = static_cast<uint64_t>(r.k);
        stats_->macs[prec] += m * n * k;
        // A streams once per column fold; B is loaded once; partial sums go through the
        // accumulator once per K fold.
        stats_->sram_read[r.a_level] += m * k * static_cast<uint64_t>(dtype_bits(r.a_type)) / 8 * t.n_folds;
        stats_->sram_read[r.b_level] += k * n * static_cast<uint64_t>(dtype_bits(r.b_type)) / 8;
        uint64_t acc_bytes = m * n * static_cast<uint64_t>(dtype_bits(r.acc_type)) / 8 * t.k_folds;
        stats_->sram_read[r.acc_level] += acc_bytes;
        stats_->sram_written[r.acc_level] += acc_bytes;
        EngineCounters& e = stats_->engines["mac"];
        e.busy_cycles += t.cycles;
        e.instructions += 1;
        r.done->notify();
    }
}

}  // namespace npu
