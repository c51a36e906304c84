#include "deploy/deploy_run.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/json_reader.h"
#include "models/model_config.h"
#include "models/workload.h"

namespace npusim::deploy {

namespace {

using nlohmann::ordered_json;

std::string gb(double bytes) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f GB", bytes / 1e9);
    return b;
}

RecipeAccuracy find_accuracy(const std::string& file, const std::string& recipe) {
    RecipeAccuracy a;
    a.source = file;
    const nlohmann::json table = npu::parse_json(npu::read_text_file(file, 16 << 20, "a quant-eval table"), file);
    if (!table.is_object() || !table.contains("recipes") || !table["recipes"].is_array())
        throw npu::UserError(file + ": not a quant-eval table (npusim quant-eval --save FILE writes one)");
    for (const auto& row : table["recipes"]) {
        if (!row.is_object() || row.value("recipe", "") != recipe) continue;
        a.found = true;
        auto num = [&](const char* key) { return row.contains(key) && row[key].is_number() ? row[key].get<double>() : 0.0; };
        a.mean_cosine = num("mean_cosine");
        a.retrieval_agreement = num("retrieval_agreement");
        a.perplexity = num("perplexity");
    }
    return a;
}

ordered_json report_json(const DeployReport& r) {
    const flow::ModelReport& run = r.run;
    ordered_json j = {{"target", r.manifest.name},
                      {"manifest", r.manifest.path},
                      {"preset", r.preset_name},
                      {"model", run.model},
                      {"recipe", run.quant},
                      {"placement", r.manifest.placement.text()},
                      {"prompt_tokens", run.prefill_tokens},
                      {"output_tokens", run.decode_tokens},
                      {"ttft_s", run.ttft_s},
                      {"load", soc::load_path_name(r.cold.path)},
                      {"cold_ttft_s", r.cold.ttft_s},
                      {"decode_tokens_per_s", run.decode_tokens_per_s},
                      {"decode_energy_per_token_j", run.decode_energy_per_token_j},
                      {"peak_memory_bytes", r.peak_memory_bytes},
                      {"memory_budget_bytes", r.budget_bytes}};
    if (r.sustained) {
        j["sustained_s"] = r.sustained->seconds;
        j["sustained_tokens_per_s"] = r.sustained->sustained_tokens_per_s;
        j["throttled_after_s"] = r.sustained->throttled_after_s;
        j["peak_temperature_c"] = r.sustained->peak_temperature_c;
    } else {
        j["sustained_s"] = 0;
        j["sustained_tokens_per_s"] = nullptr;
        j["throttled_after_s"] = nullptr;
        j["peak_temperature_c"] = nullptr;
    }
    const bool acc = r.accuracy && r.accuracy->found;
    j["accuracy_source"] = r.accuracy ? ordered_json(r.accuracy->source) : ordered_json();
    j["mean_cosine"] = acc ? ordered_json(r.accuracy->mean_cosine) : ordered_json();
    j["retrieval_agreement"] = acc ? ordered_json(r.accuracy->retrieval_agreement) : ordered_json();
    j["perplexity"] = acc && r.accuracy->perplexity > 0 ? ordered_json(r.accuracy->perplexity) : ordered_json();
    return j;
}

}  // namespace

DeployReport run_manifest(const Manifest& m, const std::function<void(const std::string&, size_t, size_t)>& progress) {
    DeployReport r;
    r.manifest = m;
    npu::NpuConfig cfg;
    try {
        cfg = npu::load_preset(m.preset);
    } catch (const npu::UserError& e) {
        throw npu::UserError(m.where("preset") + e.what());
    }
    for (const auto& [key, o] : m.set)
        cfg.set(key, o.value, m.where(o.key));
    if (m.memory_bytes > 0) cfg.dram_capacity_bytes = m.memory_bytes;
    cfg.validate();
    r.preset_name = cfg.name;
    models::ModelConfig model;
    try {
        model = models::load_model(m.model);
    } catch (const npu::UserError& e) {
        throw npu::UserError(m.where("model") + e.what());
    }
    const models::QuantRecipe q = models::QuantRecipe::parse(m.recipe);
    // The budget first: a target that cannot hold its weights, cache and activations is refused
    // before minutes of simulation, with the amount it is over by.
    r.budget_bytes = cfg.dram_capacity_bytes;
    const int64_t tokens = m.prompt_tokens + m.output_tokens;
    const models::Footprint mem = models::footprint(model, q, tokens, m.prompt_tokens, m.kv_block);
    const double need = mem.total();
    if (need > r.budget_bytes)
        throw npu::UserError(m.path + ": " + model.name + " (" + q.name() + ") needs " + gb(need) + " (weights " +
                             gb(mem.weights) + " + KV cache " + gb(mem.kv_cache) + " for " + std::to_string(tokens) +
                             " tokens + activations " + gb(mem.activations) + "), over its budget of " +
                             gb(r.budget_bytes) +
                             (m.memory_bytes > 0 ? " (limits.memory_bytes)" : " (the preset's dram.capacity_bytes)") +
                             " by " + gb(need - r.budget_bytes));
    flow::ModelRunOptions o;
    o.prefill = m.prompt_tokens;
    o.decode = model.decoder ? m.output_tokens : 0;
    o.kv_block = m.kv_block;
    o.placement = m.placement;
    try {
        soc::check_rules_match(m.placement, model.decoder ? models::decode_ops(model, q, 1)
                                                          : models::prefill_ops(model, q, 1, 1));
    } catch (const npu::UserError& e) {
        throw npu::UserError(m.where("placement") + e.what());
    }
    try {
        r.run = flow::run_model(model, q, cfg, o, progress);
    } catch (const npu::UserError& e) {
        throw npu::UserError(m.path + ": " + e.what());
    }
    for (const flow::ColdStart& c : r.run.cold_start)
        if (c.path == m.load) r.cold = c;
    r.peak_memory_bytes = std::max(r.run.footprint_bytes, r.cold.peak_resident_bytes);
    if (m.sustained_s > 0 && model.decoder) {
        if (progress) progress("sustained decode", 0, 1);
        r.sustained = flow::sustained_generation(model, q, cfg, o, m.sustained_s);
    }
    if (!m.accuracy_file.empty()) r.accuracy = find_accuracy(m.accuracy_file, q.name());
    return r;
}

std::string DeployReport::to_json() const {
    return report_json(*this).dump();
}

std::string compare_json(const std::vector<DeployReport>& reports) {
    ordered_json targets = ordered_json::array();
    for (const DeployReport& r : reports)
        targets.push_back(report_json(r));
    return ordered_json{{"targets", std::move(targets)}}.dump();
}

}  // namespace npusim::deploy
