// Options shared by the commands that run a simulation: --preset, --set, --trace; progress.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "base/errors.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "flow/knob_effect.h"

namespace npusim::cli {

npu::NpuConfig preset_from_args(const Args& args) {
    npu::NpuConfig cfg = npu::load_preset(args.get("preset"));
    for (const std::string& kv : args.all("set")) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) throw UsageError("--set needs KEY=VALUE, got '" + kv + "'");
        cfg.set(kv.substr(0, eq), kv.substr(eq + 1), "--set " + kv);
    }
    cfg.validate();
    return cfg;
}

int run_call(const Args& args, const flow::KernelCall& call, const npu::NpuConfig& cfg, const std::string& header) {
    if (args.flag("print-program")) {
        std::cout << npu::to_text(flow::compile_kernel(call));
        return 0;
    }
    npu::TraceRecorder trace;
    const npu::Report r = flow::simulate_kernel(call, cfg, args.get("trace").empty() ? nullptr : &trace);
    write_trace(args, trace, r, cfg.clock_mhz);
    if (args.flag("json")) {
        std::cout << r.to_json() << "\n";
        return 0;
    }
    std::cout << header << "\n";
    // The effective schedule: which knobs this shape and NPU make idle (a few more lowerings).
    const std::vector<std::string> idle = flow::idle_knobs(call, cfg);
    if (!idle.empty())
        std::cout << "  no effect here (any value lowers to the same program): " << schedules::join(idle) << "\n";
    std::cout << r.to_table();
    return 0;
}

void write_file(const std::string& path, const std::string& text, const char* what) {
    if (path.empty()) return;
    std::ofstream out(path, std::ios::binary);
    if (!out) throw npu::UserError(path + ": cannot write the " + what);
    out << text;
    if (!out.flush()) throw npu::UserError(path + ": writing the " + what + " failed");
}

void write_trace(const Args& args, const npu::TraceRecorder& trace, const npu::Report& report, double clock_mhz) {
    write_file(args.get("trace"), trace.to_chrome_json(clock_mhz, report.program, report.preset), "trace");
}

// A bar redrawn in place on a terminal; one line per pass otherwise (logs stay readable).
void show_progress(const std::string& what, size_t done, size_t total) {
    if (isatty(STDERR_FILENO)) {
        const size_t width = 30, filled = width * done / total;
        std::fprintf(stderr, "\r  [%s%s] %-28s %zu/%zu ops", std::string(filled, '#').c_str(),
                     std::string(width - filled, '.').c_str(), what.c_str(), done, total);
        if (done == total) std::fprintf(stderr, "\r%*s\r", 80, "");
    } else if (done == total) {
        std::fprintf(stderr, "  %s: %zu ops\n", what.c_str(), total);
    }
}

}  // namespace npusim::cli
