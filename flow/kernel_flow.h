#pragma once
// A registered kernel end to end: lowered npu::Program, simulated Report, host execution.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "schedules/kernel.h"
#include "sim/config/npu_config.h"
#include "sim/program.h"
#include "sim/report/report.h"
#include "sim/trace/trace_recorder.h"

namespace npusim::flow {

// The schedule layer's vocabulary, which the flow drives.
using schedules::Kernel;
using schedules::Knobs;
using schedules::Shape;

// Where the tensors sit in DRAM: a row pitch in elements per tensor (by name; 0 or absent =
// dense), and each tensor at the next multiple of `base_align` bytes plus `base_offset` bytes.
struct Layout {
    std::map<std::string, int64_t> pitch;
    int64_t base_align = 4096;
    int64_t base_offset = 0;
};

// One kernel call: the shape and knobs are completed with defaults and checked.
struct KernelCall {
    const Kernel* kernel;
    Shape shape;
    Knobs knobs;
    Layout layout;
    // Defaults come from `npu` (its preset name and parameters).
    KernelCall(const std::string& name, const Shape& shape, const Knobs& knobs, const npu::NpuConfig& npu,
               const Layout& layout = {});
    // Identifies the lowered program: every shape dimension but the run-time ones.
    std::string key() const;
};

// The last few programs and JIT pipelines are cached, so sweeps and repeated host runs are cheap.
npu::Program compile_kernel(const KernelCall& c);
npu::Report simulate_kernel(const KernelCall& c, const npu::NpuConfig& cfg, npu::TraceRecorder* trace = nullptr);

// Halide lowerings (compile_kernel misses) and host JIT compilations so far in this process: a
// sweep over a run-time dimension lowers once.
struct CompileStats {
    uint64_t lowerings = 0, host_jits = 0;
};
CompileStats compile_stats();

// Which schedule a host run JIT-compiles: the NPU's (the pipeline the simulator lowers, the
// reference), or the host CPU's of the same algorithm (Kernel::build_host: bit-identical, much
// faster; for bulk runs such as quant/'s accuracy passes).
enum class HostSchedule { Npu, Cpu };

// Runs the call's pipeline on the host. `inputs` are dense buffers in the kernel's input
// order, with the instance's types and shapes (ShapeError naming the input otherwise).
Halide::Buffer<> run_kernel_host(const KernelCall& c, const std::vector<Halide::Buffer<>>& inputs,
                                 HostSchedule schedule = HostSchedule::Npu);

// Input names, types and shapes (innermost first) of a call, for callers that build buffers (it
// compiles the host pipeline run_kernel_host then uses).
struct TensorInfo {
    std::string name;
    Halide::Type type;
    std::vector<int64_t> shape;
};
std::vector<TensorInfo> kernel_inputs(const KernelCall& c);

}  // namespace npusim::flow
