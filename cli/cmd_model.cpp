// `npusim model`: a whole transformer on an NPU preset: prefill, then decode steps.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli/args.h"
#include "cli/commands.h"
#include "models/workload.h"
#include "schedules/model_run.h"
#include "sim/report/json_text.h"

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
    const long long S = args.get_int("prefill"), T = args.get_int("decode"), chunk_arg = args.get_int("chunk");
    if (S < 1 || S > (1 << 20)) throw UsageError("--prefill must be in [1, 1048576]");
    if (T < 0 || T > (1 << 20)) throw UsageError("--decode must be in [0, 1048576]");
    const int64_t chunk = chunk_arg > 0 ? chunk_arg : S;
    const bool quiet = args.flag("quiet");
    auto progress = [&](const char* what) {
        return [&, what](size_t done, size_t total) {
            if (!quiet) std::fprintf(stderr, "\r%s: %zu/%zu ops", what, done, total);
            if (!quiet && done == total) std::fprintf(stderr, "\n");
        };
    };
    const schedules::PassResult prefill =
        schedules::run_pass(models::prefill_ops(m, q, S, chunk), cfg, progress("prefill"));
    // Decode steps: every step when few, else 9 contexts evenly spaced from the first step to the
    // last, with the time per step interpolated linearly in the context between them.
    std::vector<int64_t> contexts;
    if (T <= 16) {
        for (int64_t i = 1; i <= T; ++i)
            contexts.push_back(S + i);
    } else {
        for (int i = 0; i < 9; ++i)
            contexts.push_back(S + 1 + (T - 1) * i / 8);
    }
    std::vector<schedules::PassResult> steps;
    for (size_t i = 0; i < contexts.size(); ++i) {
        const std::string what = "decode step at context " + std::to_string(contexts[i]);
        steps.push_back(schedules::run_pass(models::decode_ops(m, q, contexts[i]), cfg, progress(what.c_str())));
    }
    double decode_s = 0, decode_j = 0, decode_bytes = 0;
    if (T <= 16) {
        for (const auto& s : steps) {
            decode_s += s.seconds;
            decode_j += s.energy_j;
            decode_bytes += static_cast<double>(s.dram_bytes);
        }
    } else {
        for (size_t i = 0; i + 1 < steps.size(); ++i) {  // trapezoids over the sampled contexts
            const double w = static_cast<double>(contexts[i + 1] - contexts[i]);
            decode_s += w * (steps[i].seconds + steps[i + 1].seconds) / 2;
            decode_j += w * (steps[i].energy_j + steps[i + 1].energy_j) / 2;
            decode_bytes += w * static_cast<double>(steps[i].dram_bytes + steps[i + 1].dram_bytes) / 2;
        }
        decode_s += steps.front().seconds;  // the first step, before the first interval
        decode_j += steps.front().energy_j;
        decode_bytes += static_cast<double>(steps.front().dram_bytes);
    }
    const long long block = args.get_int("kv-block");
    if (block < 1 || block > (1 << 20)) throw UsageError("--kv-block must be in [1, 1048576]");
    const double weights = static_cast<double>(models::weight_bytes(m, q));
    const models::KvPages pages = models::kv_pages(m, q, S + T, block);
    const double kv = static_cast<double>(pages.allocated_bytes);
    const double activations = static_cast<double>(models::peak_activation_bytes(m, chunk));
    const double footprint = weights + kv + activations;
    const bool fits = footprint <= cfg.dram_capacity_bytes;
    if (!fits && !quiet)
        std::fprintf(stderr,
                     "warning: %s needs %.3g GB (weights %.3g + KV cache %.3g + activations %.3g), over the "
                     "%.3g GB budget of %s (dram.capacity_bytes)\n",
                     m.name.c_str(), footprint / 1e9, weights / 1e9, kv / 1e9, activations / 1e9,
                     cfg.dram_capacity_bytes / 1e9, cfg.name.c_str());
    const int64_t longest =
        args.flag("max-context") ? models::max_context(m, q, chunk, block, cfg.dram_capacity_bytes) : -1;
    const double bw = cfg.dram_bytes_per_cycle * cfg.dram_efficiency * cfg.clock_mhz * 1e6;  // sustained B/s
    const schedules::PassResult& last = steps.empty() ? prefill : steps.back();
    const double last_tok_s = steps.empty() ? 0 : 1.0 / last.seconds;
    const double roofline_tok_s = steps.empty() ? 0 : bw / static_cast<double>(last.dram_bytes);
    const double total_j = prefill.energy_j + decode_j, total_s = prefill.seconds + decode_s;
    // Speculative decoding at the last context: k draft steps, then the target verifies k + 1 tokens.
    double spec_tokens = 0, spec_speedup = 0;
    std::string spec_line;
    const std::string draft_name = args.get("draft");
    if (!draft_name.empty()) {
        if (steps.empty()) throw UsageError("--draft needs --decode of at least one token");
        const models::ModelConfig draft = models::load_model(draft_name);
        const models::QuantRecipe dq =
            models::QuantRecipe::parse(args.get("draft-quant").empty() ? args.get("quant") : args.get("draft-quant"));
        const long long k = args.get_int("spec-k");
        if (k < 1 || k > 64) throw UsageError("--spec-k must be in [1, 64]");
        const double a = std::stod(args.get("accept"));
        if (!(a >= 0 && a <= 1)) throw UsageError("--accept must be a probability in [0, 1]");
        const int64_t ctx = contexts.back();
        const double t_draft = schedules::run_pass(models::decode_ops(draft, dq, ctx), cfg).seconds;
        const double t_verify = schedules::run_pass(models::verify_ops(m, q, k + 1, ctx + k), cfg).seconds;
        spec_tokens = models::expected_tokens_per_step(a, k);
        spec_speedup = spec_tokens * last.seconds / (static_cast<double>(k) * t_draft + t_verify);
        char line[400];
        std::snprintf(line, sizeof line,
                      "  speculative           draft %s (%s), k=%lld, acceptance %.2f: %.3g tokens per target step, "
                      "draft step %.4g ms, verify %.4g ms: %.3gx plain decode at context %lld\n",
                      draft.name.c_str(), dq.name().c_str(), k, a, spec_tokens, t_draft * 1e3, t_verify * 1e3,
                      spec_speedup, static_cast<long long>(ctx));
        spec_line = line;
    }
    if (args.flag("json")) {
        std::printf(
            "{\"model\": %s, \"preset\": %s, \"quant\": %s, \"prefill_tokens\": %lld, \"decode_tokens\": %lld, "
            "\"ttft_s\": %.9g, \"prefill_tokens_per_s\": %.9g, \"decode_tokens_per_s\": %.9g, "
            "\"decode_tokens_per_s_last\": %.9g, \"decode_roofline_tokens_per_s_last\": %.9g, "
            "\"energy_j\": %.9g, \"energy_per_token_j\": %.9g, \"average_power_w\": %.9g, "
            "\"weight_bytes\": %.0f, \"kv_cache_bytes\": %.0f, \"parameters\": %lld, "
            "\"speculative_tokens_per_step\": %.9g, \"speculative_speedup\": %.9g, "
            "\"activation_bytes\": %.0f, \"footprint_bytes\": %.0f, \"memory_budget_bytes\": %.0f, "
            "\"fits_memory\": %s, \"kv_blocks\": %lld, \"kv_fragmentation\": %.6g, \"max_context\": %lld}\n",
            npu::json_quote(m.name).c_str(), npu::json_quote(cfg.name).c_str(), npu::json_quote(q.name()).c_str(), S, T,
            prefill.seconds, S / prefill.seconds, T ? T / decode_s : 0, last_tok_s, roofline_tok_s, total_j,
            total_j / static_cast<double>(S + T), total_j / total_s, weights, kv,
            static_cast<long long>(m.parameter_count()), spec_tokens, spec_speedup, activations, footprint,
            cfg.dram_capacity_bytes, fits ? "true" : "false", static_cast<long long>(pages.blocks),
            pages.fragmentation(), static_cast<long long>(longest));
        return 0;
    }
    std::printf("%s (%s, %.3g B parameters) on %s, %s, prefill %lld + decode %lld\n", m.name.c_str(),
                m.architecture.c_str(), static_cast<double>(m.parameter_count()) / 1e9, cfg.name.c_str(),
                q.name().c_str(), S, T);
    std::printf("  time to first token   %.4g ms (prefill %.1f tokens/s)\n", prefill.seconds * 1e3,
                S / prefill.seconds);
    if (T) {
        std::printf("  decode                %.2f tokens/s averaged over %lld steps%s\n", T / decode_s, T,
                    T > 16 ? " (9 contexts simulated, interpolated)" : "");
        std::printf("  decode at context %lld %.2f tokens/s; DRAM roofline %.2f tokens/s (%.3g MB per token)\n",
                    static_cast<long long>(contexts.back()), last_tok_s, roofline_tok_s,
                    static_cast<double>(last.dram_bytes) / 1e6);
    }
    std::printf("  energy                %.4g J, %.4g mJ per token, %.3g W average\n", total_j,
                1e3 * total_j / static_cast<double>(S + T), total_j / total_s);
    std::printf(
        "  memory                %.3g GB of %.3g GB budget%s: weights %.3g + KV cache %.3g (%lld pages of %lld "
        "tokens, %.1f %% unused) + activations %.3g\n",
        footprint / 1e9, cfg.dram_capacity_bytes / 1e9, fits ? "" : " (DOES NOT FIT)", weights / 1e9, kv / 1e9,
        static_cast<long long>(pages.blocks), block, 100 * pages.fragmentation(), activations / 1e9);
    if (longest >= 0)
        std::printf("  longest context       %lld tokens fit the budget\n", static_cast<long long>(longest));
    std::printf("%s", spec_line.c_str());
    std::printf("\n  %-26s %-20s %12s %8s %12s\n", "prefill op", "kernel", "time (ms)", "share", "DRAM (MB)");
    for (const auto& [name, row] : by_op(prefill))
        std::printf("  %-26s %-20s %12.4f %7.1f%% %12.3f\n", name.c_str(), row.kernel.c_str(), row.seconds * 1e3,
                    100 * row.seconds / prefill.seconds, static_cast<double>(row.dram) / 1e6);
    if (!steps.empty()) {
        std::printf("\n  %-26s %-20s %12s %8s %12s\n", "decode op (last step)", "kernel", "time (us)", "share",
                    "DRAM (MB)");
        for (const auto& [name, row] : by_op(last))
            std::printf("  %-26s %-20s %12.3f %7.1f%% %12.3f\n", name.c_str(), row.kernel.c_str(), row.seconds * 1e6,
                        100 * row.seconds / last.seconds, static_cast<double>(row.dram) / 1e6);
    }
    return 0;
}

}  // namespace npusim::cli
