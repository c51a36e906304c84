#pragma once
// Heat and DVFS of the device around the NPU: a lumped thermal model (one temperature, one heat
// capacity, one thermal resistance to ambient) and a governor that steps the NPU clock along the
// preset's DVFS table when the temperature passes its limit. Time-stepped over a run's power: the
// caller says what power the device draws at each clock level (flow/sustained_run.*).
#include <cstdint>
#include <vector>

#include "sim/config/npu_config.h"

namespace npusim::soc {

struct ThermalParams {
    double ambient_c = 25, resistance_c_per_w = 10, capacitance_j_per_c = 20;
    double limit_c = 0, hysteresis_c = 3;  // limit 0: no thermal limit, the clock stays at its top
    int64_t dvfs_levels = 1;
    double min_clock_fraction = 1;
    static ThermalParams from(const npu::NpuConfig& cfg);
};

// The DVFS table: clock fractions from 1 (level 0) down to min_clock_fraction, evenly spaced.
std::vector<double> dvfs_table(const ThermalParams& p);

// The temperature a constant power settles at: ambient + power x resistance.
double steady_state_c(const ThermalParams& p, double power_w);

class ThermalModel {
public:
    explicit ThermalModel(const ThermalParams& p);
    // Advances `dt` seconds at `power_w`: the exact solution of C dT/dt = P - (T - ambient) / R
    // over the step, then the governor: one level down above the limit, one up once the
    // temperature is hysteresis_c below it.
    void step(double power_w, double dt);
    double temperature_c() const { return temperature_; }
    int level() const { return level_; }
    double clock_fraction() const { return table_[static_cast<size_t>(level_)]; }

private:
    ThermalParams p_;
    std::vector<double> table_;
    double temperature_;
    int level_ = 0;
};

}  // namespace npusim::soc
