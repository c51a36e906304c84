#include "flow/sustained_run.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "base/errors.h"
#include "soc/thermal.h"

namespace npusim::flow {

npu::NpuConfig at_clock_fraction(const npu::NpuConfig& cfg, double fraction) {
    npu::NpuConfig c = cfg;
    c.clock_mhz = cfg.clock_mhz * fraction;
    // DRAM is stated per NPU cycle: per slower cycle it moves more bytes and waits fewer cycles.
    c.dram_bytes_per_cycle = cfg.dram_bytes_per_cycle / fraction;
    c.dram_latency_cycles = static_cast<int64_t>(std::llround(static_cast<double>(cfg.dram_latency_cycles) * fraction));
    return c;
}

SustainedRun sustained_generation(const models::ModelConfig& m, const models::QuantRecipe& q, const npu::NpuConfig& cfg,
                                  const ModelRunOptions& o, double seconds) {
    if (!m.decoder) throw models::ModelError(m.name + " is an encoder: it has no decode to sustain");
    ModelRunOptions step = o;
    step.prefill = std::max<int64_t>(1, o.prefill + o.decode - 1);
    step.decode = 1;
    step.skip_prefill = true;
    step.max_context = false;
    step.draft.clear();
    return sustained_decode(cfg, seconds, [&](const npu::NpuConfig& c) { return run_model(m, q, c, step); });
}

SustainedRun sustained_decode(const npu::NpuConfig& cfg, double seconds,
                              const std::function<ModelReport(const npu::NpuConfig&)>& decode_step, double step_s) {
    if (!(seconds > 0) || seconds > 86400) throw npu::UserError("sustained: the run must last 0 to 86400 seconds");
    const soc::ThermalParams tp = soc::ThermalParams::from(cfg);
    const std::vector<double> table = soc::dvfs_table(tp);
    struct Level {
        double tokens_per_s = 0, power_w = 0;
    };
    std::map<int, Level> levels;
    auto level = [&](int i) -> const Level& {
        auto it = levels.find(i);
        if (it != levels.end()) return it->second;
        const double f = table[static_cast<size_t>(i)];
        const ModelReport r = decode_step(at_clock_fraction(cfg, f));
        Level l;
        l.tokens_per_s = r.decode_tokens_per_s_last;
        // The NPU's dynamic energy per token, its voltage lowered with the clock, plus leakage and
        // the rest of the device.
        const double step = 1 / l.tokens_per_s, leakage_w = cfg.energy_static_mw * 1e-3;
        const double dynamic_j = std::max(0.0, r.last_step.energy_j - leakage_w * step);
        l.power_w =
            dynamic_j * std::pow(f, cfg.thermal_power_exponent - 1) * l.tokens_per_s + leakage_w + cfg.thermal_other_w;
        return levels.emplace(i, l).first->second;
    };
    SustainedRun s;
    s.seconds = seconds;
    s.step_s = step_s;
    soc::ThermalModel thermal(tp);
    s.burst_tokens_per_s = level(0).tokens_per_s;
    s.peak_temperature_c = thermal.temperature_c();
    const auto steps = static_cast<int64_t>(std::ceil(seconds / step_s));
    double tail_tokens = 0, tail_s = 0;
    for (int64_t i = 0; i < steps; ++i) {
        const double dt = std::min(step_s, seconds - static_cast<double>(i) * step_s);
        const int lv = thermal.level();
        const Level& l = level(lv);
        thermal.step(l.power_w, dt);
        const double t = static_cast<double>(i) * step_s + dt;
        s.tokens += l.tokens_per_s * dt;
        if (t > 0.75 * seconds) {
            tail_tokens += l.tokens_per_s * dt;
            tail_s += dt;
        }
        if (s.throttled_after_s < 0 && thermal.level() > 0) s.throttled_after_s = t;
        s.peak_temperature_c = std::max(s.peak_temperature_c, thermal.temperature_c());
        s.points.push_back({t, thermal.temperature_c(), table[static_cast<size_t>(lv)], l.tokens_per_s, l.power_w});
    }
    s.sustained_tokens_per_s = tail_s > 0 ? tail_tokens / tail_s : s.burst_tokens_per_s;
    return s;
}

}  // namespace npusim::flow
