#pragma once
// Decode sustained for a while under heat: the thermal model and DVFS governor of soc/thermal.h
// driven by the power of the decode steps at the clock level the governor sets. Each level's
// decode speed and energy come from the simulator at that level's NPU clock (DRAM keeps its
// bandwidth in bytes per second: DVFS here clocks the NPU, not the memory).
#include <cstdint>
#include <functional>
#include <vector>

#include "flow/model_run.h"

namespace npusim::flow {

struct SustainedPoint {
    double t_s = 0, temperature_c = 0, clock_fraction = 1, tokens_per_s = 0, power_w = 0;
};

struct SustainedRun {
    double seconds = 0, step_s = 1;
    std::vector<SustainedPoint> points;  // one per step, at its end
    double burst_tokens_per_s = 0;       // at the top clock
    double sustained_tokens_per_s = 0;   // the average over the last quarter of the run
    double throttled_after_s = -1;       // when the clock first stepped down; -1: never
    double peak_temperature_c = 0;
    double tokens = 0;  // generated over the run
};

// `decode_step(cfg)` simulates one decode step's model run on `cfg` (the preset at one DVFS level)
// and returns its report; levels are simulated when the governor first reaches them.
SustainedRun sustained_decode(const npu::NpuConfig& cfg, double seconds,
                              const std::function<ModelReport(const npu::NpuConfig&)>& decode_step, double step_s = 1);

// The decode step at the end of the generation `o` describes (context prefill + decode, the
// prompt's cache given) sustained for `seconds`: a long chat or a batch of generations back to back.
SustainedRun sustained_generation(const models::ModelConfig& m, const models::QuantRecipe& q, const npu::NpuConfig& cfg,
                                  const ModelRunOptions& o, double seconds);

// The preset with its NPU clock at `fraction` of clock_mhz, DRAM bandwidth and latency kept in
// absolute terms.
npu::NpuConfig at_clock_fraction(const npu::NpuConfig& cfg, double fraction);

}  // namespace npusim::flow
