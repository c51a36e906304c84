// Registry entries of the KV-cache append kernels (kv_scale, kv_quantize): row tiles over the new
// tokens (row_tiles.h).
#include "base/errors.h"
#include "kernels/attention/kv_cache.h"
#include "schedules/elementwise/row_tiles.h"
#include "schedules/registry.h"

namespace npusim::schedules {

using namespace Halide;

namespace {

class KvKernel : public Kernel {
public:
    explicit KvKernel(bool quantize) : quantize_(quantize) {}
    std::string name() const override { return quantize_ ? "kv_quantize" : "kv_scale"; }
    std::string summary() const override {
        return quantize_ ? "KV append, step 2: q = round(x / scale) clamped to +-qmax, int8 or packed int4 "
                           "(bit-exact vs float32)"
                         : "KV append, step 1: scale[t][kh] = fp16(max(absmax_d |x|, 1e-4) / qmax) per token "
                           "and KV head (bit-exact vs float32)";
    }
    std::vector<ShapeDim> shape_dims() const override {
        return {{"t", 1, 1, 1 << 16, "new tokens"},
                {"hk", 8, 1, 1024, "KV heads"},
                {"d", 64, 2, 1024, "head dimension"},
                {"kv_bits", 8, 4, 8, "cache precision: 8 or 4"}};
    }
    std::vector<KnobSpec> knob_specs() const override { return row_tile_knobs(); }
    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& s) const override {
        // fp16 input, int8 output and the staged intermediates: about 4 bytes per element.
        return row_tile_defaults(npu, s.at("t"), s.at("hk") * s.at("d") * 4);
    }
    void check(const Shape& s, const Knobs&) const override {
        if (s.at("kv_bits") != 4 && s.at("kv_bits") != 8)
            throw npu::ShapeError(name() + " shape kv_bits must be 4 or 8, got " + std::to_string(s.at("kv_bits")));
        if (s.at("kv_bits") == 4 && s.at("d") % 2)
            throw npu::ShapeError(name() + " shape d = " + std::to_string(s.at("d")) +
                                  " must be even for an int4 cache (packed two per byte)");
    }
    KernelInstance build(const Shape& s, const Knobs& knobs) const override {
        const int64_t t = s.at("t"), hk = s.at("hk"), d = s.at("d");
        const int bits = static_cast<int>(s.at("kv_bits"));
        const RowTiles r = RowTiles::from_knobs(knobs);
        if (!quantize_) {
            kernels::KvScale k = kernels::make_kv_scale(static_cast<int>(d), bits);
            apply_row_tiles(k.out, {k.absmax, k.scale}, {k.x}, {}, {}, r, t);
            return {{k.x}, {{d, hk, t}}, k.out, {hk, t}};
        }
        kernels::KvQuantize k = kernels::make_kv_quantize(bits);
        apply_row_tiles(k.out, {k.inv, k.q}, {k.x, k.scale}, {}, {}, r, t);
        return {{k.x, k.scale}, {{d, hk, t}, {hk, t}}, k.out, {bits == 4 ? d / 2 : d, hk, t}};
    }

private:
    bool quantize_;
};

}  // namespace

const std::vector<const Kernel*>& kv_cache_kernels() {
    static const KvKernel scale(false), quantize(true);
    static const std::vector<const Kernel*> all = {&scale, &quantize};
    return all;
}

}  // namespace npusim::schedules
