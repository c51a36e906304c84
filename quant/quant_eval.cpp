#include "quant/quant_eval.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "base/errors.h"
#include "models/bert_reference.h"
#include "models/llama_reference.h"
#include "models/wordpiece.h"
#include "quant/calibration.h"
#include "quant/decoder_pass.h"
#include "quant/encoder_pass.h"
#include "quant/precision_search.h"

namespace npusim::quant {

namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw npu::UserError(path + ": cannot read the " + what);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> read_lines(const std::string& path, size_t limit) {
    std::stringstream in(read_all(path, "sentences"));
    std::vector<std::string> out;
    std::string line;
    while (out.size() < limit && std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    return out;
}

void check_range(const char* name, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi)
        throw npu::UserError(std::string(name) + " must be " + std::to_string(lo) + " to " + std::to_string(hi) +
                             ", got " + std::to_string(v));
}

}  // namespace

QuantEvalTable quant_eval(const QuantEvalOptions& o, const npu::NpuConfig& cfg) {
    check_range("sentences", o.sentences, 2, 256);
    check_range("calib", o.calib, 1, 404);
    check_range("tokens", o.tokens, 1, 512);
    if (!o.lm_dir.empty()) check_range("lm_windows", o.lm_windows, 1, 243);
    if (!(o.budget_s >= 0) || !std::isfinite(o.budget_s))
        throw npu::UserError("the latency budget must be a positive number of seconds (0: no budget)");
    std::vector<std::string> names = o.recipes;
    std::vector<Recipe> recipes;  // parsed first: a typo fails before minutes of work
    for (const std::string& name : names)
        recipes.push_back(Recipe::parse(name));
    std::optional<models::ModelConfig> cost_model;  // and the cost model's config
    if (!o.cost_model.empty()) {
        cost_model = models::load_model(o.cost_model);
        if (!cost_model->decoder)
            throw npu::UserError("--cost-model " + o.cost_model +
                                 ": a decoder LLM is needed (its prefill and decode "
                                 "are simulated); the encoder pass is already the latency column");
    }
    const std::string data = o.data_dir + "/";

    const models::ModelConfig mc = models::load_model(o.minilm_dir + "/config.json");
    const models::BertReference ref(mc, models::SafeTensors(o.minilm_dir + "/model.safetensors"));
    const models::WordPiece tok(o.minilm_dir + "/vocab.txt");
    std::vector<std::vector<int32_t>> ids, calib;
    for (const std::string& s : read_lines(data + "sentences-kjv.txt", static_cast<size_t>(o.sentences)))
        ids.push_back(tok.encode(s));
    for (const std::string& s : read_lines(data + "kjv-heldout.txt", static_cast<size_t>(o.calib)))
        calib.push_back(tok.encode(s));
    const EncoderStates reference = float_pass(ref, ids);
    const models::ModelConfig sim_model = models::load_model("all-minilm-l6-v2");

    QuantEvalTable table;
    if (o.budget_s > 0) {
        // The bases' candidates, simulated first: only those within the budget are measured.
        std::vector<PrecisionCandidate> all;
        for (size_t i = 0; i < recipes.size(); ++i) {
            if (o.progress) o.progress(names[i], "precision candidates", 0, 1);
            const auto c =
                precision_candidates(recipes[i], calibrate(ref, recipes[i], calib), sim_model, cfg, o.tokens);
            all.insert(all.end(), c.begin(), c.end());
            if (o.progress) o.progress(names[i], "precision candidates", 1, 1);
        }
        const BudgetSplit split =
            split_by_budget(all, o.budget_s, "the " + std::to_string(o.tokens) + "-token encoder pass on " + cfg.name);
        names.clear();
        recipes.clear();
        for (const PrecisionCandidate& c : split.within) {
            names.push_back(c.recipe);
            recipes.push_back(Recipe::parse(c.recipe));
        }
        for (const PrecisionCandidate& c : split.over)
            table.over_budget.emplace_back(c.recipe, c.latency_s);
        table.budget_s = o.budget_s;
    }
    table.preset = cfg.name;
    table.cost_model = cost_model ? cost_model->name : "";
    table.tokens = o.tokens;
    table.sentences = static_cast<int64_t>(ids.size());
    // The decoder LM: perplexity on held-out text (Revelation), calibrated on the sentence set
    // (verses of the training books).
    std::unique_ptr<models::LlamaReference> lm;
    std::vector<std::vector<int32_t>> lm_windows, lm_calib;
    if (!o.lm_dir.empty()) {
        const models::ModelConfig lm_config = models::load_model(o.lm_dir + "/config.json");  // its errors first
        lm = std::make_unique<models::LlamaReference>(lm_config, models::SafeTensors(o.lm_dir + "/model.safetensors"));
        lm_windows = byte_windows(read_all(data + "kjv-heldout.txt", "text"), 255, static_cast<size_t>(o.lm_windows));
        lm_calib = byte_windows(read_all(data + "sentences-kjv.txt", "text"), 255, 8);
        table.float_perplexity = float_perplexity(*lm, lm_windows);
        table.lm_windows = lm_windows.size();
    }

    for (size_t i = 0; i < recipes.size(); ++i) {
        const Recipe& recipe = recipes[i];
        const std::string& name = names[i];
        auto report = [&](const char* what) {
            return [&, what](const std::string&, size_t done, size_t total) {
                if (o.progress) o.progress(name, what, done, total);
            };
        };
        QuantEvalRow row;
        Recipe resolved = recipe;
        if (!recipe.rotate) {  // an encoder cannot be rotated: its columns stay empty
            const Calibration cal = calibrate(ref, recipe, calib);
            if (!o.calibration_dir.empty()) {
                fs::create_directories(o.calibration_dir);
                cal.save(o.calibration_dir + "/" + name + ".calib");
            }
            resolved = resolve(recipe, cal);
            row.acc =
                compare(reference, quantized_pass(ref, recipe, cal, cfg, ids, report("encoder layer"), &row.shadow));
        }
        row.recipe = resolved.name();
        if (lm) {
            const Calibration lc = calibrate_decoder(*lm, recipe, lm_calib);
            row.perplexity =
                quantized_perplexity(*lm, recipe, lc, cfg, lm_windows, report("decoder layer"), &row.shadow);
        }
        flow::ModelRunOptions run;
        run.prefill = o.tokens;
        run.decode = 0;
        Recipe charged = resolved;  // the promotions picked on the decoder are not the encoder's
        charged.promote_percent = 0;
        charged.rotate = false;  // offline: no run-time cost
        if (charged.shadow && charged.shadow_percent == 0) {
            // The CPU's share is what the passes above measured.
            charged.shadow_percent = std::max(row.shadow.element_percent(), 1e-6);
            row.recipe = charged.name();
        }
        row.sim = flow::run_model(sim_model, charged, cfg, run);
        if (cost_model) {
            flow::ModelRunOptions llm;
            llm.prefill = o.cost_prefill;
            llm.decode = o.cost_decode;
            row.cost = flow::run_model(*cost_model, charged, cfg, llm);
        }
        table.rows.push_back(row);
    }
    if (table.budget_s > 0) {
        const auto best = std::max_element(table.rows.begin(), table.rows.end(), [](const auto& a, const auto& b) {
            return a.acc.mean_cosine < b.acc.mean_cosine ||
                   (a.acc.mean_cosine == b.acc.mean_cosine && a.sim.ttft_s > b.sim.ttft_s);
        });
        table.best = best->recipe;
    }
    return table;
}

std::string QuantEvalTable::to_json() const {
    nlohmann::ordered_json recipes = nlohmann::ordered_json::array();
    for (const QuantEvalRow& r : rows) {
        nlohmann::ordered_json row = {{"recipe", r.recipe}, {"perplexity", r.perplexity}};
        const bool encoder = r.acc.sentences > 0;  // the encoder's accuracy was measured
        auto measured = [&](auto value) { return encoder ? nlohmann::ordered_json(value) : nlohmann::ordered_json(); };
        row["mean_cosine"] = measured(r.acc.mean_cosine);
        row["min_cosine"] = measured(r.acc.min_cosine);
        row["retrieval_agreement"] = measured(r.acc.retrieval_agreement);
        row["sentences"] = r.acc.sentences;
        row["layer_sqnr_db"] = measured(r.acc.layer_sqnr_db);
        if (r.shadow.elements) {
            row["shadow_outlier_percent"] = r.shadow.element_percent();
            row["shadow_channel_percent"] = r.shadow.channel_percent();
        }
        if (!r.cost.model.empty()) {
            row["cost_ttft_s"] = r.cost.ttft_s;
            row["cost_decode_tokens_per_s"] = r.cost.decode_tokens_per_s;
            row["cost_energy_per_token_j"] = r.cost.energy_per_token_j;
            row["cost_weight_bytes"] = r.cost.weight_bytes;
        }
        row["latency_s"] = r.sim.ttft_s;
        row["energy_j"] = r.sim.energy_j;
        row["weight_bytes"] = r.sim.weight_bytes;
        recipes.push_back(std::move(row));
    }
    nlohmann::ordered_json j = {{"model", "all-minilm-l6-v2"},
                                {"preset", preset},
                                {"cost_model", cost_model},
                                {"tokens", tokens},
                                {"sentences", sentences},
                                {"lm_windows", lm_windows},
                                {"float_perplexity", float_perplexity},
                                {"recipes", std::move(recipes)}};
    if (budget_s > 0) {
        j["budget_s"] = budget_s;
        j["best"] = best;
        nlohmann::ordered_json over = nlohmann::ordered_json::array();
        for (const auto& [recipe, latency] : over_budget)
            over.push_back({{"recipe", recipe}, {"latency_s", latency}});
        j["over_budget"] = std::move(over);
    }
    return j.dump();
}

}  // namespace npusim::quant
