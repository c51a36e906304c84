#pragma once
// Mixed precision under a latency budget: which linears of a static recipe to promote to fp16
// activations, when each promotion buys accuracy and costs simulated time.
//
// For a base recipe, every linear gets a sensitivity (its calibration input's relative error at
// 8 bits, Calibration::sensitivity) and a cost (the simulated encoder pass with that linear
// promoted, less the base's). The linears are promoted in order of sensitivity per unit of added
// latency (free promotions first), and the candidates are the base with the first 0, 1/8, 1/4,
// 1/2 and all of them promoted (+a16@ each). quant_eval (QuantEvalOptions::budget_s) measures the
// accuracy of the candidates within the budget and picks the best.
#include <string>
#include <vector>

#include "models/model_config.h"
#include "quant/calibration.h"
#include "recipes/recipe.h"
#include "sim/config/npu_config.h"

namespace npusim::quant {

struct PrecisionCandidate {
    std::string recipe;  // the base with +a16@LINEAR per promotion
    int promoted = 0;
    double latency_s = 0;  // the simulated `tokens`-token pass of `model`
};

// `all` split by `budget_s`, in order. UserError when none fits, naming the fastest candidate and
// its latency (`pass` says what was simulated, e.g. "the 128-token encoder pass on default").
struct BudgetSplit {
    std::vector<PrecisionCandidate> within, over;
};
BudgetSplit split_by_budget(const std::vector<PrecisionCandidate>& all, double budget_s, const std::string& pass);

std::vector<PrecisionCandidate> precision_candidates(const Recipe& base, const Calibration& cal,
                                                     const models::ModelConfig& model, const npu::NpuConfig& cfg,
                                                     int64_t tokens);

}  // namespace npusim::quant
