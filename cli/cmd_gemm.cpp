#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "flow/gemm_flow.h"
#include "sim/config/npu_config.h"

namespace npusim::cli {

int cmd_gemm(const std::vector<std::string>& argv) {
    Args args("gemm",
              "Simulate out[m][n] = requant(sum_k a[m][k] * w[n][k]), int8 x int8 -> int32 -> int8, with a\n"
              "Halide schedule, on an NPU preset. Prints cycles, time, energy, DRAM/SRAM traffic and the\n"
              "roofline of the same work.",
              {
                  {"preset", "NAME|PATH", "default", "NPU preset name (see `npusim info presets`) or a .yaml file"},
                  {"m", "INT", "512", "rows of a and out (tokens)"},
                  {"n", "INT", "512", "rows of w, columns of out (output channels)"},
                  {"k", "INT", "512", "reduction length"},
                  {"schedule", "KNOBS", "",
                   "comma-separated knob=value: tile_m, tile_n, tile_k, order=mn|nm, stage_a=k|panel, "
                   "stage_b=k|panel, double_buffer=0|1, overlap_out=0|1, parallel=0|1 (outer tiles over cores); "
                   "knobs not given take the preset's defaults"},
                  {"layout", "FIELDS", "",
                   "DRAM layout: a_pitch, w_pitch, out_pitch (elements), base_align, "
                   "base_offset (bytes)"},
                  {"set", "KEY=VALUE", "", "override a preset parameter, e.g. dram.bytes_per_cycle=64 (repeatable)"},
                  {"trace", "FILE", "", "write a Chrome/Perfetto trace (open it in ui.perfetto.dev)"},
                  {"print-program", "", "", "print the lowered npu::Program text and exit"},
                  {"json", "", "", "print one JSON object instead of a table"},
              });
    if (!args.parse(argv)) return 0;
    if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
    const npu::NpuConfig cfg = preset_from_args(args);
    const int64_t m = args.get_int("m"), n = args.get_int("n"), k = args.get_int("k");
    const flow::KernelCall call = flow::gemm_call(m, n, k, schedules::parse_fields(args.get("schedule"), "schedule"),
                                                  flow::GemmLayout::parse(args.get("layout")), cfg);
    return run_call(args, call, cfg,
                    "GEMM " + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + "  schedule " +
                        schedules::fields_text(call.knobs));
}

}  // namespace npusim::cli
