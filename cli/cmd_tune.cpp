// `npusim tune KERNEL`: search the kernel's schedule space on a preset with the simulator.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "flow/tuner.h"

namespace npusim::cli {

namespace {

nlohmann::ordered_json step_json(const flow::TuneStep& s) {
    return {{"index", s.index},
            {"schedule", s.knobs},
            {"ok", s.ok},
            {"cycles", s.cycles},
            {"roofline_fraction", s.roofline_fraction},
            {"cached", s.cached},
            {"error", s.error}};
}

std::string line(const char* label, const flow::TuneStep& s) {
    char buf[128];
    if (!s.ok) return std::string(label) + "  did not run: " + s.error;
    std::snprintf(buf, sizeof buf, "%-8s %12llu cycles  %5.1f %% of the kernel roofline", label,
                  static_cast<unsigned long long>(s.cycles), 100 * s.roofline_fraction);
    return buf;
}

}  // namespace

int cmd_tune(const std::vector<std::string>& argv) {
    Args args("tune",
              "Search a kernel's schedule knobs on an NPU preset, with the simulator as the cost function.\n"
              "usage: npusim tune KERNEL [--preset P] [--shape m=512,n=2048,k=2048] [--budget N] [--json]\n"
              "The search starts from the preset's default schedule, samples the space, then walks each\n"
              "knob to its neighbours from the best points (docs/tuning.md). Evaluations are cached on disk.",
              {
                  {"preset", "NAME|PATH", "default", "NPU preset name or a .yaml file"},
                  {"shape", "FIELDS", "", "shape dimensions (see `npusim kernels`); unnamed ones take defaults"},
                  {"budget", "INT", "64", "schedules to evaluate, the default included"},
                  {"seed", "INT", "1", "random seed of the sampling"},
                  {"space", "KNOB=V|V|...", "", "restrict a knob to these values (repeatable)"},
                  {"set", "KEY=VALUE", "", "override a preset parameter (repeatable)"},
                  {"cache-dir", "DIR", "", "cache directory (default $NPUSIM_CACHE_DIR or ~/.cache/npusim)"},
                  {"no-cache", "", "", "neither read nor write the disk cache"},
                  {"exhaustive", "", "", "evaluate every schedule of the space instead of searching"},
                  {"quiet", "", "", "no progress lines on stderr"},
                  {"json", "", "", "print one JSON object (best, default, history)"},
              });
    if (!args.parse(argv)) return 0;
    if (args.positional().size() != 1) throw UsageError("give one kernel name (see `npusim kernels`)");
    const std::string kernel = args.positional()[0];
    const npu::NpuConfig cfg = preset_from_args(args);
    flow::TuneOptions opts;
    const long long budget = args.get_int("budget");
    if (budget < 1 || budget > 100000) throw UsageError("--budget must be in [1, 100000]");
    opts.budget = static_cast<int>(budget);
    opts.seed = static_cast<uint64_t>(args.get_int("seed"));
    if (!args.flag("no-cache"))
        opts.cache_dir = args.get("cache-dir").empty() ? flow::default_cache_dir() : args.get("cache-dir");
    for (const std::string& item : args.all("space")) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("--space needs KNOB=V|V|..., got '" + item + "'");
        std::vector<std::string> vals;
        std::string rest = item.substr(eq + 1), v;
        for (size_t p = 0; p <= rest.size(); ++p)
            if (p == rest.size() || rest[p] == '|') {
                if (!v.empty()) vals.push_back(v);
                v.clear();
            } else {
                v += rest[p];
            }
        opts.space[item.substr(0, eq)] = vals;
    }
    const bool exhaustive = args.flag("exhaustive");
    if (!args.flag("quiet"))
        opts.progress = [&](const flow::TuneStep& s, const flow::TuneStep& best) {
            std::fprintf(
                stderr, "[%d/%s] %s %s | best %llu\n", s.index,
                exhaustive ? "all" : std::to_string(opts.budget).c_str(), schedules::fields_text(s.knobs).c_str(),
                s.ok ? (std::to_string(s.cycles) + " cycles" + (s.cached ? " (cached)" : "")).c_str() : "did not run",
                static_cast<unsigned long long>(best.cycles));
        };
    const schedules::Shape shape = schedules::parse_shape(args.get("shape"));
    const flow::TuneResult r =
        exhaustive ? flow::tune_exhaustive(kernel, shape, cfg, opts) : flow::tune(kernel, shape, cfg, opts);
    if (args.flag("json")) {
        nlohmann::ordered_json history = nlohmann::ordered_json::array();
        for (const auto& s : r.history)
            history.push_back(step_json(s));
        const nlohmann::ordered_json j = {
            {"kernel", kernel},           {"preset", cfg.name},           {"evaluations", r.history.size()},
            {"space_size", r.space_size}, {"idle_knobs", r.idle_knobs},   {"default", step_json(r.default_step)},
            {"best", step_json(r.best)},  {"history", std::move(history)}};
        std::cout << j.dump() << "\n";
        return 0;
    }
    std::cout << kernel << " on " << cfg.name << ": " << r.history.size() << " schedules evaluated (space of "
              << r.space_size << ")\n"
              << "  " << line("default", r.default_step) << "\n"
              << "  " << line("best", r.best) << "\n";
    if (r.default_step.ok && r.best.ok && r.best.cycles)
        std::printf("  speed-up %.3fx over the default\n",
                    static_cast<double>(r.default_step.cycles) / static_cast<double>(r.best.cycles));
    std::cout << "  best schedule: " << schedules::fields_text(r.best.knobs) << "\n";
    if (!r.idle_knobs.empty())
        std::cout << "  left at their defaults (no value changes the program here): " << schedules::join(r.idle_knobs)
                  << "\n";
    return 0;
}

}  // namespace npusim::cli
