#include "quant/precision_search.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "base/errors.h"
#include "flow/model_run.h"

namespace npusim::quant {

namespace {

double pass_seconds(const models::ModelConfig& model, const Recipe& r, const npu::NpuConfig& cfg, int64_t tokens) {
    flow::ModelRunOptions run;
    run.prefill = tokens;
    run.decode = 0;
    return flow::run_model(model, r, cfg, run).ttft_s;
}

}  // namespace

BudgetSplit split_by_budget(const std::vector<PrecisionCandidate>& all, double budget_s, const std::string& pass) {
    BudgetSplit split;
    for (const PrecisionCandidate& c : all)
        (c.latency_s <= budget_s ? split.within : split.over).push_back(c);
    if (split.within.empty() && !all.empty()) {
        const auto fastest = std::min_element(all.begin(), all.end(),
                                              [](const auto& a, const auto& b) { return a.latency_s < b.latency_s; });
        std::ostringstream msg;
        msg << "a budget of " << budget_s * 1e3 << " ms for " << pass << " is infeasible: the fastest candidate, "
            << fastest->recipe << ", takes " << fastest->latency_s * 1e3 << " ms";
        throw npu::UserError(msg.str());
    }
    return split;
}

std::vector<PrecisionCandidate> precision_candidates(const Recipe& base, const Calibration& cal,
                                                     const models::ModelConfig& model, const npu::NpuConfig& cfg,
                                                     int64_t tokens) {
    if (base.activations() != Activations::Int8 || base.dynamic || base.promote_percent > 0)
        throw npu::UserError("a latency budget searches which linears of a static a8 recipe keep fp16 activations: '" +
                             base.name() + "' is not one (bases: w8a8, w4a8 with their options, without +mpP)");
    if (cal.sensitivity.empty()) throw npu::UserError("the calibration of '" + base.name() + "' has no linears");
    const double t0 = pass_seconds(model, base, cfg, tokens);
    struct Linear {
        std::string name;
        double gain;  // sensitivity per second added
    };
    std::vector<Linear> order;
    for (const auto& [name, sensitivity] : cal.sensitivity) {
        Recipe one = base;
        one.a16_patterns.push_back(name);
        const double added = pass_seconds(model, one, cfg, tokens) - t0;
        order.push_back({name, added <= 0 ? INFINITY : sensitivity / added});
    }
    std::stable_sort(order.begin(), order.end(), [](const Linear& a, const Linear& b) { return a.gain > b.gain; });
    const int n = static_cast<int>(order.size());
    std::vector<int> counts;
    for (const int c : {0, (n + 7) / 8, (n + 3) / 4, (n + 1) / 2, n})
        if (counts.empty() || c != counts.back()) counts.push_back(c);
    std::vector<PrecisionCandidate> out;
    for (const int c : counts) {
        Recipe r = base;
        for (int i = 0; i < c; ++i)
            r.a16_patterns.push_back(order[static_cast<size_t>(i)].name);
        out.push_back({r.name(), c, c == 0 ? t0 : pass_seconds(model, r, cfg, tokens)});
    }
    return out;
}

}  // namespace npusim::quant
