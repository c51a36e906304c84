#include "sim/mac/mac_array.h"

#include <algorithm>

#include "sim/mac/mac_timing.h"

namespace npu {

std::string mac_precision(DType a, DType b) {
    const bool a_fp = a == DType::Fp16 || a == DType::Fp32, b_fp = b == DType::Fp16 || b == DType::Fp32;
    const int wa = dtype_bits(a), wb = dtype_bits(b);
    // Integer weights narrower than the activations: a mixed pair the array may run natively.
    if (!b_fp && wb <= 8 && (a_fp || (wa > wb && wa <= 16))) {
        const std::string w = wb <= 4 ? "w4" : "w8";
        if (a_fp) return "f16" + w;
        if (wa == 16) return "a16" + w;
        if (wa == 8 && wb <= 4) return "a8w4";
    }
    if (a_fp || b_fp) return "fp16";
    if (wa <= 4 && wb <= 4) return "int4";
    return "int8";
}

double mac_rate(const NpuConfig& cfg, const std::string& precision) {
    if (precision == "int4") return cfg.mac_int4_per_pe_cycle;
    if (precision == "fp16") return cfg.mac_fp16_per_pe_cycle;
    if (precision == "a8w4") return cfg.mac_a8w4_per_pe_cycle;
    if (precision == "a16w8") return cfg.mac_a16w8_per_pe_cycle;
    if (precision == "a16w4") return cfg.mac_a16w4_per_pe_cycle;
    if (precision == "f16w8") return cfg.mac_f16w8_per_pe_cycle;
    if (precision == "f16w4") return cfg.mac_f16w4_per_pe_cycle;
    return cfg.mac_int8_per_pe_cycle;
}

std::string unsupported_pair(const NpuConfig& cfg, DType a, DType b) {
    const std::string prec = mac_precision(a, b);
    if (mac_rate(cfg, prec) > 0) return "";
    return std::string("preset '") + cfg.name + "' has no native " + dtype_name(a) + " x " + dtype_name(b) +
           " matrix path (mac." + prec + "_per_pe_cycle is 0); convert the weights on the vector unit first";
}

MacArray::Served MacArray::serve(const MacRequest& r, uint64_t start) {
    const NpuConfig& cfg = *ctx().cfg;
    RunStats& stats = *ctx().stats;
    const std::string prec = mac_precision(r.a_type, r.b_type);
    // INT4 weights against wider activations are unpacked as each fold loads.
    const bool unpack = dtype_bits(r.b_type) <= 4 && prec != "int4";
    const MacTiming t = mac_timing(cfg, {r.m, r.n, r.k, mac_rate(cfg, prec), unpack});
    const auto m = static_cast<uint64_t>(r.m), n = static_cast<uint64_t>(r.n), k = static_cast<uint64_t>(r.k);
    auto bytes = [](uint64_t elements, DType d) { return packed_bytes(elements, d); };
    const uint64_t a_bytes = bytes(m * k, r.a_type) * t.a_passes;
    const uint64_t b_bytes = bytes(k * n, r.b_type) * t.b_passes;
    // The instruction accumulates into acc (read, add, write back), plus any spilled partials.
    const uint64_t acc_bytes = bytes(m * n, r.acc_type) * (1 + t.spill_passes);
    Served s{start + t.cycles, "matmul", {}};
    s.done = std::max(s.done, ctx().port(r.a_level, false).complete_at(start, a_bytes));
    s.done = std::max(s.done, ctx().port(r.b_level, false).complete_at(start, b_bytes));
    s.done = std::max(s.done, ctx().port(r.acc_level, false).complete_at(start, acc_bytes));
    s.done = std::max(s.done, ctx().port(r.acc_level, true).complete_at(start, acc_bytes));
    stats.macs[prec] += m * n * k;
    stats.sram_read[static_cast<int>(r.a_level)] += a_bytes;
    stats.sram_read[static_cast<int>(r.b_level)] += b_bytes;
    stats.sram_read[static_cast<int>(r.acc_level)] += acc_bytes;
    stats.sram_written[static_cast<int>(r.acc_level)] += acc_bytes;
    if (tracing())
        s.trace_args = {{"macs", m * n * k}, {"m", m}, {"n", n}, {"k", k}, {"folds", t.folds}, {"precision", prec}};
    return s;
}

}  // namespace npu
