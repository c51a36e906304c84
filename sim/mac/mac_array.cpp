#include "sim/mac/mac_array.h"

#include <algorithm>

#include "sim/mac/mac_timing.h"

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

MacArray::MacArray(const sc_core::sc_module_name& name, int core) : sc_module(name) {
    sc_core::sc_spawn([this] { run(); }, ("c" + std::to_string(core) + "_mac").c_str());
}

void MacArray::configure(const CoreContext* ctx) {
    ctx_ = ctx;
    queue.clear();
}

void MacArray::run() {
    while (true) {
        MacRequest r = queue.pop();
        const NpuConfig& cfg = *ctx_->cfg;
        RunStats& stats = *ctx_->stats;
        const std::string prec = mac_precision(r.a_type, r.b_type);
        const bool w4a8 = prec == "int8" && dtype_bits(r.b_type) <= 4;
        const MacTiming t = mac_timing(cfg, {r.m, r.n, r.k, mac_rate(cfg, prec), w4a8});
        const auto m = static_cast<uint64_t>(r.m), n = static_cast<uint64_t>(r.n), k = static_cast<uint64_t>(r.k);
        auto bytes = [](uint64_t elements, DType d) { return packed_bytes(elements, d); };
        const uint64_t a_bytes = bytes(m * k, r.a_type) * t.a_passes;
        const uint64_t b_bytes = bytes(k * n, r.b_type) * t.b_passes;
        // The instruction accumulates into acc (read, add, write back), plus any spilled partials.
        const uint64_t acc_bytes = bytes(m * n, r.acc_type) * (1 + t.spill_passes);
        const uint64_t start = now_cycles();
        uint64_t done = start + t.cycles;
        done = std::max(done, ctx_->port(r.a_level, false).complete_at(start, a_bytes));
        done = std::max(done, ctx_->port(r.b_level, false).complete_at(start, b_bytes));
        done = std::max(done, ctx_->port(r.acc_level, false).complete_at(start, acc_bytes));
        done = std::max(done, ctx_->port(r.acc_level, true).complete_at(start, acc_bytes));
        sc_core::wait(cycles(done - start));
        stats.macs[prec] += m * n * k;
        stats.sram_read[static_cast<int>(r.a_level)] += a_bytes;
        stats.sram_read[static_cast<int>(r.b_level)] += b_bytes;
        stats.sram_read[static_cast<int>(r.acc_level)] += acc_bytes;
        stats.sram_written[static_cast<int>(r.acc_level)] += acc_bytes;
        EngineCounters& e = *ctx_->mac_counters;
        e.busy_cycles += done - start;
        e.instructions += 1;
        if (ctx_->trace)
            ctx_->trace->add({ctx_->core, "mac", "matmul", start, done - start,
                              "\"macs\": " + std::to_string(m * n * k) + ", \"m\": " + std::to_string(m) +
                                  ", \"n\": " + std::to_string(n) + ", \"k\": " + std::to_string(k) +
                                  ", \"folds\": " + std::to_string(t.folds) + ", \"precision\": \"" + prec + "\"" +
                                  (r.trace_args.empty() ? "" : ", " + r.trace_args)});
        r.done->notify();
    }
}

}  // namespace npu
