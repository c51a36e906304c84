// Registry entries of the GEMM family: shapes m, n, k (and group for weight-only variants); the
// knobs of GemmSchedule; per-preset defaults.
#include <algorithm>
#include <functional>

#include "base/errors.h"
#include "kernels/gemm/gemm.h"
#include "schedules/gemm/gemm_schedule.h"
#include "schedules/registry.h"
#include "sim/mac/mac_array.h"
#include "sim/simulator.h"

namespace npusim::schedules {

namespace {

enum class Variant { W8A8, W4A8, W8A16, W4A16, W8A8Dynamic, W4A8Dynamic, F16, W8A16I, W4A16I };

class GemmKernel : public Kernel {
public:
    GemmKernel(Variant v, std::string name, std::string summary)
        : variant_(v), name_(std::move(name)), summary_(std::move(summary)) {}
    std::string name() const override { return name_; }
    std::string summary() const override { return summary_; }
    std::vector<ShapeDim> shape_dims() const override {
        std::vector<ShapeDim> d = {
            {"m", 512, 1, 1 << 20, "rows of a and out (tokens)"},
            {"n", 512, 1, 1 << 20, "rows of w, columns of out (output channels)"},
            {"k", 512, 1, 65536, "reduction length (at most 65536, so an int32 accumulator cannot overflow)"}};
        if (weight_only())
            d.push_back({"group", 128, 1, 65536, "K elements sharing one weight scale (k: per channel)"});
        return d;
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
            {"native_w",
             false,
             {"0", "1"},
             "1: the MAC array takes the weights as stored (packed int4, or int against fp16 per channel: the "
             "preset's mac.<pair>_per_pe_cycle); 0: the vector unit converts them first"},
        };
    }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& shape) const override {
        GemmSchedule s;  // prefill on `default` and the presets without a tuned entry (see GemmSchedule)
        const int64_t m = shape.at("m"), n = shape.at("n");
        // A Hexagon-class NPU (hexagon_8gen3, hexagon_8elite): megabytes of l1 (VTCM) and of
        // accumulators, where whole panels and deep K steps fit.
        const bool large_sram = npu.sram_l1_bytes >= (int64_t{4} << 20) && npu.sram_acc_bytes >= (int64_t{1} << 20);
        if (m <= 16) {
            // Decode (M = 1): bandwidth-bound, so wide weight tiles and long DMAs; a tile of up to
            // 2048 rows of W (x M int32 accumulators) keeps the activation row loaded once.
            //   default 1x2048x2048: 175,069 cycles, 94.2 % of the kernel roofline (tile_k 64)
            //   hexagon_8gen3 1x2048x2048: 87,691 cycles, 94.1 % (tile_k 256, a panel)
            s.tile_m = static_cast<int>(m);
            s.tile_n = 2048;
            s.tile_k = large_sram ? 256 : 64;
            // Packed INT4 weights: twice the K per step, so each weight row of a step is as many
            // bytes (whole DRAM bursts) as with INT8.
            if (int4_weights()) s.tile_k *= 2;
            // A K the step does not divide leaves a short last step whose weight rows are part
            // bursts; where two tiles of whole rows fit half of l1, one step of all of K reads
            // each tile as one contiguous span instead (Qwen2.5-0.5B's K = 896).
            const int64_t k = shape.at("k"), row_bytes = int4_weights() ? (k + 1) / 2 : k;
            const int64_t tail_bytes = int4_weights() ? (k % s.tile_k) / 2 : k % s.tile_k;
            if (tail_bytes % std::max<int64_t>(npu.dram_burst_bytes, 1) &&
                2 * std::min<int64_t>(n, 2048) * row_bytes <= npu.sram_l1_bytes / 2)
                s.tile_k = static_cast<int>(k);
            s.stage_a = large_sram ? "panel" : "k";
            // N in equal tiles of at most 2048 (a ragged last tile restarts the weight stream for
            // little work), a multiple of `cores` of them, each whole array columns where that
            // adds no overlap, else a multiple of 32 rows (a last tile shifted inwards re-reads the
            // weights it overlaps). With several cores the tile loop is outermost and parallel, so
            // every core streams its share of the weights.
            {
                const int64_t cols = std::max<int64_t>(npu.mac_cols, 1), cores = npu.cores;
                int64_t tiles = (n + 2047) / 2048;
                // One K step per tile loads the next tile's weights behind this one's MatMuls:
                // at least two tiles on one core, or the single tile's load is all exposed.
                if (s.tile_k == k && cores == 1 && n % 2 == 0 && (n / 2) % 16 == 0) tiles = std::max<int64_t>(tiles, 2);
                tiles = (tiles + cores - 1) / cores * cores;
                const int64_t even = (n + tiles - 1) / tiles;
                int64_t tn = (even + cols - 1) / cols * cols;
                if (tn * tiles > n + cols) tn = (even + 31) / 32 * 32;
                // Tiles that divide N exactly let the weight stream run on from one output tile
                // into the next (overlap_out) on one core: a few more tiles if that gets them.
                for (int64_t t = tiles; n % tn && t <= tiles + 8 * cores; t += cores)
                    if (n % t == 0 && (n / t) % 16 == 0) tn = n / t;
                s.tile_n = static_cast<int>(std::min<int64_t>(tn, n));
                if (cores > 1) s.order = "nm";
                const int64_t g = weight_only() ? group(shape) : 1;
                GemmSchedule overlapped = s;
                overlapped.overlap_out = true;
                if (cores == 1 && n % s.tile_n == 0 && n > s.tile_n &&
                    l1_bytes(overlapped, m, n, k, g) <= npu.sram_l1_bytes)
                    s.overlap_out = true;
            }
        } else if (large_sram) {
            // 128x384 array, 1 MiB accumulators, one DMA channel, DRAM-bound at M = 512: all 512 rows
            // of A as a panel loaded once, 512-wide weight tiles (512x512 int32 fills the
            // accumulators), 1024-deep K steps so each weight DMA is 512 KiB and pays its ~260-cycle
            // latency rarely, and the next tile computed while this one is copied out, its weight
            // stream running on through this tile's requantize. Llama-3.2-1B prefill (M = 512):
            //   512x2048x2048 142,079 cycles (86.8 % of the kernel roofline)
            //   512x8192x2048 463,871 (93.1 %) | 512x2048x8192 456,641 (94.3 %)
            // (tile_k 256: 80.5 / 80.8 / 88.5 %; and 72.6 / 70.0 / 85.6 % while the weight stream
            // restarted at each tile.) What is left: the 1 MiB A panel load before the first MatMul.
            s.tile_m = 512;
            s.tile_n = 512;
            s.tile_k = 1024;
            s.stage_a = "panel";
            s.overlap_out = n % 512 == 0;
        }
        s.parallel = npu.cores > 1;
        // Weights go to the array as stored where it has the pair: INT4 against integer
        // activations, or INT4/INT8 against fp16 activations with a per-channel scale.
        const npu::DType a_type = activation_fp16() ? npu::DType::Fp16 : a16i() ? npu::DType::Int16 : npu::DType::Int8;
        const npu::DType w_type = int4_weights() ? npu::DType::Int4 : npu::DType::Int8;
        s.native_w = native_capable(shape) && npu::unsupported_pair(npu, a_type, w_type).empty();
        // 16-bit integer activations have no conversion path: the array must take them against
        // int4 weights (a16w4) or against int8 ones (a16w8, after the vector unit unpacks int4).
        if (a16i() && !s.native_w && !npu::unsupported_pair(npu, a_type, npu::DType::Int8).empty())
            throw npu::ScheduleError(name_ + " multiplies 16-bit integer activations by " +
                                     (int4_weights() ? "int4" : "int8") + " weights, which preset '" + npu.name +
                                     "' runs on no matrix path (mac.a16w8_per_pe_cycle" +
                                     (int4_weights() ? " and mac.a16w4_per_pe_cycle are" : " is") +
                                     " 0); use fp16 activations (w4a16, w8a16) or int8 ones (w4a8, w8a8) on this NPU");
        // Per-token quantization reads each activation row whole before the MatMuls: a panel of
        // tile_m rows (fp16, and its int8 quantization) must fit in half of l1. So must an fp16 A
        // panel: a long K (Llama-3.2-3B's down projection, K = 8192) takes twice the bytes of the
        // int8 panels the hexagon_8gen3 defaults above were measured with.
        if (dynamic()) s.stage_a = "panel";
        if (s.stage_a == "panel" && (dynamic() || activation_fp16() || a16i())) {
            const int64_t k = shape.at("k");
            const int64_t bytes_per_a = a_bytes();
            while (s.tile_m > 1 && int64_t{s.tile_m} * k * bytes_per_a > npu.sram_l1_bytes / 2)
                s.tile_m /= 2;
            if (dynamic() && k * bytes_per_a > npu.sram_l1_bytes / 2)
                throw npu::ScheduleError(
                    name_ + " quantizes each activation row whole, so one row (k = " + std::to_string(k) + ": " +
                    std::to_string(k * bytes_per_a) + " B as fp16 and int8) must fit half of l1, and preset '" +
                    npu.name + "' has " + std::to_string(npu.sram_l1_bytes) +
                    " B (sram.l1_bytes); use a static recipe on this NPU");
        }
        fit_sram(s, npu, shape);
        return s.to_map();
    }
    void check(const Shape& s, const Knobs& knobs) const override {
        const GemmSchedule sched = GemmSchedule::from_map(knobs);
        if (sched.native_w && !native_capable(s))
            throw npu::ScheduleError(
                "schedule knob native_w=1 applies to int4 weights against integer activations (gemm_w4a8, gemm_w4a16i, "
                "gemm_w4a8_dynamic) and to per-channel weight-only GEMMs (gemm_w8a16, gemm_w4a16 with group = k); " +
                name_ +
                (weight_only() ? " with group = " + std::to_string(s.at("group")) +
                                     " dequantizes each weight with its group's scale before fp16 MACs"
                               : " has no integer weights narrower than its activations"));
        if (int4_weights() && s.at("k") % 2)
            throw npu::ShapeError(name_ + " shape k = " + std::to_string(s.at("k")) +
                                  " must be even (int4 weights are packed two per byte along K)");
        if (weight_only() && s.at("k") % s.at("group"))
            throw npu::ShapeError(name_ + " shape group = " + std::to_string(s.at("group")) +
                                  " must divide k = " + std::to_string(s.at("k")));
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
    std::string sram_remedy(const Shape& s, const Knobs& knobs) const override {
        std::string r = Kernel::sram_remedy(s, knobs);
        for (const char* side : {"stage_a", "stage_b"})
            if (knobs.at(side) == "panel")
                r.insert(r.size() - 1, std::string(", or ") + side + "=k (a panel holds all of K)");
        return r;
    }
    KernelInstance build(const Shape& s, const Knobs& knobs) const override {
        kernels::Gemm g = algorithm(s);
        apply_gemm_schedule(g, GemmSchedule::from_map(knobs), static_cast<int>(s.at("m")), static_cast<int>(s.at("n")),
                            static_cast<int>(s.at("k")));
        return instance(g, s);
    }
    KernelInstance build_host(const Shape& s, const Knobs&) const override {
        kernels::Gemm g = algorithm(s);
        apply_gemm_host_schedule(g);
        return instance(g, s);
    }

private:
    kernels::Gemm algorithm(const Shape& s) const {
        const int K = static_cast<int>(s.at("k"));
        return variant_ == Variant::W8A8    ? kernels::make_gemm_w8a8(K)
               : variant_ == Variant::W4A8  ? kernels::make_gemm_w4a8(K)
               : variant_ == Variant::W8A16 ? kernels::make_gemm_weight_only(K, 8, group(s))
               : variant_ == Variant::W4A16 ? kernels::make_gemm_weight_only(K, 4, group(s))
               : variant_ == Variant::F16   ? kernels::make_gemm_f16(K)
               : a16i()                     ? kernels::make_gemm_a16i(K, int4_weights() ? 4 : 8)
                                            : kernels::make_gemm_dynamic(K, int4_weights() ? 4 : 8);
    }
    KernelInstance instance(const kernels::Gemm& g, const Shape& s) const {
        const int64_t m = s.at("m"), n = s.at("n"), k = s.at("k");
        KernelInstance inst;
        inst.inputs = g.inputs;
        const int64_t packed_k = int4_weights() ? k / 2 : k;
        inst.input_shapes = {{k, m}, {packed_k, n}};
        if (variant_ == Variant::W8A8 || variant_ == Variant::W4A8)
            inst.input_shapes.push_back({n, 3});
        else if (weight_only())
            inst.input_shapes.push_back({k / s.at("group"), n});
        else if (dynamic())
            inst.input_shapes.push_back({n});
        else if (a16i())
            inst.input_shapes.insert(inst.input_shapes.end(), {{1}, {n}});
        inst.output = g.out;
        inst.output_shape = {n, m};
        return inst;
    }

    // The l1 bytes a schedule allocates, from the buffers the lowering makes (the Funcs an SRAM
    // overflow lists): A and W as staged (a panel once; a K step twice when double-buffered, and
    // W's twice again when its stream runs across output tiles), W unpacked or dequantized, the
    // output tile before its DMA (twice with overlap_out), and the per-channel parameters or
    // per-group scales. Checked against the lowering's own allocation for the int8, weight-only
    // and dynamic variants (exact, or above it for the scales).
    int64_t l1_bytes(const GemmSchedule& s, int64_t m, int64_t n, int64_t k, int64_t group) const {
        const int64_t tm = std::min<int64_t>(s.tile_m, m), tn = std::min<int64_t>(s.tile_n, n);
        const int64_t tk = std::min<int64_t>(s.tile_k, k);
        const int64_t copies = s.double_buffer ? 2 : 1, w_copies = copies * (s.overlap_out ? 2 : 1);
        const bool w4 = int4_weights();
        const int64_t a_bytes = this->a_bytes();
        const int64_t w_bytes_x2 = w4 ? 1 : variant_ == Variant::F16 ? 4 : 2;
        const int64_t w_work = s.native_w ? 0 : unpacks_int4() ? 1 : weight_only() ? 2 : 0;
        const int64_t out_bytes = variant_ == Variant::W8A8 || variant_ == Variant::W4A8 ? 1 : 2;
        const int64_t a = s.stage_a == "panel" ? tm * k * a_bytes : copies * tm * tk * a_bytes;
        const int64_t w = s.stage_b == "panel" ? tn * k * w_bytes_x2 / 2 : w_copies * tn * tk * w_bytes_x2 / 2;
        const int64_t params = weight_only() ? tn * (k / group) * 2 : a16i() ? 4 * tn + 4 : 12 * tn;
        return a + w + tn * tk * w_work + tm * tn * out_bytes * (s.overlap_out ? 2 : 1) + params;
    }

    // Presets with small SRAMs (Ethos-U: 40 KiB of l1 and 8 KiB of accumulators; RK3588: 64 KiB
    // of accumulators) cannot hold the tiles chosen for the larger ones: halve them until they
    // fit. The accumulator tile (tile_m x tile_n int32) first, by its longer side; then an A panel
    // becomes per-K-step staging; then K steps down to 64, then the longer tile side, then K.
    void fit_sram(GemmSchedule& s, const npu::NpuConfig& npu, const Shape& shape) const {
        const int64_t m = shape.at("m"), n = shape.at("n"), k = shape.at("k");
        const int64_t g = weight_only() ? group(shape) : 1;
        auto halve_longer = [&] {
            if (std::min<int64_t>(s.tile_m, m) >= std::min<int64_t>(s.tile_n, n) && s.tile_m > 1)
                s.tile_m = static_cast<int>(std::min<int64_t>(s.tile_m, m)) / 2;
            else if (s.tile_n > 1)
                s.tile_n = static_cast<int>(std::min<int64_t>(s.tile_n, n)) / 2;
            else
                return false;
            return true;
        };
        const int64_t acc_bytes = a16i() ? 8 : 4;  // int64 or 32-bit accumulators
        while (std::min<int64_t>(s.tile_m, m) * std::min<int64_t>(s.tile_n, n) * acc_bytes > npu.sram_acc_bytes)
            if (!halve_longer()) break;
        while (l1_bytes(s, m, n, k, g) > npu.sram_l1_bytes) {
            if (s.stage_a == "panel" && !dynamic()) {  // per-token scales need the panel
                s.stage_a = "k";
            } else if (s.stage_b == "panel") {
                s.stage_b = "k";
            } else if (std::min<int64_t>(s.tile_k, k) > 64) {
                s.tile_k = static_cast<int>(std::min<int64_t>(s.tile_k, k)) / 2;
            } else if (!halve_longer()) {
                if (s.tile_k <= 1) break;
                s.tile_k /= 2;
            }
        }
    }

    bool weight_only() const { return variant_ == Variant::W8A16 || variant_ == Variant::W4A16; }
    bool dynamic() const { return variant_ == Variant::W8A8Dynamic || variant_ == Variant::W4A8Dynamic; }
    bool a16i() const { return variant_ == Variant::W8A16I || variant_ == Variant::W4A16I; }
    bool int4_weights() const {
        return variant_ == Variant::W4A8 || variant_ == Variant::W4A16 || variant_ == Variant::W4A8Dynamic ||
               variant_ == Variant::W4A16I;
    }
    // Bytes per activation element on chip: as staged, plus its on-chip quantization.
    int64_t a_bytes() const { return dynamic() ? 3 : a16i() ? 4 : activation_fp16() ? 2 : 1; }
    // A kernel whose weights the array can take as stored: the unpack or conversion is all that
    // stands between them and the MAC operand.
    bool native_capable(const Shape& s) const {
        return unpacks_int4() || (weight_only() && s.at("group") == s.at("k"));
    }
    bool unpacks_int4() const {
        return variant_ == Variant::W4A8 || variant_ == Variant::W4A8Dynamic || variant_ == Variant::W4A16I;
    }
    bool activation_fp16() const { return weight_only() || variant_ == Variant::F16; }
    static int group(const Shape& s) { return static_cast<int>(s.at("group")); }
    Variant variant_;
    std::string name_, summary_;
};

// The output projection to the vocabulary at a chosen precision: the GEMM variant for (w_bits,
// a_bits) with m = t tokens, n = vocab, k = d.
class LmHeadKernel : public Kernel {
public:
    explicit LmHeadKernel(std::vector<const GemmKernel*> variants) : variants_(std::move(variants)) {}
    std::string name() const override { return "lm_head"; }
    std::string summary() const override {
        return "logits = x W^T over the vocabulary with the GEMM variant of (w_bits, a_bits): 8/8 gemm_w8a8, "
               "4/8 gemm_w4a8, 8/16 gemm_w8a16, 4/16 gemm_w4a16 (its inputs and numerics)";
    }
    std::vector<ShapeDim> shape_dims() const override {
        return {{"t", 1, 1, 1 << 20, "tokens"},
                {"d", 2048, 1, 65536, "hidden size"},
                {"vocab", 128256, 1, 1 << 20, "vocabulary"},
                {"w_bits", 8, 4, 8, "weight precision: 8 or 4"},
                {"a_bits", 16, 8, 16, "activation precision: 8 (int8, requantized out) or 16 (fp16)"},
                {"group", 128, 1, 65536, "K elements per weight scale (a_bits 16)"}};
    }
    std::vector<KnobSpec> knob_specs() const override { return variants_.front()->knob_specs(); }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& s) const override {
        return variant(s).default_knobs(npu, gemm_shape(s));
    }
    void check(const Shape& s, const Knobs& knobs) const override {
        if ((s.at("w_bits") != 4 && s.at("w_bits") != 8) || (s.at("a_bits") != 8 && s.at("a_bits") != 16))
            throw npu::ShapeError("lm_head shape w_bits must be 4 or 8 and a_bits 8 or 16, got " +
                                  std::to_string(s.at("w_bits")) + " and " + std::to_string(s.at("a_bits")));
        variant(s).check(gemm_shape(s), knobs);
    }
    KernelInstance build(const Shape& s, const Knobs& knobs) const override {
        return variant(s).build(gemm_shape(s), knobs);
    }

private:
    const GemmKernel& variant(const Shape& s) const {
        const bool w4 = s.at("w_bits") == 4, a16 = s.at("a_bits") == 16;
        return *variants_[(w4 ? 1 : 0) + (a16 ? 2 : 0)];
    }
    static Shape gemm_shape(const Shape& s) {
        Shape g = {{"m", s.at("t")}, {"n", s.at("vocab")}, {"k", s.at("d")}};
        if (s.at("a_bits") == 16) g["group"] = s.at("group");
        return g;
    }
    std::vector<const GemmKernel*> variants_;  // w8a8, w4a8, w8a16, w4a16
};

}  // namespace

const std::vector<const Kernel*>& gemm_kernels() {
    static const GemmKernel w8a8(Variant::W8A8, "gemm_w8a8",
                                 "out[m][n] = requant(sum_k a[m][k] * w[n][k]): int8 x int8 -> int32, per-channel "
                                 "fixed-point requantization to int8 (bit-exact)");
    static const GemmKernel w4a8(Variant::W4A8, "gemm_w4a8",
                                 "as gemm_w8a8 with int4 weights packed two per byte (w4 [n, k/2]), unpacked on chip "
                                 "(bit-exact)");
    static const GemmKernel w8a16(Variant::W8A16, "gemm_w8a16",
                                  "fp16 activations x int8 weights dequantized on chip with an fp16 scale per group "
                                  "(scales [n, k/group]); fp16 MACs, fp32 accumulation, fp16 out");
    static const GemmKernel w4a16(Variant::W4A16, "gemm_w4a16",
                                  "as gemm_w8a16 with int4 weights packed two per byte (w4 [n, k/2])");
    static const GemmKernel dynamic(Variant::W8A8Dynamic, "gemm_w8a8_dynamic",
                                    "fp16 activations quantized per token at run time (absmax over K), int8 x int8 "
                                    "-> int32, out = fp16(acc * absmax/127 * w_scale[n]) (bit-exact vs float32); "
                                    "needs stage_a=panel");
    static const GemmKernel dynamic4(Variant::W4A8Dynamic, "gemm_w4a8_dynamic",
                                     "as gemm_w8a8_dynamic with int4 weights packed two per byte (w4 [n, k/2]), "
                                     "unpacked on chip; needs stage_a=panel");
    static const GemmKernel f16(Variant::F16, "gemm_f16",
                                "fp16 x fp16 weights (w [n, k] fp16), fp32 accumulation, fp16 out: the unquantized "
                                "baseline");
    static const GemmKernel a16i8(Variant::W8A16I, "gemm_w8a16i",
                                  "fp16 activations quantized on chip to int16 with a static scale (a_inv [1]), x int8 "
                                  "weights, exact int64 sums, out = fp16(acc * out_scale[n]) (QNN's A16W8; bit-exact)");
    static const GemmKernel a16i4(Variant::W4A16I, "gemm_w4a16i",
                                  "as gemm_w8a16i with int4 weights packed two per byte (w4 [n, k/2]) (QNN's A16W4)");
    static const LmHeadKernel lm_head({&w8a8, &w4a8, &w8a16, &w4a16});
    static const std::vector<const Kernel*> all = {&w8a8,     &w4a8, &w8a16, &w4a16, &dynamic,
                                                   &dynamic4, &f16,  &a16i8, &a16i4, &lm_head};
    return all;
}

}  // namespace npusim::schedules
