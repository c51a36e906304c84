// Attention's schedule and registry entry.
//
// Loops, outermost first: KV head; then the query chunks of tile_q rows, each holding one query
// head of the group (group_rows 0) or all of them (group_rows 1: the group's heads are rows of one
// MatMul, so each K and V element on chip serves all of them). Per chunk: a MatMul q.k^T into the
// accumulator SRAM, the softmax on the vector unit, a MatMul p.v.
// The cache is on chip either a whole KV head at a time (tile_kv 0: DMA'd and dequantized once for
// all its query heads, the next head's loading and dequantizing while this one computes with
// double_buffer), or in blocks of tile_kv tokens streamed through each chunk's two MatMuls (the
// cache no longer has to fit on chip; the blocks are loaded once per chunk, and the accumulators
// hold one block's scores).
// The chunk's logits row stays in l1, so the softmax and the results are the same bits either way.
// A whole-head load can take kv_heads heads at once: the cache is stored [token][KV head][d], so one
// head's row of a token is d bytes (64 for Llama's heads, half a 128-byte DRAM burst) while the rows
// of all the heads of a token are contiguous; loading them together moves whole bursts.
// Knobs: tile_q, tile_kv, kv_heads, group_rows, resident_scales, double_buffer, parallel (KV heads
// over cores).
//
// Defaults: the first arrangement whose estimated footprint fits, in the order whole head then
// blocks of 2048 down to 16 tokens, group rows before single heads, resident scales before scales
// per block, each with the largest tile_q (up to 256 and t) whose scores fill at most half the
// accumulator SRAM; whole heads kv_heads at a time, the fewest whose token rows fill a DRAM burst. Measured on
// `default`, Llama-3.2-1B shapes (32 heads, 8 KV heads, d 64): decode t=1 ctx=512 and prefill t=ctx=512 are in
// docs/kernels.md (`npusim kernel attention`).
#include <algorithm>

#include "base/errors.h"
#include "kernels/attention/attention.h"
#include "schedules/registry.h"

namespace npusim::schedules {

using namespace Halide;

namespace {

// How the cache and the queries are laid out on chip (the knobs of the schedule below).
struct Arrangement {
    int64_t tq = 1, tile_kv = 0;
    bool group_rows = false, double_buffer = false, resident_scales = true;
    int64_t kv_heads = 1;  // KV heads on chip at once, with tile_kv 0
};

// Whether an arrangement's estimated SRAM footprint (the buffers the schedule below allocates)
// fits l1 and `acc_share` of the accumulator SRAM.
bool fits(const npu::NpuConfig& npu, const Shape& s, const Arrangement& a, double acc_share) {
    const int64_t cap = s.at("cap"), d = s.at("d"), hk = s.at("hk");
    const bool fp16 = s.at("kv_bits") == 16;  // read as it is: no integer copy, no scales
    const int64_t dk = s.at("kv_bits") == 4 ? d / 2 : d;
    const int64_t rows = a.tq * (a.group_rows ? s.at("h") / hk : 1);
    const int64_t span = a.tile_kv ? a.tile_kv : cap * a.kv_heads;  // cache rows (token x head) on chip at once
    const int64_t copies = a.double_buffer && !a.tile_kv ? 2 : 1;
    const bool resident = a.resident_scales || !a.tile_kv;
    const int64_t staged = fp16 ? 0 : 2 * span * (dk + (resident ? 0 : 2)) * copies;  // integer K, V (+ scales)
    const int64_t l1 = staged + 2 * span * d * 2 * copies                             // fp16 K and V
                       + (resident && !fp16 ? 2 * hk * cap * 2 : 0)                   // every scale, loaded once
                       + rows * d * 2 * 2                                             // q and the result
                       + rows * cap * (4 + 4 + 2)                                     // logits, exps, probs
                       + rows * 3 * 4;                                                // row max, sum and reciprocal
    const int64_t acc = rows * (span + d) * 4;                                        // scores (of a block) and context
    return l1 <= npu.sram_l1_bytes && static_cast<double>(acc) <= acc_share * static_cast<double>(npu.sram_acc_bytes);
}

// KV heads per whole-head load for an arrangement that fits with one: the fewest whose rows of a
// token cover a DRAM burst, among the divisors of hk that leave a batch for every core and still fit.
int64_t heads_per_load(const npu::NpuConfig& npu, const Shape& s, Arrangement a) {
    const int64_t hk = s.at("hk");
    const int64_t row = s.at("kv_bits") == 4 ? s.at("d") / 2 : s.at("d") * (s.at("kv_bits") == 16 ? 2 : 1);
    int64_t best = 1;
    for (int64_t n = 2; n <= hk && best * row < npu.dram_burst_bytes; ++n) {
        if (hk % n || hk / n < std::max<int64_t>(npu.cores, a.double_buffer ? 2 : 1)) continue;
        a.kv_heads = n;
        if (!fits(npu, s, a, 1.0)) break;
        best = n;
    }
    return best;
}

class AttentionKernel : public Kernel {
public:
    std::string name() const override { return "attention"; }
    std::string summary() const override {
        return "softmax(q k^T / sqrt(d), causal) v over an int8/int4 KV cache with per-head, per-token scales, "
               "or an fp16 one; "
               "grouped-query (h query heads share hk KV heads); fp16 q/out, fp32 softmax";
    }
    std::vector<ShapeDim> shape_dims() const override {
        return {{"t", 1, 1, 1 << 20, "query tokens (1: decode; ctx: prefill)"},
                {"ctx", 512, 1, 1 << 20, "context length (cached tokens, the queries included)"},
                {"cap", 0, 0, 1 << 20, "KV cache capacity in tokens, the largest ctx of the program (0: ctx)"},
                {"h", 32, 1, 1024, "query heads"},
                {"hk", 8, 1, 1024, "KV heads (divides h)"},
                {"d", 64, 2, 1024, "head dimension"},
                {"kv_bits", 8, 4, 16, "KV cache precision: 8, 4 or 16 (fp16, no scales)"},
                {"causal", 1, 0, 1, "1: query i sees keys up to its position ctx - t + i"}};
    }
    std::vector<KnobSpec> knob_specs() const override {
        return {{"tile_q", true, {"1", "8", "16", "32", "64", "128", "256", "512"}, "query rows per chunk"},
                {"tile_kv",
                 true,
                 {"0", "64", "256", "1024"},
                 "cache tokens on chip at once: 0 = a whole KV head, else blocks streamed through each chunk",
                 0},
                {"kv_heads",
                 true,
                 {"1", "2", "4", "8"},
                 "with tile_kv 0: KV heads loaded at once (divides hk); their rows of a token are contiguous",
                 1},
                {"group_rows", false, {"0", "1"}, "1: a chunk holds the rows of every query head of its KV head"},
                {"double_buffer",
                 false,
                 {"0", "1"},
                 "with tile_kv 0: load and dequantize the next KV heads' cache while computing these"},
                {"resident_scales",
                 false,
                 {"0", "1"},
                 "with tile_kv blocks: 1 loads every KV head's scales once (one contiguous read), 0 with each "
                 "block (a DRAM burst per token: they are stored token-major)"},
                {"parallel", false, {"0", "1"}, "spread KV heads over the NPU's cores"}};
    }
    // One program serves every context up to the cache capacity: a sweep over context lengths
    // compiles once.
    std::vector<RuntimeDim> runtime_dims() const override { return {{"ctx", "cap"}}; }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& s) const override {
        const bool group = s.at("h") > s.at("hk");
        Knobs fallback;
        for (int64_t tile_kv : {0, 2048, 1024, 512, 256, 128, 64, 32, 16}) {
            if (tile_kv >= s.at("cap")) continue;
            for (bool rows : {group, false})
                for (bool resident : {true, false})
                    // The next heads load behind these on one core (the schedule overlaps nothing
                    // when the heads are spread over cores), if both sets fit.
                    for (bool buffered : {s.at("hk") > 1 && npu.cores == 1, false}) {
                        if (!resident && !tile_kv) continue;  // a whole head always loads its scales once
                        if (buffered && tile_kv) continue;    // blocks are never double buffered
                        Arrangement a{1, tile_kv, rows, buffered, resident};
                        // Larger chunks only while their scores leave half the accumulators free.
                        while (a.tq < 256 && a.tq * 2 <= s.at("t") &&
                               fits(npu, s, {a.tq * 2, tile_kv, rows, buffered, resident}, 0.5))
                            a.tq *= 2;
                        // Whole heads: the fewest heads per load whose rows of a token fill a DRAM burst,
                        // leaving a batch per core and, where there are two, one to load behind the other.
                        if (!tile_kv) a.kv_heads = heads_per_load(npu, s, a);
                        fallback = {
                            {"tile_q", std::to_string(a.tq)},          {"tile_kv", std::to_string(tile_kv)},
                            {"kv_heads", std::to_string(a.kv_heads)},  {"group_rows", rows ? "1" : "0"},
                            {"resident_scales", resident ? "1" : "0"}, {"double_buffer", a.double_buffer ? "1" : "0"},
                            {"parallel", npu.cores > 1 ? "1" : "0"}};
                        if (fits(npu, s, a, 1.0)) return fallback;
                    }
        }
        return fallback;  // nothing fits: the smallest arrangement, whose SRAM check says by how much
    }
    void check(const Shape& s, const Knobs& knobs) const override {
        if (s.at("h") % s.at("hk"))
            throw npu::ShapeError("attention shape hk = " + std::to_string(s.at("hk")) +
                                  " must divide h = " + std::to_string(s.at("h")));
        const int64_t kv_heads = knob_int(knobs, "kv_heads");
        if (kv_heads < 1 || s.at("hk") % kv_heads)
            throw npu::ScheduleError("attention knob kv_heads = " + std::to_string(kv_heads) +
                                     " must divide hk = " + std::to_string(s.at("hk")));
        // Causal queries are the last t cached positions. Without the mask, t may exceed ctx: rows
        // past ctx are padding a caller drops (one program for sentences of any length).
        if (s.at("causal") && s.at("t") > s.at("ctx"))
            throw npu::ShapeError("attention shape t = " + std::to_string(s.at("t")) +
                                  " exceeds ctx = " + std::to_string(s.at("ctx")) + " (the queries are cached too)");
        if (s.at("kv_bits") != 4 && s.at("kv_bits") != 8 && s.at("kv_bits") != 16)
            throw npu::ShapeError("attention shape kv_bits must be 4, 8 or 16, got " + std::to_string(s.at("kv_bits")));
        if (s.at("kv_bits") == 4 && s.at("d") % 2)
            throw npu::ShapeError("attention shape d = " + std::to_string(s.at("d")) +
                                  " must be even for an int4 cache (packed two per byte)");
    }
    KernelInstance build(const Shape& s, const Knobs& knobs) const override {
        const int64_t t = s.at("t"), cap = s.at("cap"), h = s.at("h"), hk = s.at("hk");
        const int bits = static_cast<int>(s.at("kv_bits"));
        const Param<int32_t> ctx = context(s);
        kernels::Attention a = algorithm(s, ctx);
        const int group = static_cast<int>(h / hk);
        const int tq = static_cast<int>(std::min<int64_t>(knob_int(knobs, "tile_q"), t));
        const int tile_kv = static_cast<int>(std::min<int64_t>(knob_int(knobs, "tile_kv"), cap));
        const bool parallel = knob_flag(knobs, "parallel");
        const int64_t kv_heads = knob_int(knobs, "kv_heads");
        // What comes from DRAM: the integer cache and its scales, or the fp16 cache itself.
        const bool fp16 = bits == 16;
        const std::vector<Func> k_loads =
            fp16 ? std::vector<Func>{a.k_deq} : std::vector<Func>{a.k.in(), a.k_scale.in(), a.k_deq};
        const std::vector<Func> v_loads =
            fp16 ? std::vector<Func>{a.v_deq} : std::vector<Func>{a.v.in(), a.v_scale.in(), a.v_deq};
        Var kho("kho"), hg("hg"), io("io"), ii("ii"), khb("khb"), khi("khi");
        a.out.split(a.h, kho, hg, group).split(a.i, io, ii, tq);
        if (knob_flag(knobs, "group_rows"))
            a.out.reorder(a.d, ii, hg, io, kho);
        else
            a.out.reorder(a.d, ii, io, hg, kho);
        // Whole-head loads happen once per batch of kv_heads KV heads.
        const bool whole = tile_kv == 0 || tile_kv == cap;
        const int64_t batches = whole ? hk / kv_heads : hk;
        Var load_at = kho;
        if (whole && kv_heads > 1) {
            a.out.split(kho, khb, khi, static_cast<int>(kv_heads));
            load_at = khb;
        }
        if (parallel) a.out.parallel(load_at);
        if (whole) {
            // The scales of every head and token are small: loaded once. The cache of a batch of KV
            // heads is dequantized on chip once for their query heads.
            for (std::vector<Func> loads : {k_loads, v_loads}) {
                if (!fp16) loads[1].compute_root().store_in(MemoryType::VTCM);
                loads.back().compute_at(a.out, load_at).store_in(MemoryType::VTCM);
                Func staged = loads.front();
                staged.compute_at(a.out, load_at).store_in(MemoryType::VTCM);
                if (knob_flag(knobs, "double_buffer") && !parallel && batches > 1)
                    for (Func f : {staged, loads.back()})
                        f.store_root().fold_storage(f.args()[1], static_cast<int>(2 * kv_heads)).async();
            }
            a.scores.compute_at(a.out, io).store_in(MemoryType::LockedCache);
        } else {
            // Blocks of tile_kv tokens: each block's q.k^T lands in the accumulators and is scaled
            // and masked into the chunk's logits row (in l1); p.v folds the context block by block,
            // in token order, so the sums round as in one pass.
            Var jo("jo"), ji("ji");
            RVar rjo("rjo"), rji("rji");
            a.logits.split(a.j, jo, ji, tile_kv, TailStrategy::GuardWithIf).reorder(ji, a.i, a.g, jo);
            a.context.update()
                .split(a.rj, rjo, rji, tile_kv, TailStrategy::GuardWithIf)
                .reorder(rji, a.d, a.i, a.g, rjo);
            a.scores.compute_at(a.logits, jo).store_in(MemoryType::LockedCache);
            for (Func f : k_loads)
                f.compute_at(a.logits, jo).store_in(MemoryType::VTCM);
            for (Func f : v_loads)
                f.compute_at(a.context, rjo).store_in(MemoryType::VTCM);
            if (!fp16 && knob_flag(knobs, "resident_scales"))
                for (Func f : {k_loads[1], v_loads[1]})
                    f.compute_root().store_in(MemoryType::VTCM);
            // No double buffering of the blocks: the last block's extent depends on ctx, so Halide
            // would track the folded storage with counters in memory, which a program cannot read.
        }
        a.q.in().compute_at(a.out, io).store_in(MemoryType::VTCM);
        a.context.compute_at(a.out, io).store_in(MemoryType::LockedCache);
        for (Func f : {a.logits, a.row_max, a.exps, a.row_sum, a.row_inv, a.probs, a.result})
            f.compute_at(a.out, io).store_in(MemoryType::VTCM);
        return instance(a, s, ctx);
    }
    std::string sram_remedy(const Shape& s, const Knobs& knobs) const override {
        const int64_t tile_kv = knob_int(knobs, "tile_kv"), cap = s.at("cap");
        if (tile_kv == 0 || tile_kv >= cap) {
            const int64_t heads = knob_int(knobs, "kv_heads");
            std::string less;
            if (heads > 1) less = "kv_heads=1";
            if (knob_flag(knobs, "double_buffer"))
                less += (less.empty() ? "" : " and ") + std::string("double_buffer=0");
            return "Stream the cache in blocks instead of holding whole KV heads: tile_kv=256 or smaller (now " +
                   std::to_string(heads) + " KV head(s) of " + std::to_string(cap) + " tokens on chip at once)" +
                   (less.empty() ? "" : "; " + less + " shrink(s) it less") + ".";
        }
        std::string r =
            "Use a smaller tile_kv (" + std::to_string(tile_kv) + ") or tile_q (" + knobs.at("tile_q") + ")";
        if (knob_flag(knobs, "resident_scales") && s.at("kv_bits") != 16)
            r += ", or resident_scales=0 (every KV head's scales are on chip now)";
        return r + ".";
    }
    // The host CPU's schedule: KV heads across the cores, each head's cache dequantized once (K
    // token-innermost), every row of scores, probabilities and context vectorized along its pure
    // dimension while the sums over d and over the context run in order.
    KernelInstance build_host(const Shape& s, const Knobs&) const override {
        constexpr int kLanes = 16;
        const TailStrategy tail = TailStrategy::GuardWithIf;
        const int64_t h = s.at("h"), hk = s.at("hk");
        const Param<int32_t> ctx = context(s);
        kernels::Attention a = algorithm(s, ctx);
        Var kho("kho"), hg("hg");
        a.out.split(a.h, kho, hg, static_cast<int>(h / hk)).reorder(a.d, a.i, hg, kho).parallel(kho);
        a.out.vectorize(a.d, kLanes, tail);
        a.k_deq.compute_at(a.out, kho)
            .reorder_storage(a.j, a.d, a.kh)
            .reorder(a.j, a.d, a.kh)
            .vectorize(a.j, kLanes, tail);
        a.v_deq.compute_at(a.out, kho).vectorize(a.d, kLanes, tail);
        a.scores.compute_at(a.out, kho).vectorize(a.j, kLanes, tail);
        a.scores.update().reorder(a.j, a.rd.x, a.i, a.g, a.kh).vectorize(a.j, kLanes, tail);
        for (Func f : {a.row_max, a.row_sum, a.row_inv})
            f.compute_at(a.out, kho);
        for (Func f : {a.exps, a.probs})
            f.compute_at(a.out, kho).vectorize(a.j, kLanes, tail);
        a.context.compute_at(a.out, kho).vectorize(a.d, kLanes, tail);
        a.context.update().reorder(a.d, a.rj.x, a.i, a.g, a.kh).vectorize(a.d, kLanes, tail);
        a.result.compute_at(a.out, kho).vectorize(a.d, kLanes, tail);
        return instance(a, s, ctx);
    }

private:
    // The context length as a run-time parameter: at least the queries (causal) or 1, at most cap.
    static Param<int32_t> context(const Shape& s) {
        Param<int32_t> ctx("ctx");
        ctx.set_range(static_cast<int32_t>(s.at("causal") ? s.at("t") : 1), static_cast<int32_t>(s.at("cap")));
        return ctx;
    }
    // The algorithm for this shape, reading the cache up to `ctx`.
    static kernels::Attention algorithm(const Shape& s, const Param<int32_t>& ctx) {
        return kernels::make_attention(static_cast<int>(s.at("d")), static_cast<int>(s.at("h")),
                                       static_cast<int>(s.at("hk")), ctx, static_cast<int>(s.at("t")),
                                       static_cast<int>(s.at("kv_bits")), s.at("causal") != 0);
    }
    static KernelInstance instance(const kernels::Attention& a, const Shape& s, const Param<int32_t>& ctx) {
        const int64_t t = s.at("t"), cap = s.at("cap"), h = s.at("h"), hk = s.at("hk"), d = s.at("d");
        const int bits = static_cast<int>(s.at("kv_bits"));
        const int64_t dk = bits == 4 ? d / 2 : d;
        if (bits == 16)
            return {{a.q, a.k, a.v}, {{d, h, t}, {d, hk, cap}, {d, hk, cap}}, a.out, {d, h, t}, {{"ctx", ctx}}};
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
