// npusim deploy MANIFEST and npusim compare MANIFEST...: deployment targets (deploy/manifest.h).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "base/errors.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "deploy/deploy_run.h"

namespace npusim::cli {

namespace {

std::vector<deploy::DeployReport> run_all(const std::vector<std::string>& paths, bool quiet) {
    std::vector<deploy::Manifest> manifests;  // every file's mistakes before any simulation
    for (const std::string& path : paths)
        manifests.push_back(deploy::read_manifest(path));
    std::vector<deploy::DeployReport> reports;
    for (const deploy::Manifest& m : manifests) {
        if (!quiet) std::fprintf(stderr, "%s: %s\n", m.path.c_str(), m.name.c_str());
        reports.push_back(deploy::run_manifest(m, [&](const std::string& what, size_t done, size_t total) {
            if (!quiet) show_progress(what, done, total);
        }));
    }
    return reports;
}

void print_report(const deploy::DeployReport& r) {
    const flow::ModelReport& run = r.run;
    std::printf("%s (%s)\n", r.manifest.name.c_str(), r.manifest.path.c_str());
    std::printf("  target                %s on %s, %s; placement: %s\n", run.model.c_str(), r.preset_name.c_str(),
                run.quant.c_str(),
                r.manifest.placement.rules.empty() ? "default" : r.manifest.placement.text().c_str());
    std::printf(
        "  first token           %.4g ms warm (%lld-token prompt); %.3g s from a cold start (%s: storage %.3g s + "
        "graph preparation %.3g s)\n",
        run.ttft_s * 1e3, static_cast<long long>(run.prefill_tokens), r.cold.ttft_s, soc::load_path_name(r.cold.path),
        r.cold.load.seconds, r.cold.prepare_s);
    if (run.decode_tokens > 0) {
        std::printf("  decode                %.4g tokens/s over %lld tokens (burst)", run.decode_tokens_per_s,
                    static_cast<long long>(run.decode_tokens));
        if (r.sustained) {
            std::printf("; %.4g tokens/s sustained over %.0f s, ", r.sustained->sustained_tokens_per_s,
                        r.sustained->seconds);
            if (r.sustained->throttled_after_s < 0)
                std::printf("no throttling (peak %.1f C)", r.sustained->peak_temperature_c);
            else
                std::printf("throttled after %.0f s (peak %.1f C)", r.sustained->throttled_after_s,
                            r.sustained->peak_temperature_c);
        }
        std::printf("\n  energy                %.4g mJ per generated token\n", 1e3 * run.decode_energy_per_token_j);
    }
    std::printf("  memory                %.3g GB at the peak, of a %.3g GB budget\n", r.peak_memory_bytes / 1e9,
                r.budget_bytes / 1e9);
    if (r.accuracy) {
        if (!r.accuracy->found)
            std::printf("  accuracy              no row for %s in %s\n", run.quant.c_str(), r.accuracy->source.c_str());
        else
            std::printf(
                "  accuracy              all-MiniLM-L6-v2 cosine %.4f, retrieval %.1f %%%s (a proxy measured on "
                "real weights: %s)\n",
                r.accuracy->mean_cosine, 100 * r.accuracy->retrieval_agreement,
                r.accuracy->perplexity > 0
                    ? (", decoder LM perplexity " + std::to_string(r.accuracy->perplexity).substr(0, 6)).c_str()
                    : "",
                r.accuracy->source.c_str());
    }
}

std::string cell(double v, const char* fmt) {
    char b[32];
    std::snprintf(b, sizeof b, fmt, v);
    return b;
}

}  // namespace

int cmd_deploy(const std::vector<std::string>& argv) {
    Args args("deploy",
              "Report on one deployment manifest (a YAML file per target: chip preset, model, recipe with\n"
              "per-layer overrides, placement, KV cache, context and output limits, load path, thermal\n"
              "scenario; configs/deploy/ has examples, docs/deploy.md every key): time to first token warm\n"
              "and from a cold start, decode burst and sustained, energy per token, peak memory, and the\n"
              "recipe's accuracy where a quant-eval table has it.\n"
              "Usage: npusim deploy MANIFEST.yaml [options]",
              {
                  {"json", "", "", "print one JSON object"},
                  {"save", "PATH", "", "also write the JSON report to PATH"},
                  {"quiet", "", "", "no progress on stderr"},
              });
    if (!args.parse(argv)) return 0;
    if (args.positional().size() != 1) throw UsageError("deploy takes one manifest (npusim deploy MANIFEST.yaml)");
    const auto reports = run_all(args.positional(), args.flag("quiet"));
    const std::string json = reports.front().to_json();
    write_file(args.get("save"), json + "\n", "report");
    if (args.flag("json"))
        std::cout << json << "\n";
    else
        print_report(reports.front());
    return 0;
}

int cmd_compare(const std::vector<std::string>& argv) {
    Args args("compare",
              "Several deployment manifests side by side: time to first token (warm and cold), decode tokens/s\n"
              "(burst and sustained), energy per token, peak memory, and accuracy where the manifest names a\n"
              "quant-eval table. `python -m npusim.plots compare FILE` draws a --save'd table.\n"
              "Usage: npusim compare A.yaml B.yaml ... [options]",
              {
                  {"json", "", "", "print the table as JSON"},
                  {"save", "PATH", "", "also write the table as JSON to PATH"},
                  {"quiet", "", "", "no progress on stderr"},
              });
    if (!args.parse(argv)) return 0;
    if (args.positional().empty())
        throw UsageError("compare takes one or more manifests (npusim compare A.yaml B.yaml)");
    const auto reports = run_all(args.positional(), args.flag("quiet"));
    const std::string json = deploy::compare_json(reports);
    write_file(args.get("save"), json + "\n", "table");
    if (args.flag("json")) {
        std::cout << json << "\n";
        return 0;
    }
    const std::vector<std::string> header = {"target",   "chip",        "model",        "recipe",
                                             "TTFT ms",  "cold TTFT s", "decode tok/s", "sustained tok/s",
                                             "mJ/token", "peak GB",     "cosine",       "perplexity"};
    std::vector<std::vector<std::string>> rows;
    for (const deploy::DeployReport& r : reports) {
        const bool acc = r.accuracy && r.accuracy->found;
        rows.push_back({r.manifest.name, r.preset_name, r.run.model, r.run.quant, cell(r.run.ttft_s * 1e3, "%.4g"),
                        cell(r.cold.ttft_s, "%.3g") + " (" + soc::load_path_name(r.cold.path) + ")",
                        cell(r.run.decode_tokens_per_s, "%.4g"),
                        r.sustained ? cell(r.sustained->sustained_tokens_per_s, "%.4g") : "-",
                        cell(1e3 * r.run.decode_energy_per_token_j, "%.4g"), cell(r.peak_memory_bytes / 1e9, "%.3g"),
                        acc ? cell(r.accuracy->mean_cosine, "%.4f") : "-",
                        acc && r.accuracy->perplexity > 0 ? cell(r.accuracy->perplexity, "%.4f") : "-"});
    }
    std::vector<size_t> width(header.size());
    for (size_t c = 0; c < header.size(); ++c) {
        width[c] = header[c].size();
        for (const auto& row : rows)
            width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (size_t c = 0; c < cells.size(); ++c) {
            const std::string pad(width[c] - cells[c].size(), ' ');
            text += (c ? "  " : "") + (c < 4 ? cells[c] + pad : pad + cells[c]);
        }
        std::printf("%s\n", text.substr(0, text.find_last_not_of(' ') + 1).c_str());
    };
    line(header);
    for (const auto& row : rows)
        line(row);
    return 0;
}

}  // namespace npusim::cli
