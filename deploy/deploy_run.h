#pragma once
// What a deployment manifest (deploy/manifest.h) amounts to: the model simulated on its chip with
// its recipe, placement, KV cache and limits; the first token from a cold start on its load path;
// decode sustained under its thermal scenario; and the recipe's accuracy where a quant-eval table
// has it.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "deploy/manifest.h"
#include "flow/model_run.h"
#include "flow/sustained_run.h"

namespace npusim::deploy {

// The recipe's row of a saved `npusim quant-eval` table (all-MiniLM-L6-v2 on real weights, and the
// decoder LM's held-out perplexity): a measured proxy for the recipe's accuracy, not the deployed
// model's own.
struct RecipeAccuracy {
    std::string source;                // the table's file
    bool found = false;                // whether it has a row for the recipe
    double mean_cosine = 0, retrieval_agreement = 0, perplexity = 0;  // perplexity 0: not measured
};

struct DeployReport {
    Manifest manifest;
    std::string preset_name;  // the preset the manifest names, after its overrides
    flow::ModelReport run;
    flow::ColdStart cold;  // on the manifest's load path
    std::optional<flow::SustainedRun> sustained;
    std::optional<RecipeAccuracy> accuracy;
    double budget_bytes = 0;
    double peak_memory_bytes = 0;  // the larger of the running footprint and the cold start's peak
    std::string to_json() const;
};

// Throws UserError naming the manifest for a target that cannot run, and (before simulating
// anything) for one whose weights, KV cache and activations exceed its memory budget, saying by
// how much. `progress(what, done, total)` as flow::run_model's.
DeployReport run_manifest(const Manifest& m,
                          const std::function<void(const std::string&, size_t, size_t)>& progress = {});

// Several reports as one JSON object: {"targets": [...]} (`npusim compare --json`).
std::string compare_json(const std::vector<DeployReport>& reports);

}  // namespace npusim::deploy
