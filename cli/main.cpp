// npusim: the command-line front end.
#include <cstdio>
#include <iostream>

#include "base/errors.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace {

const char* kHelp = R"(usage: npusim <command> [options]

npusim simulates transformer kernels on a cycle-approximate NPU model: a Halide-scheduled kernel
is lowered to a tile program (DMA, MAC, vector, sync) and run on a SystemC model of the preset.

commands:
  gemm      simulate a W8A8 GEMM with a schedule and DRAM layout on a preset (cycles, energy, roofline)
  kernel    simulate any kernel of the library (norms, activations, RoPE, quantize, ...) on a preset
  kernels   list the kernel library: numerics, shape dimensions, schedule knobs
  model     a whole transformer (config.json) on a preset: time to first token, tokens/s, energy
  quant-eval  accuracy (real weights) against simulated cost of quantization recipes
  tune      search a kernel's schedule knobs on a preset with the simulator as the cost function
  program   run a hand-written npu::Program text file on a preset
  info      list presets (`info presets`) or every preset parameter (`info params`)
  calibrate fit a preset's assumed parameters to measurements of the real chip (leave-one-out, report)
  deploy    report on one deployment manifest (configs/deploy/*.yaml): chip, model, recipe, placement,
            limits, load path and thermal scenario -> first token warm and cold, decode, heat, memory
  compare   several deployment manifests side by side in one table

Run `npusim <command> --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << kHelp;
        return args.empty() ? 2 : 0;
    }
    std::string cmd = args[0];
    args.erase(args.begin());
    try {
        if (cmd == "gemm") return npusim::cli::cmd_gemm(args);
        if (cmd == "kernel") return npusim::cli::cmd_kernel(args);
        if (cmd == "kernels") return npusim::cli::cmd_kernels(args);
        if (cmd == "model") return npusim::cli::cmd_model(args);
        if (cmd == "quant-eval") return npusim::cli::cmd_quant_eval(args);
        if (cmd == "tune") return npusim::cli::cmd_tune(args);
        if (cmd == "info") return npusim::cli::cmd_info(args);
        if (cmd == "program") return npusim::cli::cmd_program(args);
        if (cmd == "calibrate") return npusim::cli::cmd_calibrate(args);
        if (cmd == "deploy") return npusim::cli::cmd_deploy(args);
        if (cmd == "compare") return npusim::cli::cmd_compare(args);
        std::cerr << "npusim: unknown command '" << cmd
                  << "' (commands: gemm, kernel, kernels, model, quant-eval, tune, program, info, calibrate, deploy, "
                     "compare; see --help)\n";
        return 2;
    } catch (const npusim::cli::UsageError& e) {
        std::cerr << "npusim " << cmd << ": " << e.what() << "\n";
        return 2;
    } catch (const npu::UserError& e) {
        std::cerr << "npusim " << cmd << ": error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "npusim " << cmd << ": internal error: " << e.what() << "\n";
        return 3;
    }
}
