#pragma once
// Accuracy against cost of quantization recipes: each recipe is calibrated, run through the kernel
// library on the host on all-MiniLM-L6-v2's real weights (and, optionally, on a decoder LM for
// held-out perplexity), compared with the float32 references, and its encoder pass simulated on
// an NPU for latency, energy and weight bytes. `npusim quant-eval` and `npusim.quant_eval` print
// and return this table.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "flow/model_run.h"
#include "quant/accuracy.h"
#include "quant/host_kernels.h"
#include "sim/config/npu_config.h"

namespace npusim::quant {

struct QuantEvalOptions {
    std::vector<std::string> recipes;
    std::string minilm_dir;       // config.json, model.safetensors, vocab.txt
    std::string data_dir;         // sentences-kjv.txt (evaluation), kjv-heldout.txt (calibration)
    std::string lm_dir;           // a Llama-architecture decoder whose perplexity is measured; "" skips it
    int64_t sentences = 256;      // of the shipped 256
    int64_t calib = 32;           // calibration sentences
    int64_t tokens = 128;         // tokens of the simulated encoder pass
    int64_t lm_windows = 64;      // held-out windows of 256 bytes
    std::string calibration_dir;  // where each recipe's scales are saved ("" does not save)
    // An LLM (a shipped model or config.json) whose prefill and decode are also simulated with
    // each recipe: the cost where it will run, beside the encoder pass's ("" for none).
    std::string cost_model;
    int64_t cost_prefill = 512, cost_decode = 128;
    // > 0: mixed precision under this budget for the simulated encoder pass (quant/precision_search.h).
    // `recipes` are then the bases; their candidates within the budget are measured, and the table
    // names the most accurate (highest mean cosine). UserError when no candidate fits, naming the
    // fastest.
    double budget_s = 0;
    // (recipe, what is running, done, total), for a progress display.
    std::function<void(const std::string&, const std::string&, size_t, size_t)> progress;
};

struct QuantEvalRow {
    std::string recipe;     // resolved (+mpP names its promotions)
    Accuracy acc;           // acc.sentences == 0: the encoder was not measured (+rot)
    double perplexity = 0;  // the decoder LM's held-out perplexity per byte (0: not measured)
    // +shadow: the outliers measured over the encoder's evaluation pass (and the decoder LM's);
    // the simulated pass charges the CPU this share of values unless the recipe gave one.
    ShadowStats shadow;
    flow::ModelReport sim;
    flow::ModelReport cost;  // the cost model's run (cost.model empty: none asked)
};

struct QuantEvalTable {
    std::string preset;
    int64_t tokens = 0, sentences = 0;
    size_t lm_windows = 0;
    double float_perplexity = 0;
    std::string cost_model;
    std::vector<QuantEvalRow> rows;
    // A budget search: the budget, the row it picked, and the candidates over budget (not measured).
    double budget_s = 0;
    std::string best;
    std::vector<std::pair<std::string, double>> over_budget;  // (recipe, latency_s)
    std::string to_json() const;
};

// Throws UserError for an unknown recipe, a missing file, or option values out of range (naming
// the option and the allowed range).
QuantEvalTable quant_eval(const QuantEvalOptions& o, const npu::NpuConfig& cfg);

}  // namespace npusim::quant
