#pragma once
// Running a quantized network's ops as kernels of the library on the host: fp16 buffers from and
// to Eigen matrices, a linear's weights quantized into the form its GEMM kernel takes, and the
// kernel calls (flow::run_kernel_host with each kernel's host CPU schedule: the algorithms the
// simulator lowers, bit-identical to their NPU schedules' host JIT, many times faster).
#include <Halide.h>

#include <functional>
#include <string>
#include <vector>

#include "models/bert_reference.h"
#include "quant/calibration.h"
#include "recipes/recipe.h"
#include "schedules/kernel.h"
#include "sim/config/npu_config.h"

namespace npusim::quant {

using F16 = Halide::float16_t;
// Called after each layer of a pass: ("layer", layers done, layers).
using Progress = std::function<void(const std::string& what, size_t done, size_t total)>;

// A tokens x features matrix as a buffer (features innermost), rounded to fp16; and back.
Halide::Buffer<F16> to_fp16(const models::Matrix& m);
Halide::Buffer<F16> vector_fp16(const models::Vector& v);
models::Matrix to_matrix(const Halide::Buffer<F16>& b);
Halide::Buffer<float> scalar(float v);
// Elements [min, min + extent) of dimension `dim` as a dense buffer starting at 0.
template <typename T>
Halide::Buffer<T> slice(const Halide::Buffer<T>& b, int dim, int min, int extent) {
    Halide::Buffer<T> view = b;
    view.crop(dim, min, extent);
    Halide::Buffer<T> out = view.copy();
    out.translate(dim, -min);
    return out;
}

// Tokens [b, b + n) of `src` (tokens outermost) at the start of a buffer of `cap` tokens, the
// rest filled with `fill`: one sentence of a batch as a fixed-capacity cache.
template <typename T>
Halide::Buffer<T> padded_window(const Halide::Buffer<T>& src, int b, int n, int cap, T fill) {
    const int last = src.dimensions() - 1;
    std::vector<int> sizes;
    for (int d = 0; d < last; ++d)
        sizes.push_back(src.dim(d).extent());
    sizes.push_back(cap);
    Halide::Buffer<T> w(sizes);
    w.for_each_element([&](const int* pos) {
        if (pos[last] >= n) {
            w(pos) = fill;
            return;
        }
        std::vector<int> at(pos, pos + last + 1);
        at[static_cast<size_t>(last)] += b;
        w(pos) = src(at.data());
    });
    return w;
}

// One linear's weights in the form its kernel takes, quantized once per pass. Static a8:
// per-channel (or per-tensor) int8/int4 weights, the bias and every scale folded into the int32
// requantization (no float at run time); weight-only: per-group fp16 scales; dynamic: fp32
// per-channel scales. A bias of a weight-only or dynamic linear is added after, by residual_add.
struct QLinear {
    std::string name, kernel;
    int64_t n = 0, k = 0, group = 0;
    Halide::Buffer<> w, side;           // int8 (or packed int4) weights; qparams / scales / w_scale
    Halide::Buffer<F16> bias_rows;      // the bias, one row (undefined: none, or folded)
    float in_scale = 0, out_scale = 0;  // static a8 and a16i (in_scale only)
    // -smooth: the static input scale per channel (in_scale x SmoothQuant's factor), for
    // quantize_channels; -outch: the output scale per channel, for dequantize_channels; -awq: 1 / s,
    // which scale_channels multiplies the fp16 input by. Undefined when the recipe has none.
    Halide::Buffer<float> in_channels, out_channels, in_factor;
    models::Matrix w_float;  // +shadow: the float weights the CPU multiplies the outliers by
};

// Shadow outlier execution (+shadow) over a pass: the input values beyond their linear's static
// clip, and the input channels (per linear call) that hold any, which the CPU computes in float.
struct ShadowStats {
    int64_t elements = 0, outliers = 0, channels = 0, outlier_channels = 0;
    double element_percent() const { return elements ? 100.0 * static_cast<double>(outliers) / elements : 0; }
    double channel_percent() const {
        return channels ? 100.0 * static_cast<double>(outlier_channels) / static_cast<double>(channels) : 0;
    }
};
QLinear prepare(const models::Linear& l, const std::string& name, const Recipe& r, const Calibration& cal);

// Linears run as one on the NPU (q, k, v; gate, up): weights and biases stacked in order.
models::Linear stack_linears(const std::string& name, const std::vector<const models::Linear*>& parts);

// "layer.2.qkv_proj.q" -> "layer.2.qkv_proj", "layer.2.gate_up_proj.up" -> "layer.2.gate_up_proj":
// the NPU's fused linear a part belongs to.
std::string linear_name(const std::string& part_name);

class HostNpu {
public:
    explicit HostNpu(const npu::NpuConfig& cfg, ShadowStats* shadow = nullptr) : cfg_(cfg), shadow_(shadow) {}
    Halide::Buffer<> run(const std::string& kernel, const schedules::Shape& shape,
                         const std::vector<Halide::Buffer<>>& in);
    // x (k, tokens) fp16 -> (n, tokens) fp16, as the workload runs a linear of the recipe. With
    // +shadow, the input's values beyond the static clip are multiplied by the float weights and
    // added to the dequantized int8 result, as the CPU does beside the NPU.
    Halide::Buffer<F16> linear(const QLinear& q, const Halide::Buffer<F16>& x);
    // K and V (d, heads, tokens) as an integer cache holds them: a scale per token and head
    // (kv_scale), then int8 or packed int4 values (kv_quantize). Nothing for an fp16 cache, which
    // attention reads as it is.
    struct QuantizedKv {
        Halide::Buffer<F16> k_scale, v_scale;
        Halide::Buffer<int8_t> k, v;
    };
    QuantizedKv quantize_kv(const Halide::Buffer<F16>& k, const Halide::Buffer<F16>& v, int kv_bits);

private:
    void add_shadow(const QLinear& q, const Halide::Buffer<F16>& x, Halide::Buffer<F16>& out);
    const npu::NpuConfig& cfg_;
    ShadowStats* shadow_;
};

}  // namespace npusim::quant
