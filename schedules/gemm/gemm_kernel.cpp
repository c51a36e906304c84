// Registry entry of the W8A8 GEMM: shapes m, n, k; the knobs of GemmSchedule.
#include "kernels/gemm/gemm_w8a8.h"
#include "schedules/gemm/gemm_schedule.h"
#include "schedules/registry.h"
#include "sim/errors.h"
#include "sim/simulator.h"

namespace npusim::schedules {

namespace {

class GemmW8A8Kernel : public Kernel {
public:
    std::string name() const override { return "gemm_w8a8"; }
    std::string summary() const override {
        return "out[m][n] = requant(sum_k a[m][k] * w[n][k]): int8 x int8 -> int32, per-channel fixed-point "
               "requantization to int8 (bit-exact)";
    }
    std::vector<ShapeDim> shape_dims() const override {
        return {{"m", 512, 1, 1 << 20, "rows of a and out (tokens)"},
                {"n", 512, 1, 1 << 20, "rows of w, columns of out (output channels)"},
                {"k", 512, 1, 65536, "reduction length (at most 65536, so the int32 accumulator cannot overflow)"}};
    }
    std::vector<KnobSpec> knob_specs() const override {
        return {
            {"tile_m", true, {"1", "16", "32", "64", "128", "256", "512", "1024"}, "rows of a per tile"},
            {"tile_n", true, {"32", "64", "128", "256", "384", "512", "768", "1024", "2048"}, "rows of w per tile"},
            {"tile_k", true, {"32", "64", "128", "256", "512", "1024", "2048"}, "reduction step"},
            {"order", false, {"mn", "nm"}, "mn: m tiles outer; nm: n tiles outer"},
            {"stage_a", false, {"k", "panel"}, "stage a per K step, or a tile_m x K panel per m tile"},
            {"stage_b", false, {"k", "panel"}, "stage w per K step, or a tile_n x K panel per n tile"},
            {"double_buffer", false, {"0", "1"}, "load the next K step while multiplying this one"},
            {"parallel", false, {"0", "1"}, "spread the outer tile loop over the NPU's cores"},
        };
    }
    Knobs default_knobs(const npu::NpuConfig& /*npu*/, const Shape& /*shape*/) const override {
        return GemmSchedule{}.to_map();
    }
    void check(const Shape& s, const Knobs& knobs) const override {
        const GemmSchedule sched = GemmSchedule::from_map(knobs);
        // Each output tile runs about three statements per K step plus its epilogue; refuse at
        // once what the simulator would stop after its step limit.
        auto steps = [](int64_t extent, int tile) { return static_cast<double>((extent + tile - 1) / tile); };
        const int64_t m = s.at("m"), n = s.at("n"), k = s.at("k");
        const double estimate = steps(m, sched.tile_m) * steps(n, sched.tile_n) * (3 * steps(k, sched.tile_k) + 8);
        if (estimate > static_cast<double>(npu::kMaxRunSteps))
            throw npu::ShapeError("GEMM " + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
                                  " with tiles " + std::to_string(sched.tile_m) + "x" + std::to_string(sched.tile_n) +
                                  "x" + std::to_string(sched.tile_k) + " would run about " +
                                  std::to_string(static_cast<long long>(estimate)) + " statements, over the limit of " +
                                  std::to_string(npu::kMaxRunSteps) + "; use larger tiles or a smaller problem");
    }
    KernelInstance build(const Shape& s, const Knobs& knobs) const override {
        const int64_t m = s.at("m"), n = s.at("n"), k = s.at("k");
        kernels::GemmW8A8 g = kernels::make_gemm_w8a8(static_cast<int>(k));
        apply_gemm_schedule(g, GemmSchedule::from_map(knobs), static_cast<int>(m), static_cast<int>(n),
                            static_cast<int>(k));
        return {{g.a, g.w, g.qparams}, {{k, m}, {k, n}, {n, 3}}, g.out, {n, m}};
    }
};

}  // namespace

const Kernel& gemm_w8a8_kernel() {
    static const GemmW8A8Kernel k;
    return k;
}

}  // namespace npusim::schedules
