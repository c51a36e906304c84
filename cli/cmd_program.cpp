#include <fstream>
#include <iostream>

#include "base/errors.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "sim/config/npu_config.h"
#include "sim/simulator.h"

namespace npusim::cli {

int cmd_program(const std::vector<std::string>& argv) {
    Args args("program FILE", "Run an npu::Program text file (see docs/program.md) on a preset.",
              {
                  {"preset", "NAME|PATH", "default", "NPU preset name or .yaml file"},
                  {"set", "KEY=VALUE", "", "override a preset parameter (repeatable)"},
                  {"trace", "FILE", "", "write a Chrome/Perfetto trace (open it in ui.perfetto.dev)"},
                  {"json", "", "", "print one JSON object instead of a table"},
              });
    if (!args.parse(argv)) return 0;
    if (args.positional().size() != 1) throw UsageError("give exactly one program file");
    const std::string path = args.positional()[0];
    std::ifstream in(path, std::ios::binary);
    if (!in) throw npu::ProgramError(path + ": cannot open program file");
    constexpr std::streamsize kLimit = 64 << 20;  // read at most one byte past it: /dev/zero stays safe
    std::string text(static_cast<size_t>(kLimit) + 1, '\0');
    in.read(text.data(), kLimit + 1);
    text.resize(static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(text.size()) > kLimit)
        throw npu::ProgramError(path + ": program file is larger than 64 MiB");
    npu::Program p = npu::parse_program(text, path);
    const npu::NpuConfig cfg = preset_from_args(args);
    npu::TraceRecorder trace;
    npu::Report r = npu::simulate(p, cfg, args.get("trace").empty() ? nullptr : &trace);
    write_trace(args, trace, r, cfg.clock_mhz);
    std::cout << (args.flag("json") ? r.to_json() + "\n" : r.to_table());
    return 0;
}

}  // namespace npusim::cli
