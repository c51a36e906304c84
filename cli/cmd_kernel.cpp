// `npusim kernel NAME`: simulate any registered kernel; `npusim kernels`: list them.
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "flow/kernel_flow.h"

namespace npusim::cli {

namespace {

// One kernel: its numerics, shape dimensions with defaults, and schedule knobs with their values;
// `knob_docs` adds a line per knob saying what it does.
std::string describe(const schedules::Kernel& k, bool knob_docs) {
    std::string s = k.name() + "\n  " + k.summary() + "\n  shape:";
    for (const auto& d : k.shape_dims())
        s += " " + d.name + "=" + std::to_string(d.fallback) + " (" + d.doc + ")";
    s += "\n  knobs:";
    for (const auto& kn : k.knob_specs()) {
        s += " " + kn.name + (kn.integer ? "=INT" : "=");
        if (!kn.integer)
            for (size_t i = 0; i < kn.space.size(); ++i)
                s += (i ? "|" : "") + kn.space[i];
    }
    s += "\n";
    if (knob_docs)
        for (const auto& kn : k.knob_specs())
            s += "    " + kn.name + ": " + kn.doc + "\n";
    return s;
}

}  // namespace

int cmd_kernels(const std::vector<std::string>& argv) {
    Args args("kernels",
              "List the kernel library: each kernel's numerics, shape dimensions and schedule knobs.\n"
              "usage: npusim kernels [NAME ...]  (names given: those kernels, with what each knob does)",
              {});
    if (!args.parse(argv)) return 0;
    if (args.positional().empty()) {
        for (const schedules::Kernel* k : schedules::all_kernels())
            std::cout << describe(*k, false);
        return 0;
    }
    std::vector<const schedules::Kernel*> chosen;  // every name checked before any is printed
    for (const std::string& name : args.positional())
        chosen.push_back(&schedules::find_kernel(name));
    for (const schedules::Kernel* k : chosen)
        std::cout << describe(*k, true);
    return 0;
}

int cmd_kernel(const std::vector<std::string>& argv) {
    Args args("kernel",
              "Simulate one kernel of the library (see `npusim kernels`) with a schedule on an NPU preset.\n"
              "usage: npusim kernel NAME [--shape d=2048,t=512] [--schedule knob=value,...] [--preset P]",
              {
                  {"preset", "NAME|PATH", "default", "NPU preset name (see `npusim info presets`) or a .yaml file"},
                  {"shape", "FIELDS", "", "shape dimensions, e.g. t=512,d=2048 (unnamed ones take their defaults)"},
                  {"schedule", "KNOBS", "", "knob=value,... (unnamed knobs take the preset's defaults)"},
                  {"set", "KEY=VALUE", "", "override a preset parameter (repeatable)"},
                  {"trace", "FILE", "", "write a Chrome/Perfetto trace"},
                  {"print-program", "", "", "print the lowered npu::Program text and exit"},
                  {"json", "", "", "print one JSON object instead of a table"},
              });
    if (!args.parse(argv)) return 0;
    if (args.positional().size() != 1) throw UsageError("give one kernel name (see `npusim kernels`)");
    const npu::NpuConfig cfg = preset_from_args(args);
    const flow::KernelCall call(args.positional()[0], schedules::parse_shape(args.get("shape")),
                                schedules::parse_fields(args.get("schedule"), "schedule"), cfg);
    std::string header = call.kernel->name() + "  shape ";
    for (const auto& [n, v] : call.shape)
        header += (header.back() == ' ' ? "" : ",") + n + "=" + std::to_string(v);
    return run_call(args, call, cfg, header + "  schedule " + schedules::fields_text(call.knobs));
}

}  // namespace npusim::cli
