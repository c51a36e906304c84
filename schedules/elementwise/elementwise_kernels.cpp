// Registry entries of the row-wise kernels: norms, activations, residual add, RoPE and the
// quantization conversions. Each builds its algorithm from kernels/ and applies the row-tile
// schedule (row_tiles.h) with the Funcs that run per tile.
//
// Defaults (row_tile_defaults): the largest tile whose double-buffered working set fits a quarter
// of l1. On `default` (1 MiB l1), rms_norm at 512 tokens x 2048 gets 8-row tiles: 179,625 cycles,
// 91.3 % of the kernel roofline (the tuner finds 94.8 %); docs/kernels.md has every kernel.
#include "base/errors.h"
#include "kernels/elementwise/activations.h"
#include "kernels/elementwise/quant_ops.h"
#include "kernels/norm/norms.h"
#include "schedules/elementwise/row_tiles.h"
#include "schedules/registry.h"

namespace npusim::schedules {

using namespace Halide;

namespace {

const ShapeDim kTokens{"t", 512, 1, 1 << 20, "tokens (rows)"};
const ShapeDim kHidden{"d", 2048, 1, 1 << 20, "features per token"};

int64_t dim(const Shape& s, const char* n) {
    return s.at(n);
}

// A kernel whose schedule is row_tiles. The first shape dimension is the rows; `bytes_per_element`
// is the SRAM a tile needs per element (inputs, staged intermediates, output), and
// `resident_per_element` what stays on chip for the whole kernel per element of a row
// (per-channel parameters), for the defaults.
class RowKernel : public Kernel {
public:
    using Builder = std::function<KernelInstance(const Shape&, const RowTiles&)>;
    RowKernel(std::string name, std::string summary, std::vector<ShapeDim> dims, int64_t bytes_per_element,
              Builder build, int64_t resident_per_element = 0)
        : name_(std::move(name)),
          summary_(std::move(summary)),
          dims_(std::move(dims)),
          bytes_per_element_(bytes_per_element),
          resident_per_element_(resident_per_element),
          build_(std::move(build)) {}
    std::string name() const override { return name_; }
    std::string summary() const override { return summary_; }
    std::vector<ShapeDim> shape_dims() const override { return dims_; }
    std::vector<KnobSpec> knob_specs() const override { return row_tile_knobs(); }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& shape) const override {
        const int64_t elements = row_elements(shape);
        return row_tile_defaults(npu, shape.at(dims_.front().name), elements * bytes_per_element_,
                                 elements * resident_per_element_);
    }
    KernelInstance build(const Shape& shape, const Knobs& knobs) const override {
        return build_(shape, RowTiles::from_knobs(knobs));
    }
    KernelInstance build_host(const Shape& shape, const Knobs& knobs) const override {
        RowTiles host = RowTiles::from_knobs(knobs);
        host.host = true;
        return build_(shape, host);
    }

protected:
    // The first dimension is the row (tile) dimension; the others make up one row.
    int64_t row_elements(const Shape& shape) const {
        int64_t elements = 1;
        for (const auto& [n, v] : shape)
            if (n != dims_.front().name) elements *= v;
        return elements;
    }
    std::string name_, summary_;
    std::vector<ShapeDim> dims_;
    int64_t bytes_per_element_, resident_per_element_;
    Builder build_;
};

// A row kernel without a reduction along the row: a row may be split (tile_d) when it does not fit.
class ElementwiseKernel : public RowKernel {
public:
    using RowKernel::RowKernel;
    std::vector<KnobSpec> knob_specs() const override { return row_tile_knobs(true); }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& shape) const override {
        const int64_t elements = row_elements(shape);
        return split_row_tile_defaults(npu, shape.at(dims_.front().name), elements, bytes_per_element_,
                                       elements * resident_per_element_);
    }
};

KernelInstance elementwise(kernels::Elementwise k, const Shape& s, const RowTiles& r) {
    const int64_t d = dim(s, "d"), t = dim(s, "t");
    KernelInstance inst{{k.a}, {{d, t}}, k.out, {d, t}};
    if (k.operands == 2) {
        inst.inputs.push_back(k.b);
        inst.input_shapes.push_back({d, t});
    }
    apply_row_tiles(k.out, {k.value}, inst.inputs, {}, {}, r, t, d);
    return inst;
}

class RopeKernel : public RowKernel {
public:
    using RowKernel::RowKernel;
    void check(const Shape& s, const Knobs&) const override {
        if (dim(s, "d") % 2)
            throw npu::ShapeError("rope shape d = " + std::to_string(dim(s, "d")) +
                                  " must be even (the head dimension is rotated in halves)");
    }
};

// The gathered rows are the tile: d fp16 elements per token, plus its id.
class EmbeddingKernel : public RowKernel {
public:
    using RowKernel::RowKernel;
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& shape) const override {
        return row_tile_defaults(npu, shape.at("t"), shape.at("d") * 2 * 2 + 4);
    }
};

}  // namespace

const std::vector<const Kernel*>& row_kernels() {
    static const RowKernel rms("rms_norm", "RMSNorm: y = x / sqrt(mean(x^2) + 1e-5) * g; fp16 in/out, fp32 arithmetic",
                               {kTokens, kHidden}, 2 + 2 + 2, [](const Shape& s, const RowTiles& r) {
                                   const int64_t d = dim(s, "d"), t = dim(s, "t");
                                   kernels::RmsNorm k = kernels::make_rms_norm(static_cast<int>(d), 1e-5f);
                                   apply_row_tiles(k.out, {k.sumsq, k.inv, k.norm}, {k.x}, {k.g}, {}, r, t);
                                   return KernelInstance{{k.x, k.g}, {{d, t}, {d}}, k.out, {d, t}};
                               });
    static const RowKernel layer(
        "layer_norm", "LayerNorm: y = (x - mean) / sqrt(var + 1e-12) * g + b; fp16 in/out, fp32 arithmetic",
        {kTokens, kHidden}, 2 + 2 + 2, [](const Shape& s, const RowTiles& r) {
            const int64_t d = dim(s, "d"), t = dim(s, "t");
            kernels::LayerNorm k = kernels::make_layer_norm(static_cast<int>(d), 1e-12f);
            apply_row_tiles(k.out, {k.sum, k.sumsq, k.mean, k.inv, k.norm}, {k.x}, {k.g, k.b}, {}, r, t);
            return KernelInstance{{k.x, k.g, k.b}, {{d, t}, {d}, {d}}, k.out, {d, t}};
        });
    static const ElementwiseKernel silu("silu", "SiLU: y = x * sigmoid(x); fp16 in/out, fp32 arithmetic",
                                        {kTokens, kHidden}, 2 + 2 + 2, [](const Shape& s, const RowTiles& r) {
                                            return elementwise(kernels::make_activation(kernels::Activation::Silu), s,
                                                               r);
                                        });
    static const ElementwiseKernel gelu("gelu", "GELU (tanh form); fp16 in/out, fp32 arithmetic", {kTokens, kHidden},
                                        2 + 2 + 2, [](const Shape& s, const RowTiles& r) {
                                            return elementwise(kernels::make_activation(kernels::Activation::Gelu), s,
                                                               r);
                                        });
    static const ElementwiseKernel swiglu("swiglu", "SwiGLU: y = silu(a) * b (gate, up); fp16 in/out, fp32 arithmetic",
                                          {kTokens, kHidden}, 2 + 2 + 2 + 2, [](const Shape& s, const RowTiles& r) {
                                              return elementwise(kernels::make_gated(kernels::Activation::Silu), s, r);
                                          });
    static const ElementwiseKernel geglu("geglu",
                                         "GeGLU: y = gelu(a) * b (gate, up; tanh GELU); fp16 in/out, fp32 arithmetic",
                                         {kTokens, kHidden}, 2 + 2 + 2 + 2, [](const Shape& s, const RowTiles& r) {
                                             return elementwise(kernels::make_gated(kernels::Activation::Gelu), s, r);
                                         });
    static const ElementwiseKernel residual(
        "residual_add", "residual add: y = a + b; fp16 in/out, fp32 arithmetic", {kTokens, kHidden}, 2 + 2 + 2 + 2,
        [](const Shape& s, const RowTiles& r) { return elementwise(kernels::make_residual_add(), s, r); });
    static const RopeKernel rope(
        "rope", "RoPE, rotate-half form, with cos/sin tables (d/2 x t); fp16 in/out, fp32 arithmetic",
        {kTokens, {"h", 32, 1, 1024, "heads"}, {"d", 64, 2, 1024, "head dimension (even)"}}, 2 + 2 + 2,
        [](const Shape& s, const RowTiles& r) {
            const int64_t d = dim(s, "d"), h = dim(s, "h"), t = dim(s, "t");
            kernels::Rope k = kernels::make_rope(static_cast<int>(d));
            apply_row_tiles(k.out, {k.rotated}, {k.x, k.cos, k.sin}, {}, {}, r, t);
            return KernelInstance{{k.x, k.cos, k.sin}, {{d, h, t}, {d / 2, t}, {d / 2, t}}, k.out, {d, h, t}};
        });
    static const ElementwiseKernel quantize(
        "quantize", "quantize: q = sat_int8(round_half_even(x / scale)); fp16 -> int8, per-tensor scale",
        {kTokens, kHidden}, 2 + 1 + 1, [](const Shape& s, const RowTiles& r) {
            const int64_t d = dim(s, "d"), t = dim(s, "t");
            kernels::Quantize k = kernels::make_quantize();
            apply_row_tiles(k.out, {k.q}, {k.x}, {k.scale}, {k.inv}, r, t, d);
            return KernelInstance{{k.x, k.scale}, {{d, t}, {1}}, k.out, {d, t}};
        });
    static const ElementwiseKernel dequantize("dequantize",
                                              "dequantize: y = fp16(q * scale); int8 -> fp16, per-tensor scale",
                                              {kTokens, kHidden}, 1 + 2 + 2, [](const Shape& s, const RowTiles& r) {
                                                  const int64_t d = dim(s, "d"), t = dim(s, "t");
                                                  kernels::Dequantize k = kernels::make_dequantize();
                                                  apply_row_tiles(k.out, {k.y}, {k.q}, {k.scale}, {}, r, t, d);
                                                  return KernelInstance{{k.q, k.scale}, {{d, t}, {1}}, k.out, {d, t}};
                                              });
    // Per-channel forms: the d-element table stays on chip for the whole kernel.
    static const ElementwiseKernel quantize_channels(
        "quantize_channels",
        "quantize: q = sat_int8(round_half_even(x / scale[d])); fp16 -> int8, a static scale per channel "
        "(SmoothQuant's factor folded in)",
        {kTokens, kHidden}, 2 + 1 + 1,
        [](const Shape& s, const RowTiles& r) {
            const int64_t d = dim(s, "d"), t = dim(s, "t");
            kernels::Quantize k = kernels::make_quantize(true);
            apply_row_tiles(k.out, {k.q}, {k.x}, {k.scale}, {k.inv}, r, t, d);
            return KernelInstance{{k.x, k.scale}, {{d, t}, {d}}, k.out, {d, t}};
        },
        4 + 4);  // the scale and its reciprocal
    static const ElementwiseKernel dequantize_channels(
        "dequantize_channels", "dequantize: y = fp16(q * scale[d]); int8 -> fp16, a static scale per channel",
        {kTokens, kHidden}, 1 + 2 + 2,
        [](const Shape& s, const RowTiles& r) {
            const int64_t d = dim(s, "d"), t = dim(s, "t");
            kernels::Dequantize k = kernels::make_dequantize(true);
            apply_row_tiles(k.out, {k.y}, {k.q}, {k.scale}, {}, r, t, d);
            return KernelInstance{{k.q, k.scale}, {{d, t}, {d}}, k.out, {d, t}};
        },
        4);
    static const ElementwiseKernel scale_channels(
        "scale_channels", "per-channel scale: y = fp16(x * s[d]); fp16 in/out, fp32 arithmetic (AWQ's 1 / s)",
        {kTokens, kHidden}, 2 + 2 + 2,
        [](const Shape& s, const RowTiles& r) {
            const int64_t d = dim(s, "d"), t = dim(s, "t");
            kernels::ScaleChannels k = kernels::make_scale_channels();
            apply_row_tiles(k.out, {k.y}, {k.x}, {k.s}, {}, r, t, d);
            return KernelInstance{{k.x, k.s}, {{d, t}, {d}}, k.out, {d, t}};
        },
        4);
    static const ElementwiseKernel requantize(
        "requantize", "requantize: int32 -> int8 with per-channel fixed-point multiplier and shift (bit-exact integer)",
        {{"m", 512, 1, 1 << 20, "rows (tokens)"}, {"n", 2048, 1, 1 << 16, "channels"}}, 4 + 1 + 1,
        [](const Shape& s, const RowTiles& r) {
            const int64_t n = dim(s, "n"), m = dim(s, "m");
            kernels::Requantize k = kernels::make_requantize();
            apply_row_tiles(k.out, {k.r}, {k.acc}, {k.qparams}, {}, r, m, n);
            return KernelInstance{{k.acc, k.qparams}, {{n, m}, {n, 3}}, k.out, {n, m}};
        },
        3 * 4);  // multiplier, shift and bias (int32) per channel
    static const EmbeddingKernel embedding(
        "embedding",
        "embedding lookup: out[t] = table[ids[t]] (fp16 rows; one gathered row DMA per token, ids clamped to the "
        "table)",
        {kTokens, kHidden, {"vocab", 32000, 1, 1 << 22, "rows of the table"}}, 2,
        [](const Shape& s, const RowTiles& r) {
            const int64_t d = dim(s, "d"), t = dim(s, "t"), v = dim(s, "vocab");
            kernels::Embedding k = kernels::make_embedding(static_cast<int>(v));
            apply_row_tiles(k.out, {k.rows}, {k.ids}, {}, {}, r, t);
            return KernelInstance{{k.table, k.ids}, {{d, v}, {t}}, k.out, {d, t}};
        });
    static const std::vector<const Kernel*> all = {&embedding,
                                                   &rms,
                                                   &layer,
                                                   &silu,
                                                   &gelu,
                                                   &swiglu,
                                                   &geglu,
                                                   &residual,
                                                   &rope,
                                                   &quantize,
                                                   &dequantize,
                                                   &requantize,
                                                   &quantize_channels,
                                                   &dequantize_channels,
                                                   &scale_channels};
    return all;
}

}  // namespace npusim::schedules
