#include "schedules/gemm/gemm_flow.h"

#include <cerrno>
#include <cstdlib>
#include <list>
#include <mutex>
#include <sstream>

#include "compiler/lower_to_program.h"
#include "kernels/gemm/gemm_w8a8.h"
#include "sim/errors.h"
#include "sim/simulator.h"

namespace npusim::schedules {

using namespace Halide;

namespace {

constexpr int64_t kMaxDim = int64_t{1} << 20;

// A small LRU cache. Halide lowering (~0.1 s) and JIT compilation (~0.5 s) dominate repeated runs.
template <typename V>
class Lru {
public:
    explicit Lru(size_t cap) : cap_(cap) {}
    V* find(const std::string& key) {
        for (auto it = items_.begin(); it != items_.end(); ++it)
            if (it->first == key) {
                items_.splice(items_.begin(), items_, it);
                return &items_.front().second;
            }
        return nullptr;
    }
    V& insert(const std::string& key, V v) {
        items_.emplace_front(key, std::move(v));
        if (items_.size() > cap_) items_.pop_back();
        return items_.front().second;
    }

private:
    size_t cap_;
    std::list<std::pair<std::string, V>> items_;
};

std::mutex& halide_lock() {
    static std::mutex m;
    return m;
}

uint64_t align_up(uint64_t x, uint64_t a) {
    return (x + a - 1) / a * a;
}

}  // namespace

GemmLayout GemmLayout::parse(const std::string& text) {
    std::map<std::string, std::string> fields;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        const auto eq = item.find('=');
        fields[item.substr(0, eq)] = eq == std::string::npos ? "" : item.substr(eq + 1);
    }
    return from_map(fields);
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

void GemmProblem::validate() const {
    for (auto [name, v] : {std::pair{"m", m}, {"n", n}, {"k", k}})
        if (v < 1 || v > kMaxDim)
            throw npu::ShapeError(std::string("GEMM ") + name + " = " + std::to_string(v) + " is outside [1, 1048576]");
    if (k > 65536)
        throw npu::ShapeError("GEMM k = " + std::to_string(k) + " exceeds 65536: the int32 accumulator could overflow");
    auto pitch = [](const char* f, int64_t p, int64_t row) {
        if (p != 0 && p < row)
            throw npu::ShapeError(std::string("layout ") + f + " = " + std::to_string(p) + " is shorter than a row (" +
                                  std::to_string(row) + " elements)");
    };
    pitch("a_pitch", layout.a_pitch, k);
    pitch("w_pitch", layout.w_pitch, k);
    pitch("out_pitch", layout.out_pitch, n);
    if (layout.base_align < 1) throw npu::ShapeError("layout base_align must be at least 1");
    schedule.validate();
    // Each output tile runs about three statements per K step plus its epilogue; refuse at once
    // what the simulator would stop after its step limit.
    auto steps = [](int64_t extent, int tile) { return static_cast<double>((extent + tile - 1) / tile); };
    const double estimate = steps(m, schedule.tile_m) * steps(n, schedule.tile_n) * (3 * steps(k, schedule.tile_k) + 8);
    if (estimate > static_cast<double>(npu::kMaxRunSteps))
        throw npu::ShapeError("GEMM " + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
                              " with tiles " + std::to_string(schedule.tile_m) + "x" + std::to_string(schedule.tile_n) +
                              "x" + std::to_string(schedule.tile_k) + " would run about " +
                              std::to_string(static_cast<long long>(estimate)) + " statements, over the limit of " +
                              std::to_string(npu::kMaxRunSteps) + "; use larger tiles or a smaller problem");
}

npu::Program compile_gemm(const GemmProblem& p) {
    p.validate();
    const std::string key = std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k) + "|" +
                            p.schedule.to_string() + "|" + p.layout.to_string();
    std::lock_guard<std::mutex> lock(halide_lock());
    static Lru<npu::Program> cache(64);
    if (npu::Program* hit = cache.find(key)) return *hit;

    const int M = static_cast<int>(p.m), N = static_cast<int>(p.n), K = static_cast<int>(p.k);
    const int64_t lda = p.layout.a_pitch ? p.layout.a_pitch : p.k;
    const int64_t ldw = p.layout.w_pitch ? p.layout.w_pitch : p.k;
    const int64_t ldo = p.layout.out_pitch ? p.layout.out_pitch : p.n;

    kernels::GemmW8A8 g = kernels::make_gemm_w8a8(K);
    g.a.dim(0).set_bounds(0, K).set_stride(1);
    g.a.dim(1).set_bounds(0, M).set_stride(static_cast<int>(lda));
    g.w.dim(0).set_bounds(0, K).set_stride(1);
    g.w.dim(1).set_bounds(0, N).set_stride(static_cast<int>(ldw));
    g.qparams.dim(0).set_bounds(0, N).set_stride(1);
    g.qparams.dim(1).set_bounds(0, 3).set_stride(N);
    g.out.output_buffer().dim(0).set_bounds(0, N).set_stride(1);
    g.out.output_buffer().dim(1).set_bounds(0, M).set_stride(static_cast<int>(ldo));
    apply_gemm_schedule(g, p.schedule, M, N, K);

    // DRAM placement: tensors in argument order, each aligned then offset.
    std::vector<npu::Tensor> tensors = {
        {"a", npu::DType::Int8, {p.k, p.m}, {1, lda}, 0, false},
        {"w", npu::DType::Int8, {p.k, p.n}, {1, ldw}, 0, false},
        {"qparams", npu::DType::Int32, {p.n, 3}, {1, p.n}, 0, false},
        {"out", npu::DType::Int8, {p.n, p.m}, {1, ldo}, 0, true},
    };
    uint64_t next = 0;
    for (npu::Tensor& t : tensors) {
        t.base =
            align_up(next, static_cast<uint64_t>(p.layout.base_align)) + static_cast<uint64_t>(p.layout.base_offset);
        uint64_t elem = static_cast<uint64_t>(npu::dtype_bits(t.dtype) / 8);
        next = t.base + static_cast<uint64_t>(t.strides[1] * t.shape[1]) * elem;
    }
    std::vector<compiler::BufferBinding> buffers = {
        {g.a.name(), tensors[0]}, {g.w.name(), tensors[1]}, {g.qparams.name(), tensors[2]}, {g.out.name(), tensors[3]}};
    npu::Program prog = compiler::lower_to_program(
        Pipeline(g.out), {g.a, g.w, g.qparams}, buffers,
        "gemm_w8a8_" + std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k));
    return cache.insert(key, std::move(prog));
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
    prob.validate();
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
    std::vector<int32_t> qp(static_cast<size_t>(3 * n));
    for (int64_t i = 0; i < n; ++i) {
        qp[static_cast<size_t>(kernels::kBias * n + i)] = bias[i];
        qp[static_cast<size_t>(kernels::kMultiplier * n + i)] = multiplier[i];
        qp[static_cast<size_t>(kernels::kShift * n + i)] = shift[i];
    }
    struct Compiled {
        kernels::GemmW8A8 g;
        Pipeline p;
    };
    std::lock_guard<std::mutex> lock(halide_lock());
    static Lru<std::shared_ptr<Compiled>> cache(16);
    const std::string key = std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + "|" + s.to_string();
    std::shared_ptr<Compiled> c;
    if (auto* hit = cache.find(key)) {
        c = *hit;
    } else {
        c = std::make_shared<Compiled>();
        c->g = kernels::make_gemm_w8a8(K);
        apply_gemm_schedule(c->g, s, M, N, K);
        c->p = Pipeline(c->g.out);
        c->p.compile_jit(get_jit_target_from_environment());
        cache.insert(key, c);
    }
    Buffer<int8_t> ab(const_cast<int8_t*>(a), K, M), wb(const_cast<int8_t*>(w), K, N);
    Buffer<int32_t> qb(qp.data(), N, 3);
    Buffer<int8_t> ob(out, N, M);
    c->g.a.set(ab);
    c->g.w.set(wb);
    c->g.qparams.set(qb);
    c->p.realize(ob);
}

}  // namespace npusim::schedules
