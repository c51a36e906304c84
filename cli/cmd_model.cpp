// `npusim model`: a whole transformer on an NPU preset: prefill, then decode steps.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "models/workload.h"
#include "schedules/model_run.h"

namespace npusim::cli {

namespace {

struct Row {
    double seconds = 0, energy_j = 0;
    uint64_t dram = 0;
    std::string kernel;
};

// Time of each op name over a pass, in order of first appearance.
std::vector<std::pair<std::string, Row>> by_op(const schedules::PassResult& p) {
    std::vector<std::pair<std::string, Row>> rows;
    for (const auto& r : p.ops) {
        auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& x) { return x.first == r.op.name; });
        if (it == rows.end()) {
            rows.push_back({r.op.name, {}});
            it = rows.end() - 1;
            it->second.kernel = r.op.kernel;
        }
        it->second.seconds += r.seconds * static_cast<double>(r.op.count);
        it->second.energy_j += r.energy_j * static_cast<double>(r.op.count);
        it->second.dram += r.dram_bytes * static_cast<uint64_t>(r.op.count);
    }
    return rows;
}

}  // namespace

int cmd_model(const std::vector<std::string>& argv) {
    Args args("model",
              "Simulate a whole transformer on an NPU preset: prefill of S tokens, then T decode steps with\n"
              "the context growing. Every op runs through the kernel library with the preset's default\n"
              "schedules; identical ops are simulated once.",
              {
                  {"preset", "NAME|PATH", "default", "NPU preset name or a .yaml file"},
                  {"model", "NAME|PATH", "llama-3.2-1b", "a shipped model (configs/models) or a config.json"},
                  {"quant", "RECIPE", "w4a8", "w8a8, w8a8-dynamic, w4a8, w8a16, w4a16 [+kv4|+kv8] [+head4|+head8]"},
                  {"prefill", "INT", "512", "prompt tokens"},
                  {"decode", "INT", "128", "generated tokens"},
                  {"chunk", "INT", "0", "prefill chunk in tokens (0: the whole prompt at once)"},
                  {"set", "KEY=VALUE", "", "override a preset parameter (repeatable)"},
                  {"kv-block", "INT", "16", "tokens per KV cache page"},
                  {"max-context", "", "", "report the longest context that fits the preset's memory budget"},
                  {"draft", "NAME|PATH", "", "estimate speculative decoding with this draft model"},
                  {"draft-quant", "RECIPE", "", "the draft's recipe (default: --quant)"},
                  {"spec-k", "INT", "4", "tokens drafted per target step"},
                  {"accept", "FLOAT", "0.7", "probability that the target accepts a drafted token"},
                  {"json", "", "", "print one JSON object"},
                  {"quiet", "", "", "no progress on stderr"},
              });
    if (!args.parse(argv)) return 0;
    if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
    const npu::NpuConfig cfg = preset_from_args(args);
    const models::ModelConfig m = models::load_model(args.get("model"));
    const models::QuantRecipe q = models::QuantRecipe::parse(args.get("quant"));
    schedules::ModelRunOptions o;
    o.prefill = args.get_int("prefill");
    o.decode = args.get_int("decode");
    o.chunk = args.get_int("chunk");
    o.kv_block = args.get_int("kv-block");
    o.max_context = args.flag("max-context");
    o.draft = args.get("draft");
    o.draft_quant = args.get("draft-quant");
    o.spec_k = args.get_int("spec-k");
    try {
        o.accept = std::stod(args.get("accept"));
    } catch (const std::exception&) {
        throw UsageError("--accept must be a number, got '" + args.get("accept") + "'");
    }
    const bool quiet = args.flag("quiet");
    const schedules::ModelReport r =
        schedules::run_model(m, q, cfg, o, [&](const std::string& what, size_t done, size_t total) {
            if (quiet) return;
            std::fprintf(stderr, "\r%s: %zu/%zu ops", what.c_str(), done, total);
            if (done == total) std::fprintf(stderr, "\n");
        });
    if (!r.fits_memory && !quiet)
        std::fprintf(stderr,
                     "warning: %s needs %.3g GB (weights %.3g + KV cache %.3g + activations %.3g), over the "
                     "%.3g GB budget of %s (dram.capacity_bytes)\n",
                     m.name.c_str(), r.footprint_bytes / 1e9, r.weight_bytes / 1e9, r.kv_cache_bytes / 1e9,
                     r.activation_bytes / 1e9, r.budget_bytes / 1e9, cfg.name.c_str());
    if (args.flag("json")) {
        std::cout << r.to_json() << "\n";
        return 0;
    }
    const long long S = r.prefill_tokens, T = r.decode_tokens;
    std::printf("%s (%s, %.3g B parameters) on %s, %s, prefill %lld + decode %lld\n", r.model.c_str(),
                r.architecture.c_str(), static_cast<double>(r.parameters) / 1e9, r.preset.c_str(), r.quant.c_str(), S,
                T);
    std::printf("  time to first token   %.4g ms (prefill %.1f tokens/s)\n", r.ttft_s * 1e3, r.prefill_tokens_per_s);
    if (T) {
        std::printf("  decode                %.2f tokens/s averaged over %lld steps%s, %.3g MB of DRAM per token\n",
                    r.decode_tokens_per_s, T, T > 16 ? " (9 contexts simulated, interpolated)" : "",
                    r.decode_dram_bytes_per_token / 1e6);
        std::printf("  decode at context %lld %.2f tokens/s; DRAM roofline %.2f tokens/s\n",
                    static_cast<long long>(r.contexts.back()), r.decode_tokens_per_s_last,
                    r.roofline_tokens_per_s_last);
    }
    std::printf("  energy                %.4g J, %.4g mJ per token, %.3g W average\n", r.energy_j,
                1e3 * r.energy_per_token_j, r.average_power_w);
    std::printf(
        "  memory                %.3g GB of %.3g GB budget%s: weights %.3g + KV cache %.3g (%lld pages of %lld "
        "tokens, %.1f %% unused) + activations %.3g\n",
        r.footprint_bytes / 1e9, r.budget_bytes / 1e9, r.fits_memory ? "" : " (DOES NOT FIT)", r.weight_bytes / 1e9,
        r.kv_cache_bytes / 1e9, static_cast<long long>(r.kv_pages.blocks), static_cast<long long>(r.kv_block),
        100 * r.kv_pages.fragmentation(), r.activation_bytes / 1e9);
    if (r.max_context >= 0)
        std::printf("  longest context       %lld tokens fit the budget\n", static_cast<long long>(r.max_context));
    if (!r.draft.empty())
        std::printf(
            "  speculative           draft %s, k=%lld, acceptance %.2f: %.3g tokens per target step, draft "
            "step %.4g ms, verify %.4g ms: %.3gx plain decode\n",
            r.draft.c_str(), static_cast<long long>(o.spec_k), o.accept, r.spec_tokens_per_step,
            r.spec_draft_step_s * 1e3, r.spec_verify_s * 1e3, r.spec_speedup);
    const schedules::PassResult& prefill = r.prefill;
    const schedules::PassResult& last = r.last_step;
    std::printf("\n  %-26s %-20s %12s %8s %12s\n", "prefill op", "kernel", "time (ms)", "share", "DRAM (MB)");
    for (const auto& [name, row] : by_op(prefill))
        std::printf("  %-26s %-20s %12.4f %7.1f%% %12.3f\n", name.c_str(), row.kernel.c_str(), row.seconds * 1e3,
                    100 * row.seconds / prefill.seconds, static_cast<double>(row.dram) / 1e6);
    if (T) {
        std::printf("\n  %-26s %-20s %12s %8s %12s\n", "decode op (last step)", "kernel", "time (us)", "share",
                    "DRAM (MB)");
        for (const auto& [name, row] : by_op(last))
            std::printf("  %-26s %-20s %12.3f %7.1f%% %12.3f\n", name.c_str(), row.kernel.c_str(), row.seconds * 1e6,
                        100 * row.seconds / last.seconds, static_cast<double>(row.dram) / 1e6);
    }
    return 0;
}

}  // namespace npusim::cli
