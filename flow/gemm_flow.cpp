#include "flow/gemm_flow.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "base/errors.h"
#include "flow/kernel_flow.h"
#include "kernels/gemm/gemm.h"
#include "sim/simulator.h"

using namespace npusim::schedules;

namespace npusim::flow {

using namespace Halide;

namespace {

constexpr int64_t kMaxDim = int64_t{1} << 20;

}  // namespace

GemmLayout GemmLayout::parse(const std::string& text) {
    return from_map(parse_fields(text, "layout"));
}

GemmLayout GemmLayout::from_map(const std::map<std::string, std::string>& fields) {
    GemmLayout l;
    for (const auto& [k, v] : fields) {
        char* end = nullptr;
        errno = 0;
        long long x = std::strtoll(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || errno == ERANGE || x < 0 || x > kMaxDim)
            throw npu::ShapeError("layout field " + k + " must be an integer in [0, 1048576], got '" + v + "'");
        if (k == "a_pitch")
            l.a_pitch = x;
        else if (k == "w_pitch")
            l.w_pitch = x;
        else if (k == "out_pitch")
            l.out_pitch = x;
        else if (k == "base_align")
            l.base_align = x;
        else if (k == "base_offset")
            l.base_offset = x;
        else
            throw npu::ShapeError("unknown layout field '" + k +
                                  "' (fields: a_pitch, w_pitch, out_pitch, base_align, base_offset)");
    }
    return l;
}

std::string GemmLayout::to_string() const {
    return "a_pitch=" + std::to_string(a_pitch) + ",w_pitch=" + std::to_string(w_pitch) +
           ",out_pitch=" + std::to_string(out_pitch) + ",base_align=" + std::to_string(base_align) +
           ",base_offset=" + std::to_string(base_offset);
}

KernelCall gemm_call(int64_t m, int64_t n, int64_t k, const Knobs& schedule, const GemmLayout& layout,
                     const npu::NpuConfig& npu) {
    for (auto [name, v] : {std::pair{"m", m}, {"n", n}, {"k", k}})
        if (v < 1 || v > kMaxDim)
            throw npu::ShapeError(std::string("GEMM ") + name + " = " + std::to_string(v) + " is outside [1, 1048576]");
    if (k > 65536)
        throw npu::ShapeError("GEMM k = " + std::to_string(k) + " exceeds 65536: the int32 accumulator could overflow");
    Layout l;  // compile_kernel checks each pitch against its tensor's row
    l.pitch = {{"a", layout.a_pitch}, {"w", layout.w_pitch}, {"out", layout.out_pitch}};
    l.base_align = layout.base_align;
    l.base_offset = layout.base_offset;
    return KernelCall("gemm_w8a8", {{"m", m}, {"n", n}, {"k", k}}, schedule, npu, l);
}

namespace {

KernelCall gemm_call(const GemmProblem& p) {
    return gemm_call(p.m, p.n, p.k, p.schedule.to_map(), p.layout, npu::NpuConfig{});
}

}  // namespace

npu::Program compile_gemm(const GemmProblem& p) {
    return compile_kernel(gemm_call(p));
}

npu::Report simulate_gemm(const GemmProblem& p, const npu::NpuConfig& cfg, npu::TraceRecorder* trace) {
    return npu::simulate(compile_gemm(p), cfg, trace);
}

void gemm_host(const int8_t* a, const int8_t* w, const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
               int8_t* out, int64_t m, int64_t n, int64_t k, const GemmSchedule& s) {
    GemmProblem prob;
    prob.m = m;
    prob.n = n;
    prob.k = k;
    prob.schedule = s;
    const KernelCall call = gemm_call(prob);
    for (int64_t i = 0; i < n; ++i) {
        if (bias[i] < -(1 << 30) || bias[i] > (1 << 30))
            throw npu::ShapeError("bias[" + std::to_string(i) + "] = " + std::to_string(bias[i]) +
                                  " is outside [-2^30, 2^30]");
        if (shift[i] < 1 || shift[i] > 62)
            throw npu::ShapeError("shift[" + std::to_string(i) + "] = " + std::to_string(shift[i]) +
                                  " is outside [1, 62]");
        if (multiplier[i] < 0)
            throw npu::ShapeError("multiplier[" + std::to_string(i) + "] = " + std::to_string(multiplier[i]) +
                                  " is negative");
    }
    const int M = static_cast<int>(m), N = static_cast<int>(n), K = static_cast<int>(k);
    Buffer<int32_t> qp(N, 3);
    for (int i = 0; i < N; ++i) {
        qp(i, kernels::kBias) = bias[i];
        qp(i, kernels::kMultiplier) = multiplier[i];
        qp(i, kernels::kShift) = shift[i];
    }
    Buffer<int8_t> ab(const_cast<int8_t*>(a), K, M), wb(const_cast<int8_t*>(w), K, N);
    Buffer<int8_t> result = run_kernel_host(call, {ab, wb, qp});
    Buffer<int8_t>(out, N, M).copy_from(result);
}

}  // namespace npusim::flow
