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
            {"overlap_out", false, {"0", "1"}, "compute the next output tile while this one is copied out"},
            {"parallel", false, {"0", "1"}, "spread the outer tile loop over the NPU's cores"},
        };
    }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& shape) const override {
        GemmSchedule s;  // prefill on `default` and the presets without a tuned entry (see GemmSchedule)
        const int64_t m = shape.at("m"), n = shape.at("n");
        if (m <= 16) {
            // Decode (M = 1): bandwidth-bound, so wide weight tiles and long DMAs. All of N in one tile
            // (tile_n 2048 x M int32 accumulators) keeps the activation row loaded once.
            //   default 1x2048x2048: 175,069 cycles, 94.2 % of the kernel roofline (tile_k 64)
            //   hexagon_8gen3 1x2048x2048: 87,691 cycles, 94.1 % (tile_k 256, a panel)
            s.tile_m = static_cast<int>(m);
            s.tile_n = 2048;
            s.tile_k = npu.name == "hexagon_8gen3" ? 256 : 64;
            s.stage_a = npu.name == "hexagon_8gen3" ? "panel" : "k";
        } else if (npu.name == "hexagon_8gen3") {
            // 128x384 array, 1 MiB accumulators, one DMA channel, DRAM-bound at M = 512: all 512 rows
            // of A as a panel loaded once, 512-wide weight tiles (512x512 int32 fills the
            // accumulators), 256-deep K steps so each weight DMA is 128 KiB, and the next tile
            // computed while this one is copied out. Llama-3.2-1B prefill (M = 512):
            //   512x2048x2048 169,853 cycles (72.6 % of the kernel roofline)
            //   512x8192x2048 617,189 (70.0 %) | 512x2048x8192 502,877 (85.6 %)
            // What is left: the 1 MiB A panel load (~20k cycles) and each tile's requantize run
            // before any MatMul can overlap them.
            s.tile_m = 512;
            s.tile_n = 512;
            s.tile_k = 256;
            s.stage_a = "panel";
            s.overlap_out = n % 512 == 0;
        }
        s.parallel = npu.cores > 1;
        return s.to_map();
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
