// `npusim model`: a whole transformer on an NPU preset: prefill, then decode steps.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>

#include "base/errors.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "flow/model_breakdown.h"
#include "flow/model_run.h"
#include "models/workload.h"
#include "quant/calibration.h"

namespace npusim::cli {

namespace {

struct Row {
    double seconds = 0, energy_j = 0;
    uint64_t dram = 0;
    std::string kernel;
};

// Time of each op name over a pass, in order of first appearance.
std::vector<std::pair<std::string, Row>> by_op(const flow::PassResult& p) {
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

void print_ops(const char* title, const char* unit, double scale, const flow::PassResult& p) {
    const auto rows = by_op(p);
    int w = 10;
    for (const auto& row : rows)
        w = std::max(w, static_cast<int>(row.first.size()));
    std::printf("\n  %-*s %-18s %10s %7s %10s\n", w, title, "kernel", unit, "share", "DRAM (MB)");
    for (const auto& [name, row] : rows)
        std::printf("  %-*s %-18s %10.4g %6.1f%% %10.4g\n", w, name.c_str(), row.kernel.c_str(), row.seconds * scale,
                    100 * row.seconds / p.seconds, static_cast<double>(row.dram) / 1e6);
}

void print_layers(const flow::ModelReport& r) {
    std::printf("\n  %-10s %12s %7s %14s %7s %12s %10s\n", "layer", "prefill (ms)", "share", "decode (us)", "share",
                "energy (mJ)", "DRAM (MB)");
    for (const flow::LayerCost& l : flow::layer_costs(r))
        std::printf("  %-10s %12.4g %6.1f%% %14.4g %6.1f%% %12.4g %10.4g\n", l.name.c_str(), l.prefill_s * 1e3,
                    100 * l.prefill_s / r.prefill.seconds, l.decode_s * 1e6,
                    r.last_step.seconds > 0 ? 100 * l.decode_s / r.last_step.seconds : 0.0,
                    (l.prefill_j + l.decode_j) * 1e3, l.dram_bytes / 1e6);
    if (r.decode_tokens)
        std::printf("  (decode: one step at context %lld; energy and DRAM: the prefill plus that step)\n",
                    static_cast<long long>(r.contexts.back()));
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
                  {"quant", "RECIPE", "w4a8",
                   "w8a8, w8a8-dynamic, w4a8, w4a8-dynamic, w8a16, w4a16 [+kv4|+kv8|+kv16] [+head4|+head8]"},
                  {"prefill", "INT", "512", "prompt tokens"},
                  {"decode", "INT", "128", "generated tokens"},
                  {"chunk", "INT", "0", "prefill chunk in tokens (0: the whole prompt at once)"},
                  {"calibration", "FILE", "",
                   "a calibration file (npusim quant-eval --calibration-dir): its promoted linears resolve +mpP"},
                  {"set", "KEY=VALUE", "", "override a preset parameter (repeatable)"},
                  {"kv-block", "INT", "16", "tokens per KV cache page"},
                  {"place", "PATTERN=DEVICE", "",
                   "run the ops whose name matches the glob PATTERN on DEVICE (npu or cpu), over the default "
                   "placement: the NPU where it has the kernel and maps the op's arithmetic (repeatable; first "
                   "match first)"},
                  {"max-context", "", "", "report the longest context that fits the preset's memory budget"},
                  {"skip-prefill", "", "",
                   "take the prompt's KV cache as given and simulate only the decode steps (decode speed at a long "
                   "context without simulating its prefill)"},
                  {"draft", "NAME|PATH", "", "estimate speculative decoding with this draft model"},
                  {"draft-quant", "RECIPE", "", "the draft's recipe (default: --quant)"},
                  {"spec-k", "INT", "4", "tokens drafted per target step"},
                  {"accept", "FLOAT", "0.7", "probability that the target accepts a drafted token"},
                  {"sustained", "SECONDS", "",
                   "also run the last decode step back to back for SECONDS under the preset's thermal model "
                   "(thermal.*): tokens/s, temperature and clock over time, burst against sustained"},
                  {"json", "", "", "print one JSON object (per-op and per-layer results included)"},
                  {"save", "PATH", "", "also write the JSON report to PATH"},
                  {"trace", "PATH", "", "write a Chrome/Perfetto trace of the run (steps, layers, ops)"},
                  {"quiet", "", "", "no progress on stderr"},
              });
    if (!args.parse(argv)) return 0;
    if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
    const npu::NpuConfig cfg = preset_from_args(args);
    const models::ModelConfig m = models::load_model(args.get("model"));
    models::QuantRecipe q = models::QuantRecipe::parse(args.get("quant"));
    if (!args.get("calibration").empty()) q = quant::resolve(q, quant::Calibration::load(args.get("calibration")));
    flow::ModelRunOptions o;
    o.prefill = args.get_int("prefill");
    o.decode = args.get_int("decode");
    o.chunk = args.get_int("chunk");
    o.kv_block = args.get_int("kv-block");
    std::string rules;
    for (const std::string& rule : args.all("place"))
        rules += (rules.empty() ? "" : ",") + rule;
    o.placement = soc::PlacementPolicy::parse(rules, "--place");
    o.max_context = args.flag("max-context");
    o.skip_prefill = args.flag("skip-prefill");
    o.draft = args.get("draft");
    o.draft_quant = args.get("draft-quant");
    o.spec_k = args.get_int("spec-k");
    o.accept = args.get_double("accept", "a number");
    const bool quiet = args.flag("quiet");
    const flow::ModelReport r = flow::run_model(m, q, cfg, o, [&](const std::string& what, size_t done, size_t total) {
        if (!quiet) show_progress(what, done, total);
    });
    std::optional<flow::SustainedRun> sustained;
    if (!args.get("sustained").empty()) {
        const double seconds = args.get_double("sustained", "a number of seconds");
        if (!quiet) std::fprintf(stderr, "sustained decode for %g s ...\n", seconds);
        sustained = flow::sustained_generation(m, q, cfg, o, seconds);
    }
    const std::string json = flow::model_report_json(r, sustained ? &*sustained : nullptr);
    write_file(args.get("save"), json + "\n", "report");
    write_file(args.get("trace"), flow::model_trace_json(r), "trace");
    if (!r.fits_memory && !quiet)
        std::fprintf(stderr,
                     "warning: %s needs %.3g GB (weights %.3g + KV cache %.3g + activations %.3g), over the "
                     "%.3g GB budget of %s (dram.capacity_bytes)\n",
                     m.name.c_str(), r.footprint_bytes / 1e9, r.weight_bytes / 1e9, r.kv_cache_bytes / 1e9,
                     r.activation_bytes / 1e9, r.budget_bytes / 1e9, cfg.name.c_str());
    if (args.flag("json")) {
        std::cout << json << "\n";
        return 0;
    }
    const long long S = r.prefill_tokens, T = r.decode_tokens;
    std::printf("%s (%s, %.3g B parameters) on %s, %s, prefill %lld + decode %lld\n", r.model.c_str(),
                r.architecture.c_str(), static_cast<double>(r.parameters) / 1e9, r.preset.c_str(), r.quant.c_str(), S,
                T);
    if (r.prefill_simulated)
        std::printf("  time to first token   %.4g ms (prefill %.1f tokens/s)\n", r.ttft_s * 1e3,
                    r.prefill_tokens_per_s);
    else
        std::printf("  time to first token   not simulated (--skip-prefill: the prompt's cache is given)\n");
    if (T) {
        std::printf("  decode                %.2f tokens/s averaged over %lld steps%s, %.3g MB of DRAM per token\n",
                    r.decode_tokens_per_s, T, T > 16 ? " (9 contexts simulated, interpolated)" : "",
                    r.decode_dram_bytes_per_token / 1e6);
        std::printf("  decode at context %lld %.2f tokens/s; DRAM roofline %.2f tokens/s\n",
                    static_cast<long long>(r.contexts.back()), r.decode_tokens_per_s_last,
                    r.roofline_tokens_per_s_last);
    }
    std::printf(
        "  energy                %.4g J, %.3g W average: %.4g mJ per prompt token (prefill), %.4g mJ per "
        "generated token (decode); %.4g mJ per token over both\n",
        r.energy_j, r.average_power_w, 1e3 * r.prefill_energy_per_token_j, 1e3 * r.decode_energy_per_token_j,
        1e3 * r.energy_per_token_j);
    auto graphs = [](int64_t n) { return std::to_string(n) + (n == 1 ? " graph" : " graphs"); };
    std::printf("  runtime               %s (runtime.deployment): prefill %s, %.4g ms; a decode step %s, %.4g us\n",
                r.runtime_deployment == "op" ? "one graph per op" : "one graph per pass or decode step",
                graphs(r.prefill.graphs).c_str(), r.prefill.runtime_s * 1e3, graphs(r.last_step.graphs).c_str(),
                r.last_step.runtime_s * 1e6);
    // Ops on both devices: each device's busy time and the tensors handed between them.
    for (const auto& [what, p] :
         {std::pair<const char*, const flow::PassResult*>{"prefill", &r.prefill}, {"decode", &r.last_step}}) {
        if (p->runs.empty()) continue;
        std::string busy;
        for (const auto& [device, s] : p->device_busy_s)
            busy += (busy.empty() ? "" : ", ") + device + " " + std::to_string(s * 1e3).substr(0, 6) + " ms busy";
        std::printf("  devices (%s)%*s%s; %lld hand-offs of %.3g MB, %.4g ms; %.4g ms end to end\n", what,
                    static_cast<int>(9 - std::strlen(what)), "", busy.c_str(), static_cast<long long>(p->handoffs),
                    static_cast<double>(p->handoff_bytes) / 1e6, p->handoff_s * 1e3, p->seconds * 1e3);
    }
    std::printf(
        "  memory                %.3g GB of %.3g GB budget%s: weights %.3g + KV cache %.3g (%lld pages of %lld "
        "tokens, %.1f %% unused) + activations %.3g\n",
        r.footprint_bytes / 1e9, r.budget_bytes / 1e9, r.fits_memory ? "" : " (DOES NOT FIT)", r.weight_bytes / 1e9,
        r.kv_cache_bytes / 1e9, static_cast<long long>(r.kv_pages.blocks), static_cast<long long>(r.kv_block),
        100 * r.kv_pages.fragmentation(), r.activation_bytes / 1e9);
    for (const flow::ColdStart& c : r.cold_start)
        std::printf(
            "  cold start (%s)     first token after %.3g s: storage %.3g s (%.3g GB read%s) + graph "
            "preparation %.3g s + %.3g ms; %.3g GB resident at the peak\n",
            soc::load_path_name(c.path), c.ttft_s, c.load.seconds, c.load.bytes_read / 1e9,
            c.path == soc::LoadPath::Mmap ? (", " + std::to_string(c.load.faults) + " page faults").c_str() : "",
            c.prepare_s, r.ttft_s * 1e3, c.peak_resident_bytes / 1e9);
    if (sustained) {
        std::printf("  sustained %.0f s       burst %.2f tokens/s, sustained %.2f tokens/s (last quarter); ",
                    sustained->seconds, sustained->burst_tokens_per_s, sustained->sustained_tokens_per_s);
        if (sustained->throttled_after_s < 0)
            std::printf("no throttling, peak %.1f C\n", sustained->peak_temperature_c);
        else
            std::printf("throttled after %.0f s at %.1f C (thermal.limit_c)\n", sustained->throttled_after_s,
                        cfg.thermal_limit_c);
    }
    if (r.max_context >= 0)
        std::printf("  longest context       %lld tokens fit the budget\n", static_cast<long long>(r.max_context));
    if (!r.draft.empty())
        std::printf(
            "  speculative           draft %s, k=%lld, acceptance %.2f: %.3g tokens per target step, draft "
            "step %.4g ms, verify %.4g ms: %.3gx plain decode\n",
            r.draft.c_str(), static_cast<long long>(o.spec_k), o.accept, r.spec_tokens_per_step,
            r.spec_draft_step_s * 1e3, r.spec_verify_s * 1e3, r.spec_speedup);
    print_layers(r);
    print_ops("prefill op", "time (ms)", 1e3, r.prefill);
    if (T) print_ops("decode op (last step)", "time (us)", 1e6, r.last_step);
    std::printf("\n  %llu kernels lowered for this run (the rest were cache hits)\n",
                static_cast<unsigned long long>(r.kernels_lowered));
    return 0;
}

}  // namespace npusim::cli
