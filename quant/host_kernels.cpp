#include "quant/host_kernels.h"

#include <algorithm>
#include <cmath>

#include "flow/kernel_flow.h"
#include "quant/weight_grid.h"
#include "recipes/formats.h"
#include "schedules/gemm/requant_params.h"

namespace npusim::quant {

using flow::KernelCall;
using models::Linear;
using models::Matrix;
using models::Vector;
using schedules::Shape;

// A tokens x features matrix as a Halide buffer (features innermost), rounded to fp16.
Halide::Buffer<F16> to_fp16(const Matrix& m) {
    Halide::Buffer<F16> b(static_cast<int>(m.cols()), static_cast<int>(m.rows()));
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            b(static_cast<int>(c), static_cast<int>(r)) = F16(m(r, c));
    return b;
}

Matrix to_matrix(const Halide::Buffer<F16>& b) {
    Matrix m(b.dim(1).extent(), b.dim(0).extent());
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            m(r, c) = static_cast<float>(b(static_cast<int>(c), static_cast<int>(r)));
    return m;
}

Halide::Buffer<F16> vector_fp16(const Vector& v) {
    Halide::Buffer<F16> b(static_cast<int>(v.size()));
    for (Eigen::Index i = 0; i < v.size(); ++i)
        b(static_cast<int>(i)) = F16(v(i));
    return b;
}

Halide::Buffer<float> scalar(float v) {
    Halide::Buffer<float> b(1);
    b(0) = v;
    return b;
}

namespace {

// [n][k] int8 values as the kernel's weight tensor: int8 (k, n), or int4 packed two per byte
// along k (even k in the low nibble) as (k / 2, n).
Halide::Buffer<> weight_buffer(const std::vector<int8_t>& q, int64_t n, int64_t k, int bits) {
    const int64_t kb = bits == 4 ? k / 2 : k;
    Halide::Buffer<int8_t> b(static_cast<int>(kb), static_cast<int>(n));
    for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < kb; ++c) {
            if (bits == 4) {
                const int lo = q[static_cast<size_t>(r * k + 2 * c)] & 0xf,
                          hi = q[static_cast<size_t>(r * k + 2 * c + 1)] & 0xf;
                b(static_cast<int>(c), static_cast<int>(r)) = static_cast<int8_t>(static_cast<uint8_t>(hi << 4 | lo));
            } else {
                b(static_cast<int>(c), static_cast<int>(r)) = q[static_cast<size_t>(r * k + c)];
            }
        }
    return b;
}

}  // namespace

// The integer weights and their scales: round-to-nearest (quantize_rows), or GPTQ from the
// linear's calibration inputs.
std::vector<int8_t> weight_ints(const Linear& l, const std::string& name, const Recipe& r, const Calibration& cal,
                                int64_t per, bool per_tensor, std::vector<float>& scales, bool fp16_scales) {
    if (!r.gptq) return quantize_rows(l.w, r.w_bits, per, per_tensor, scales, fp16_scales);
    const auto gram = cal.grams.find(name);
    if (gram == cal.grams.end())
        throw npu::UserError("-gptq: no calibration inputs of " + name +
                             " (GPTQ needs the calibration pass's activations; a saved calibration file holds "
                             "only scales)");
    GptqResult g = gptq(l.w, gram->second, r.w_bits, per, fp16_scales);
    scales = std::move(g.scales);
    return g.ints;
}

namespace {

Halide::Buffer<float> channel_buffer(const Vector& v) {
    Halide::Buffer<float> b(static_cast<int>(v.size()));
    for (Eigen::Index i = 0; i < v.size(); ++i)
        b(static_cast<int>(i)) = v(i);
    return b;
}

}  // namespace

QLinear prepare(const Linear& linear, const std::string& name, const Recipe& r, const Calibration& cal) {
    const Activations act = r.activations_of(name);
    // SmoothQuant's or AWQ's factors: the weight columns multiplied by s here, the input divided by
    // it on the way in.
    const auto factors = cal.smooth.find(name);
    const bool smoothed = factors != cal.smooth.end() &&
                          ((r.smooth && act == Activations::Int8 && !r.dynamic) || (r.awq && act == Activations::Fp16));
    Linear scaled;
    if (smoothed) scaled = {linear.name, linear.w * factors->second.asDiagonal(), linear.b};
    const Linear& l = smoothed ? scaled : linear;
    QLinear q;
    q.name = name;
    q.n = l.w.rows();
    q.k = l.w.cols();
    const int w_bits = r.w_bits;
    const bool per_tensor = r.granularity == Granularity::Tensor;
    std::vector<float> s;
    if (act == Activations::Int16) {
        // 16-bit integer activations: the static input scale, and per channel the product of
        // it and the weight scale, by which the exact integer sum is multiplied.
        q.kernel = w_bits == 4 ? "gemm_w4a16i" : "gemm_w8a16i";
        q.in_scale = cal.scale(name + ".in");
        const auto ints = weight_ints(l, name, r, cal, q.k, per_tensor, s, false);
        q.w = weight_buffer(ints, q.n, q.k, w_bits);
        Halide::Buffer<float> os(static_cast<int>(q.n));
        for (int64_t i = 0; i < q.n; ++i)
            os(static_cast<int>(i)) = static_cast<float>(static_cast<double>(q.in_scale) * s[static_cast<size_t>(i)]);
        q.side = os;
    } else if (act == Activations::Fp16 && r.has_format) {
        // Each row's blocks encoded in the format and decoded (the exact codecs of recipes/formats.h)
        // to the fp16 weights the lookup-table dequantization hands the MACs.
        q.kernel = "gemm_f16";
        q.group = r.group;
        Halide::Buffer<F16> w(static_cast<int>(q.k), static_cast<int>(q.n));
        for (int64_t row = 0; row < q.n; ++row) {
            const Vector v = l.w.row(row).transpose();
            const std::vector<float> d = decode_weights(encode_weights(r.format, v.data(), q.k, r.group));
            for (int64_t c = 0; c < q.k; ++c)
                w(static_cast<int>(c), static_cast<int>(row)) = F16(d[static_cast<size_t>(c)]);
        }
        q.w = w;
    } else if (act == Activations::Fp16) {
        q.group = r.granularity == Granularity::Group && q.k % r.group == 0 ? r.group : q.k;
        q.kernel = w_bits == 4 ? "gemm_w4a16" : "gemm_w8a16";
        const auto ints = weight_ints(l, name, r, cal, q.group, per_tensor, s, true);
        q.w = weight_buffer(ints, q.n, q.k, w_bits);
        Halide::Buffer<F16> scales(static_cast<int>(q.k / q.group), static_cast<int>(q.n));
        for (int64_t i = 0; i < q.n * (q.k / q.group); ++i)
            scales(static_cast<int>(i % (q.k / q.group)), static_cast<int>(i / (q.k / q.group))) =
                F16(s[static_cast<size_t>(i)]);
        q.side = scales;
        if (smoothed) q.in_factor = channel_buffer(factors->second.cwiseInverse());
    } else if (r.dynamic) {
        q.kernel = w_bits == 4 ? "gemm_w4a8_dynamic" : "gemm_w8a8_dynamic";
        const auto ints = weight_ints(l, name, r, cal, q.k, per_tensor, s, false);
        q.w = weight_buffer(ints, q.n, q.k, w_bits);
        Halide::Buffer<float> ws(static_cast<int>(q.n));
        for (int64_t i = 0; i < q.n; ++i)
            ws(static_cast<int>(i)) = s[static_cast<size_t>(i)];
        q.side = ws;
    } else {
        q.kernel = w_bits == 4 ? "gemm_w4a8" : "gemm_w8a8";
        q.in_scale = cal.scale(name + ".in");
        q.out_scale = cal.scale(name + ".out");
        if (smoothed) q.in_channels = channel_buffer(factors->second * q.in_scale);
        Vector out_scales = Vector::Constant(q.n, q.out_scale);
        if (r.out_channels) {
            const auto clips = cal.out_clips.find(name);
            if (clips == cal.out_clips.end() || clips->second.size() != q.n)
                throw npu::UserError("-outch: the calibration has no per-channel output clips of " + name);
            out_scales = clips->second / qmax_of(8);
            q.out_channels = channel_buffer(out_scales);
        }
        const auto ints = weight_ints(l, name, r, cal, q.k, per_tensor, s, false);
        q.w = weight_buffer(ints, q.n, q.k, w_bits);
        // The bias and every scale fold into the int32 requantization: no float at run time.
        Halide::Buffer<int32_t> qp(static_cast<int>(q.n), 3);
        for (int64_t i = 0; i < q.n; ++i) {
            const double acc_scale = static_cast<double>(q.in_scale) * s[static_cast<size_t>(i)];
            const auto fp = schedules::quantize_multiplier(acc_scale / out_scales(static_cast<Eigen::Index>(i)));
            qp(static_cast<int>(i), 0) =
                static_cast<int32_t>(std::llround(l.b(static_cast<Eigen::Index>(i)) / acc_scale));
            qp(static_cast<int>(i), 1) = fp.multiplier;
            qp(static_cast<int>(i), 2) = fp.shift;
        }
        q.side = qp;
        if (r.shadow) q.w_float = l.w;
    }
    const bool has_bias = l.b.size() && l.b.cwiseAbs().maxCoeff() > 0;
    if ((act != Activations::Int8 || r.dynamic) && has_bias) q.bias_rows = to_fp16(Matrix(l.b.transpose()));
    return q;
}

Linear stack_linears(const std::string& name, const std::vector<const Linear*>& parts) {
    Eigen::Index rows = 0;
    for (const Linear* p : parts)
        rows += p->w.rows();
    Linear f{name, Matrix(rows, parts.front()->w.cols()), Vector(rows)};
    Eigen::Index at = 0;
    for (const Linear* p : parts) {
        f.w.middleRows(at, p->w.rows()) = p->w;
        f.b.segment(at, p->w.rows()) = p->b;
        at += p->w.rows();
    }
    return f;
}

std::string linear_name(const std::string& part_name) {
    for (const std::string part : {".q", ".k", ".v", ".gate", ".up"})
        if (part_name.size() > part.size() && part_name.compare(part_name.size() - part.size(), part.size(), part) == 0)
            return part_name.substr(0, part_name.size() - part.size());
    return part_name;
}

Halide::Buffer<> HostNpu::run(const std::string& kernel, const Shape& shape, const std::vector<Halide::Buffer<>>& in) {
    return flow::run_kernel_host(KernelCall(kernel, shape, {}, cfg_), in, flow::HostSchedule::Cpu);
}

HostNpu::QuantizedKv HostNpu::quantize_kv(const Halide::Buffer<F16>& k, const Halide::Buffer<F16>& v, int kv_bits) {
    QuantizedKv c;
    if (kv_bits == 16) return c;
    const Shape s = {
        {"t", k.dim(2).extent()}, {"hk", k.dim(1).extent()}, {"d", k.dim(0).extent()}, {"kv_bits", kv_bits}};
    c.k_scale = run("kv_scale", s, {k});
    c.v_scale = run("kv_scale", s, {v});
    c.k = run("kv_quantize", s, {k, c.k_scale});
    c.v = run("kv_quantize", s, {v, c.v_scale});
    return c;
}

void HostNpu::add_shadow(const QLinear& q, const Halide::Buffer<F16>& x, Halide::Buffer<F16>& out) {
    // What quantize clipped: x beyond [-128, 127] steps of the input scale (the kernel's clamp).
    const float lo = -128 * q.in_scale, hi = 127 * q.in_scale;
    const int64_t m = x.dim(1).extent();
    Matrix residual = Matrix::Zero(m, q.k);
    std::vector<bool> channel(static_cast<size_t>(q.k), false);
    int64_t outliers = 0;
    for (int64_t t = 0; t < m; ++t)
        for (int64_t c = 0; c < q.k; ++c) {
            const float v = static_cast<float>(x(static_cast<int>(c), static_cast<int>(t)));
            const float r = v - std::clamp(v, lo, hi);
            if (r == 0) continue;
            residual(t, c) = r;
            channel[static_cast<size_t>(c)] = true;
            ++outliers;
        }
    if (shadow_) {
        shadow_->elements += m * q.k;
        shadow_->outliers += outliers;
        shadow_->channels += q.k;
        shadow_->outlier_channels += std::count(channel.begin(), channel.end(), true);
    }
    if (!outliers) return;
    const Matrix y = residual * q.w_float.transpose();
    for (int64_t t = 0; t < m; ++t)
        for (int64_t n = 0; n < q.n; ++n) {
            F16& o = out(static_cast<int>(n), static_cast<int>(t));
            o = F16(static_cast<float>(o) + y(t, n));
        }
}

Halide::Buffer<F16> HostNpu::linear(const QLinear& q, const Halide::Buffer<F16>& x) {
    const int64_t m = x.dim(1).extent();
    if (q.kernel == "gemm_w8a8" || q.kernel == "gemm_w4a8") {
        Halide::Buffer<> a = q.in_channels.defined()
                                 ? run("quantize_channels", {{"t", m}, {"d", q.k}}, {x, q.in_channels})
                                 : run("quantize", {{"t", m}, {"d", q.k}}, {x, scalar(q.in_scale)});
        Halide::Buffer<> y = run(q.kernel, {{"m", m}, {"n", q.n}, {"k", q.k}}, {a, q.w, q.side});
        Halide::Buffer<F16> out = q.out_channels.defined()
                                      ? run("dequantize_channels", {{"t", m}, {"d", q.n}}, {y, q.out_channels})
                                      : run("dequantize", {{"t", m}, {"d", q.n}}, {y, scalar(q.out_scale)});
        if (q.w_float.size()) add_shadow(q, x, out);
        return out;
    }
    Shape s = {{"m", m}, {"n", q.n}, {"k", q.k}};
    if (q.group) s["group"] = q.group;
    const bool a16i = q.kernel == "gemm_w8a16i" || q.kernel == "gemm_w4a16i";
    const Halide::Buffer<F16> xs =
        q.in_factor.defined() ? Halide::Buffer<F16>(run("scale_channels", {{"t", m}, {"d", q.k}}, {x, q.in_factor}))
                              : x;
    Halide::Buffer<F16> y;
    if (q.kernel == "gemm_f16")  // a weight format, decoded: no scales left
        y = run(q.kernel, {{"m", m}, {"n", q.n}, {"k", q.k}}, {xs, q.w});
    else if (a16i)
        y = run(q.kernel, s, {xs, q.w, scalar(1.0f / q.in_scale), q.side});
    else
        y = run(q.kernel, s, {xs, q.w, q.side});
    if (!q.bias_rows.defined()) return y;
    Halide::Buffer<F16> bias(static_cast<int>(q.n), static_cast<int>(m));
    for (int r = 0; r < m; ++r)
        for (int c = 0; c < q.n; ++c)
            bias(c, r) = q.bias_rows(c, 0);
    return run("residual_add", {{"t", m}, {"d", q.n}}, {y, bias});
}

}  // namespace npusim::quant
