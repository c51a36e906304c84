// Attention's schedule and registry entry.
//
// Loops, outermost first: KV head (each head's K and V are DMA'd and dequantized once, for all the
// query heads of its group), query head in the group, query chunk of tile_q rows; per chunk a
// MatMul q.k^T into the accumulator SRAM, the softmax on the vector unit, a MatMul p.v.
// Knobs: tile_q, double_buffer (the next KV head's cache loads while this one computes),
// parallel (KV heads over cores).
//
// Defaults: the largest tile_q (up to 256 and t) whose fp32 scores (cap x tile_q) fill at most
// half the accumulator SRAM. Measured on `default`, Llama-3.2-1B shapes (32 heads, 8 KV heads, d 64):
// decode t=1 ctx=512 and prefill t=ctx=512 are in docs/kernels.md (`npusim kernel attention`).
#include "kernels/attention/attention.h"
#include "schedules/registry.h"
#include "sim/errors.h"

namespace npusim::schedules {

using namespace Halide;

namespace {

class AttentionKernel : public Kernel {
public:
    std::string name() const override { return "attention"; }
    std::string summary() const override {
        return "softmax(q k^T / sqrt(d), causal) v over an int8/int4 KV cache with per-head, per-token scales; "
               "grouped-query (h query heads share hk KV heads); fp16 q/out, fp32 softmax";
    }
    std::vector<ShapeDim> shape_dims() const override {
        return {{"t", 1, 1, 1 << 16, "query tokens (1: decode; ctx: prefill)"},
                {"ctx", 512, 1, 1 << 16, "context length (cached tokens, the queries included)"},
                {"cap", 0, 0, 1 << 16, "KV cache capacity in tokens, the largest ctx of the program (0: ctx)"},
                {"h", 32, 1, 1024, "query heads"},
                {"hk", 8, 1, 1024, "KV heads (divides h)"},
                {"d", 64, 2, 1024, "head dimension"},
                {"kv_bits", 8, 4, 8, "KV cache precision: 8 or 4"},
                {"causal", 1, 0, 1, "1: query i sees keys up to its position ctx - t + i"}};
    }
    std::vector<KnobSpec> knob_specs() const override {
        return {{"tile_q", true, {"1", "8", "16", "32", "64", "128", "256", "512"}, "query rows per chunk"},
                {"double_buffer", false, {"0", "1"}, "load the next KV head's cache while computing this one"},
                {"parallel", false, {"0", "1"}, "spread KV heads over the NPU's cores"}};
    }
    // One program serves every context up to the cache capacity: a sweep over context lengths
    // compiles once.
    std::vector<RuntimeDim> runtime_dims() const override { return {{"ctx", "cap"}}; }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& s) const override {
        int64_t tq = 1;
        while (tq < 256 && tq * 2 <= s.at("t") && 2 * tq * 2 * s.at("cap") * 4 <= npu.sram_acc_bytes / 2)
            tq *= 2;
        return {{"tile_q", std::to_string(tq)}, {"double_buffer", "1"}, {"parallel", npu.cores > 1 ? "1" : "0"}};
    }
    void check(const Shape& s, const Knobs&) const override {
        if (s.at("h") % s.at("hk"))
            throw npu::ShapeError("attention shape hk = " + std::to_string(s.at("hk")) +
                                  " must divide h = " + std::to_string(s.at("h")));
        // Causal queries are the last t cached positions. Without the mask, t may exceed ctx: rows
        // past ctx are padding a caller drops (one program for sentences of any length).
        if (s.at("causal") && s.at("t") > s.at("ctx"))
            throw npu::ShapeError("attention shape t = " + std::to_string(s.at("t")) +
                                  " exceeds ctx = " + std::to_string(s.at("ctx")) + " (the queries are cached too)");
        if (s.at("kv_bits") != 4 && s.at("kv_bits") != 8)
            throw npu::ShapeError("attention shape kv_bits must be 4 or 8, got " + std::to_string(s.at("kv_bits")));
        if (s.at("kv_bits") == 4 && s.at("d") % 2)
            throw npu::ShapeError("attention shape d = " + std::to_string(s.at("d")) +
                                  " must be even for an int4 cache (packed two per byte)");
    }
    KernelInstance build(const Shape& s, const Knobs& knobs) const override {
        const int64_t t = s.at("t"), cap = s.at("cap"), h = s.at("h"), hk = s.at("hk"), d = s.at("d");
        const int bits = static_cast<int>(s.at("kv_bits"));
        Param<int32_t> ctx("ctx");
        ctx.set_range(static_cast<int32_t>(s.at("causal") ? t : 1), static_cast<int32_t>(cap));
        kernels::Attention a = kernels::make_attention(static_cast<int>(d), static_cast<int>(h), static_cast<int>(hk),
                                                       ctx, static_cast<int>(t), bits, s.at("causal") != 0);
        const int group = static_cast<int>(h / hk);
        const int tq = static_cast<int>(std::min<int64_t>(knob_int(knobs, "tile_q"), t));
        const bool parallel = knob_flag(knobs, "parallel");
        Var kho("kho"), hg("hg"), io("io"), ii("ii");
        a.out.split(a.h, kho, hg, group).split(a.i, io, ii, tq).reorder(a.d, hg, ii, io, kho);
        a.out.reorder(a.d, ii, io, hg, kho);
        if (parallel) a.out.parallel(kho);
        // The scales of every head and token are small: loaded once. The cache of one KV head is
        // dequantized on chip once for its query heads.
        for (ImageParam p : {a.k_scale, a.v_scale})
            p.in().compute_root().store_in(MemoryType::VTCM);
        for (ImageParam p : {a.k, a.v}) {
            Func staged = p.in();
            staged.compute_at(a.out, kho).store_in(MemoryType::VTCM);
            if (knob_flag(knobs, "double_buffer") && !parallel && hk > 1)
                staged.store_root().fold_storage(staged.args()[1], 2).async();
        }
        for (Func f : {a.k_deq, a.v_deq})
            f.compute_at(a.out, kho).store_in(MemoryType::VTCM);
        a.q.in().compute_at(a.out, io).store_in(MemoryType::VTCM);
        for (Func f : {a.scores, a.context})
            f.compute_at(a.out, io).store_in(MemoryType::LockedCache);
        for (Func f : {a.logits, a.row_max, a.exps, a.row_sum, a.row_inv, a.probs, a.result})
            f.compute_at(a.out, io).store_in(MemoryType::VTCM);
        const int64_t dk = bits == 4 ? d / 2 : d;
        return {{a.q, a.k, a.k_scale, a.v, a.v_scale},
                {{d, h, t}, {dk, hk, cap}, {hk, cap}, {dk, hk, cap}, {hk, cap}},
                a.out,
                {d, h, t},
                {{"ctx", ctx}}};
    }
};

}  // namespace

const Kernel& attention_kernel() {
    static const AttentionKernel k;
    return k;
}

}  // namespace npusim::schedules
