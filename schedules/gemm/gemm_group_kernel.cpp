// gemm_w8a8_group's schedule and registry entry.
//
// Loops, outermost first: m tiles, n tiles (tile_m x tile_n outputs, the last tile of each shifted
// inwards), then the groups in order: per group the a and w tiles of its `group` K-elements are
// DMA'd (the next group's while this one computes, with double_buffer), one MatMul with K = group
// fills the int32 accumulators, and the vector unit adds float(sums) x scale into the fp32 tile.
// The scales of the n tile are loaded once per output tile.
// Defaults: tile_m up to 64 and tile_n up to 128, halved (the larger first) until the estimated
// footprint fits l1 and the accumulators.
#include <algorithm>

#include "base/errors.h"
#include "kernels/gemm/gemm_group.h"
#include "schedules/registry.h"

namespace npusim::schedules {

using namespace Halide;

namespace {

bool group_tiles_fit(const npu::NpuConfig& npu, const Shape& s, int64_t tm, int64_t tn, bool double_buffer) {
    const int64_t group = s.at("group"), groups = s.at("k") / group;
    const int64_t l1 = (tm + tn) * group * (double_buffer ? 2 : 1)  // int8 a and w of a group
                       + groups * tn * 4                            // the tile's scales
                       + tm * tn * (4 + 2);                         // fp32 sum, fp16 result
    return l1 <= npu.sram_l1_bytes && tm * tn * 4 <= npu.sram_acc_bytes;
}

class GroupGemmKernel : public Kernel {
public:
    std::string name() const override { return "gemm_w8a8_group"; }
    std::string summary() const override {
        return "int8 x int8 with an fp32 scale per group of K-elements and output channel (scale [n, k/group]): "
               "one integer MatMul per group, the groups dequantized and summed in fp32, fp16 out (bit-exact vs "
               "float32)";
    }
    std::vector<ShapeDim> shape_dims() const override {
        return {{"m", 64, 1, 1 << 20, "rows of a and out (tokens)"},
                {"n", 512, 1, 1 << 20, "rows of w, columns of out (output channels)"},
                {"k", 512, 1, 65536, "reduction length"},
                {"group", 64, 1, 65536, "K elements sharing one scale (divides k)"}};
    }
    std::vector<KnobSpec> knob_specs() const override {
        return {{"tile_m", true, {"1", "16", "32", "64", "128", "256", "512"}, "rows of a per tile"},
                {"tile_n", true, {"32", "64", "128", "256", "512", "1024"}, "rows of w per tile"},
                {"double_buffer", false, {"0", "1"}, "load the next group's tiles while multiplying this one"}};
    }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& s) const override {
        int64_t tm = std::min<int64_t>(s.at("m"), 64), tn = std::min<int64_t>(s.at("n"), 128);
        while (!group_tiles_fit(npu, s, tm, tn, true) && (tm > 1 || tn > 1))
            (tn >= tm ? tn : tm) = std::max<int64_t>(1, (tn >= tm ? tn : tm) / 2);
        return {{"tile_m", std::to_string(tm)}, {"tile_n", std::to_string(tn)}, {"double_buffer", "1"}};
    }
    void check(const Shape& s, const Knobs&) const override {
        if (s.at("k") % s.at("group"))
            throw npu::ShapeError("gemm_w8a8_group shape group = " + std::to_string(s.at("group")) +
                                  " must divide k = " + std::to_string(s.at("k")));
    }
    KernelInstance build(const Shape& s, const Knobs& knobs) const override {
        const int64_t m = s.at("m"), n = s.at("n"), k = s.at("k"), group = s.at("group");
        kernels::GroupGemm G = kernels::make_gemm_w8a8_group(static_cast<int>(k), static_cast<int>(group));
        const int tm = static_cast<int>(std::min<int64_t>(knob_int(knobs, "tile_m"), m));
        const int tn = static_cast<int>(std::min<int64_t>(knob_int(knobs, "tile_n"), n));
        Var no("no"), mo("mo"), ni("ni"), mi("mi");
        G.out.tile(G.n, G.m, no, mo, ni, mi, tn, tm).reorder(ni, mi, no, mo);
        for (Func f : {G.acc, G.result})
            f.compute_at(G.out, no).store_in(MemoryType::VTCM);
        G.acc.update().reorder(G.n, G.m, G.rg);  // one group at a time, in order
        G.gsum.compute_at(G.acc, G.rg.x).store_in(MemoryType::LockedCache);
        G.scale.in().compute_at(G.out, no).store_in(MemoryType::VTCM);
        for (ImageParam p : {G.a, G.w}) {
            Func tile = p.in();
            tile.compute_at(G.acc, G.rg.x).store_in(MemoryType::VTCM);
            if (knob_flag(knobs, "double_buffer"))
                tile.store_at(G.out, no).fold_storage(tile.args()[0], 2 * static_cast<int>(group)).async();
        }
        return {{G.a, G.w, G.scale}, {{k, m}, {k, n}, {k / group, n}}, G.out, {n, m}};
    }
};

}  // namespace

const Kernel& gemm_group_kernel() {
    static const GroupGemmKernel k;
    return k;
}

}  // namespace npusim::schedules
