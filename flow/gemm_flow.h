#pragma once
// The W8A8 GEMM end to end: algorithm + schedule -> lowered npu::Program -> simulated Report, and
// the same scheduled pipeline JIT-compiled on the host for bit-exact results.
#include <cstdint>
#include <map>
#include <string>

#include "flow/kernel_flow.h"
#include "schedules/gemm/gemm_schedule.h"
#include "sim/config/npu_config.h"
#include "sim/program.h"
#include "sim/report/report.h"
#include "sim/trace/trace_recorder.h"

namespace npusim::flow {

using schedules::GemmSchedule;

// Where the tensors sit in DRAM. Pitches are in elements (0 = dense); each tensor starts at the
// next multiple of `base_align` bytes plus `base_offset` bytes (a non-zero offset misaligns them).
struct GemmLayout {
    int64_t a_pitch = 0, w_pitch = 0, out_pitch = 0;
    int64_t base_align = 4096;
    int64_t base_offset = 0;
    // Parses "a_pitch=65,base_offset=1,..."; throws ShapeError naming the field.
    static GemmLayout parse(const std::string& text);
    static GemmLayout from_map(const std::map<std::string, std::string>& fields);
    std::string to_string() const;
};

struct GemmProblem {
    int64_t m = 512, n = 512, k = 512;
    GemmSchedule schedule;
    GemmLayout layout;
};

// The registry call for a GEMM: knobs not in `schedule` take `npu`'s defaults (gemm_kernel.cpp).
KernelCall gemm_call(int64_t m, int64_t n, int64_t k, const Knobs& schedule, const GemmLayout& layout,
                     const npu::NpuConfig& npu);

// A GemmProblem's schedule is complete (GemmSchedule's defaults); lowering is cached.
npu::Program compile_gemm(const GemmProblem& p);
npu::Report simulate_gemm(const GemmProblem& p, const npu::NpuConfig& cfg, npu::TraceRecorder* trace = nullptr);

// Host execution of the same scheduled pipeline. a: [m, k] row-major, w: [n, k] row-major,
// bias/multiplier/shift: [n]; out: [m, n] row-major. Throws ShapeError for values the integer
// kernel cannot represent (k > 65536, |bias| > 2^30, shift outside [1, 62], multiplier < 0).
void gemm_host(const int8_t* a, const int8_t* w, const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
               int8_t* out, int64_t m, int64_t n, int64_t k, const GemmSchedule& s);

}  // namespace npusim::flow
