#pragma once
#include <string>
#include <vector>

#include "flow/kernel_flow.h"
#include "sim/config/npu_config.h"
#include "sim/report/report.h"
#include "sim/trace/trace_recorder.h"

namespace npusim::cli {

int cmd_gemm(const std::vector<std::string>& argv);
int cmd_kernel(const std::vector<std::string>& argv);
int cmd_kernels(const std::vector<std::string>& argv);
int cmd_tune(const std::vector<std::string>& argv);
int cmd_model(const std::vector<std::string>& argv);
int cmd_quant_eval(const std::vector<std::string>& argv);
int cmd_info(const std::vector<std::string>& argv);
int cmd_program(const std::vector<std::string>& argv);
int cmd_calibrate(const std::vector<std::string>& argv);
int cmd_deploy(const std::vector<std::string>& argv);
int cmd_compare(const std::vector<std::string>& argv);

class Args;
// --preset with any --set overrides applied and checked.
npu::NpuConfig preset_from_args(const Args& args);
// --print-program, or simulate with --trace and print the report (--json, or `header` and a table).
int run_call(const Args& args, const flow::KernelCall& call, const npu::NpuConfig& cfg, const std::string& header);
// Writes `text` to `path` (nothing when empty); a UserError names the file and `what` it holds.
void write_file(const std::string& path, const std::string& text, const char* what);
// A progress bar on stderr, redrawn in place on a terminal (one line per pass otherwise).
void show_progress(const std::string& what, size_t done, size_t total);
// Writes the recorded trace to --trace's file, if one was asked for.
void write_trace(const Args& args, const npu::TraceRecorder& trace, const npu::Report& report, double clock_mhz);

}  // namespace npusim::cli
