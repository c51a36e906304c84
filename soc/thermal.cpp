#include "soc/thermal.h"

#include <cmath>

namespace npusim::soc {

ThermalParams ThermalParams::from(const npu::NpuConfig& cfg) {
    return {cfg.thermal_ambient_c, cfg.thermal_resistance_c_per_w, cfg.thermal_capacitance_j_per_c,
            cfg.thermal_limit_c,   cfg.thermal_hysteresis_c,       cfg.thermal_dvfs_levels,
            cfg.thermal_min_clock_fraction};
}

std::vector<double> dvfs_table(const ThermalParams& p) {
    std::vector<double> t;
    const int64_t n = p.dvfs_levels;
    for (int64_t i = 0; i < n; ++i)
        t.push_back(n == 1 ? 1.0 : 1.0 - (1.0 - p.min_clock_fraction) * static_cast<double>(i) / static_cast<double>(n - 1));
    return t;
}

double steady_state_c(const ThermalParams& p, double power_w) {
    return p.ambient_c + power_w * p.resistance_c_per_w;
}

ThermalModel::ThermalModel(const ThermalParams& p) : p_(p), table_(dvfs_table(p)), temperature_(p.ambient_c) {}

void ThermalModel::step(double power_w, double dt) {
    // T(t) = T_ss + (T0 - T_ss) exp(-t / RC): exact for a constant power over the step, so the
    // result does not depend on the step length the caller picks.
    const double target = steady_state_c(p_, power_w);
    temperature_ = target + (temperature_ - target) * std::exp(-dt / (p_.resistance_c_per_w * p_.capacitance_j_per_c));
    if (p_.limit_c <= 0) return;
    const int last = static_cast<int>(table_.size()) - 1;
    if (temperature_ > p_.limit_c && level_ < last)
        ++level_;
    else if (temperature_ < p_.limit_c - p_.hysteresis_c && level_ > 0)
        --level_;
}

}  // namespace npusim::soc
