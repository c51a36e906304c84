#include "quant/encoder_pass.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "schedules/gemm/requant_params.h"
#include "schedules/kernel_flow.h"
#include "sim/errors.h"

namespace npusim::quant {

using models::BertLayer;
using models::BertReference;
using models::Linear;
using models::Matrix;
using models::Vector;
using schedules::KernelCall;
using schedules::Shape;
using F16 = Halide::float16_t;

namespace {

// ---------------------------------------------------------------- buffers

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

float qmax_of(int bits) {
    return static_cast<float>((1 << (bits - 1)) - 1);
}

// ---------------------------------------------------------------- linears

// One linear's weights in the form its kernel takes, quantized once per pass.
struct QLinear {
    std::string name, kernel;
    int64_t n = 0, k = 0, group = 0;
    Halide::Buffer<> w, side;        // int8 (or packed int4) weights; qparams / scales / w_scale
    Halide::Buffer<F16> bias_rows;   // weight-only and dynamic: the bias, added after (one row)
    float in_scale = 0, out_scale = 0;  // static a8
};

// Symmetric integer weights, `per` consecutive elements of a row sharing a scale.
std::vector<int8_t> quantize_rows(const Matrix& w, int bits, int64_t per, bool per_tensor, std::vector<float>& scales,
                                  bool fp16_scales) {
    const float qmax = qmax_of(bits);
    const float global = w.cwiseAbs().maxCoeff();
    std::vector<int8_t> q(static_cast<size_t>(w.size()));
    scales.clear();
    for (Eigen::Index r = 0; r < w.rows(); ++r)
        for (Eigen::Index g = 0; g < w.cols(); g += per) {
            float m = per_tensor ? global : w.row(r).segment(g, per).cwiseAbs().maxCoeff();
            float s = std::max(m, 1e-8f) / qmax;
            if (fp16_scales) s = static_cast<float>(F16(s));
            scales.push_back(s);
            for (Eigen::Index c = g; c < g + per; ++c)
                q[static_cast<size_t>(r * w.cols() + c)] =
                    static_cast<int8_t>(std::clamp(std::nearbyint(w(r, c) / s), -qmax, qmax));
        }
    return q;
}

// [n][k] int8 values as the kernel's weight tensor: int8 (k, n), or int4 packed two per byte
// along k (even k in the low nibble) as (k / 2, n).
Halide::Buffer<> weight_buffer(const std::vector<int8_t>& q, int64_t n, int64_t k, int bits) {
    const int64_t kb = bits == 4 ? k / 2 : k;
    Halide::Buffer<int8_t> b(static_cast<int>(kb), static_cast<int>(n));
    for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < kb; ++c) {
            if (bits == 4) {
                const int lo = q[static_cast<size_t>(r * k + 2 * c)] & 0xf, hi = q[static_cast<size_t>(r * k + 2 * c + 1)] & 0xf;
                b(static_cast<int>(c), static_cast<int>(r)) = static_cast<int8_t>(static_cast<uint8_t>(hi << 4 | lo));
            } else {
                b(static_cast<int>(c), static_cast<int>(r)) = q[static_cast<size_t>(r * k + c)];
            }
        }
    return b;
}

QLinear prepare(const Linear& l, const std::string& name, const Recipe& r, const Calibration& cal) {
    QLinear q;
    q.name = name;
    q.n = l.w.rows();
    q.k = l.w.cols();
    const int a_bits = r.a_bits_of(name), w_bits = r.w_bits;
    const bool per_tensor = r.granularity == Granularity::Tensor;
    std::vector<float> s;
    if (a_bits == 16) {
        q.group = r.granularity == Granularity::Group && q.k % r.group == 0 ? r.group : q.k;
        q.kernel = w_bits == 4 ? "gemm_w4a16" : "gemm_w8a16";
        const auto ints = quantize_rows(l.w, w_bits, q.group, per_tensor, s, true);
        q.w = weight_buffer(ints, q.n, q.k, w_bits);
        Halide::Buffer<F16> scales(static_cast<int>(q.k / q.group), static_cast<int>(q.n));
        for (int64_t i = 0; i < q.n * (q.k / q.group); ++i)
            scales(static_cast<int>(i % (q.k / q.group)), static_cast<int>(i / (q.k / q.group))) = F16(s[static_cast<size_t>(i)]);
        q.side = scales;
    } else if (r.dynamic) {
        q.kernel = "gemm_w8a8_dynamic";
        const auto ints = quantize_rows(l.w, 8, q.k, per_tensor, s, false);
        q.w = weight_buffer(ints, q.n, q.k, 8);
        Halide::Buffer<float> ws(static_cast<int>(q.n));
        for (int64_t i = 0; i < q.n; ++i)
            ws(static_cast<int>(i)) = s[static_cast<size_t>(i)];
        q.side = ws;
    } else {
        q.kernel = w_bits == 4 ? "gemm_w4a8" : "gemm_w8a8";
        q.in_scale = cal.scale(name + ".in");
        q.out_scale = cal.scale(name + ".out");
        const auto ints = quantize_rows(l.w, w_bits, q.k, per_tensor, s, false);
        q.w = weight_buffer(ints, q.n, q.k, w_bits);
        // The bias and every scale fold into the int32 requantization: no float at run time.
        Halide::Buffer<int32_t> qp(static_cast<int>(q.n), 3);
        for (int64_t i = 0; i < q.n; ++i) {
            const double acc_scale = static_cast<double>(q.in_scale) * s[static_cast<size_t>(i)];
            const auto fp = schedules::quantize_multiplier(acc_scale / q.out_scale);
            qp(static_cast<int>(i), 0) = static_cast<int32_t>(std::llround(l.b(static_cast<Eigen::Index>(i)) / acc_scale));
            qp(static_cast<int>(i), 1) = fp.multiplier;
            qp(static_cast<int>(i), 2) = fp.shift;
        }
        q.side = qp;
    }
    if (a_bits == 16 || r.dynamic) q.bias_rows = to_fp16(Matrix(l.b.transpose()));
    return q;
}

// Fuses q, k and v into one linear (rows stacked), as the NPU runs them.
Linear fuse(const BertLayer& L, const std::string& name) {
    Linear f;
    f.name = name;
    f.w.resize(L.query.w.rows() * 3, L.query.w.cols());
    f.w << L.query.w, L.key.w, L.value.w;
    f.b.resize(L.query.b.size() * 3);
    f.b << L.query.b, L.key.b, L.value.b;
    return f;
}

std::string linear_name(const std::string& part_name) {
    for (const char* part : {".q", ".k", ".v"})
        if (part_name.size() > 2 && part_name.compare(part_name.size() - 2, 2, part) == 0)
            return part_name.substr(0, part_name.size() - 2);
    return part_name;
}

// ---------------------------------------------------------------- the pass

class HostNpu {
public:
    HostNpu(const npu::NpuConfig& cfg, const Progress& p, size_t total) : cfg_(cfg), progress_(p), total_(total) {}

    Halide::Buffer<> run(const std::string& kernel, const Shape& shape, const std::vector<Halide::Buffer<>>& in) {
        Halide::Buffer<> out = schedules::run_kernel_host(KernelCall(kernel, shape, {}, cfg_), in);
        if (progress_) progress_(kernel, ++done_, total_);
        return out;
    }

    Halide::Buffer<F16> linear(const QLinear& q, const Halide::Buffer<F16>& x) {
        const int64_t m = x.dim(1).extent();
        if (q.kernel == "gemm_w8a8" || q.kernel == "gemm_w4a8") {
            Halide::Buffer<> a = run("quantize", {{"t", m}, {"d", q.k}}, {x, scalar(q.in_scale)});
            Halide::Buffer<> y = run(q.kernel, {{"m", m}, {"n", q.n}, {"k", q.k}}, {a, q.w, q.side});
            return run("dequantize", {{"t", m}, {"d", q.n}}, {y, scalar(q.out_scale)});
        }
        Shape s = {{"m", m}, {"n", q.n}, {"k", q.k}};
        if (q.group) s["group"] = q.group;
        Halide::Buffer<F16> y = run(q.kernel, s, {x, q.w, q.side});
        Halide::Buffer<F16> bias(static_cast<int>(q.n), static_cast<int>(m));
        for (int r = 0; r < m; ++r)
            for (int c = 0; c < q.n; ++c)
                bias(c, r) = q.bias_rows(c, 0);
        return run("residual_add", {{"t", m}, {"d", q.n}}, {y, bias});
    }

private:
    const npu::NpuConfig& cfg_;
    const Progress& progress_;
    size_t total_, done_ = 0;
};

int64_t round_up(int64_t x, int64_t a) {
    return (x + a - 1) / a * a;
}

}  // namespace

Vector EncoderStates::sentence_embedding(size_t s) const {
    const Matrix& h = hidden.back();
    const auto b = static_cast<Eigen::Index>(offsets[s]), e = static_cast<Eigen::Index>(offsets[s + 1]);
    return BertReference::sentence_embedding(h.middleRows(b, e - b));
}

EncoderStates float_pass(const BertReference& ref, const std::vector<std::vector<int32_t>>& ids) {
    EncoderStates st;
    st.offsets.push_back(0);
    std::vector<std::vector<Matrix>> per;
    for (const auto& s : ids) {
        per.push_back(ref.hidden_states(s));
        st.offsets.push_back(st.offsets.back() + static_cast<int64_t>(s.size()));
    }
    for (size_t l = 0; l < per.front().size(); ++l) {
        Matrix h(st.offsets.back(), ref.config().hidden);
        for (size_t s = 0; s < per.size(); ++s)
            h.middleRows(st.offsets[s], per[s][l].rows()) = per[s][l];
        st.hidden.push_back(std::move(h));
    }
    return st;
}

Calibration calibrate(const BertReference& ref, const Recipe& r, const std::vector<std::vector<int32_t>>& ids) {
    if (ids.empty()) throw npu::UserError("calibration needs at least one sentence");
    std::map<std::string, TensorObserver> obs;
    auto observer = [&](const std::string& name) -> TensorObserver& {
        return obs.try_emplace(name, name).first->second;
    };
    const models::LinearFn observe = [&](const Matrix& x, const Linear& l) {
        const std::string name = linear_name(l.name);
        if (name == l.name || l.name.back() == 'q') observer(name + ".in").add(x.data(), static_cast<size_t>(x.size()));
        Matrix y = models::float_linear(x, l);
        observer(name + ".out").add(y.data(), static_cast<size_t>(y.size()));
        return y;
    };
    for (const auto& s : ids)
        ref.hidden_states(s, observe);
    Calibration c;
    c.recipe = r.name();
    std::vector<std::pair<double, std::string>> sensitivity;
    for (const auto& [name, o] : obs) {
        c.scales[name] = o.clip(r, 8) / qmax_of(8);
        if (name.size() > 3 && name.compare(name.size() - 3, 3, ".in") == 0)
            sensitivity.emplace_back(o.relative_error(o.clip(r, 8), 8), name.substr(0, name.size() - 3));
    }
    if (r.promote_percent > 0) {
        std::sort(sensitivity.rbegin(), sensitivity.rend());
        const auto n = static_cast<size_t>(std::ceil(r.promote_percent / 100.0 * static_cast<double>(sensitivity.size())));
        for (size_t i = 0; i < n && i < sensitivity.size(); ++i)
            c.promoted.push_back(sensitivity[i].second);
    }
    return c;
}

Recipe resolve(const Recipe& r, const Calibration& c) {
    Recipe out = r;
    if (r.promote_percent > 0) {
        out.promote_percent = 0;
        for (const std::string& p : c.promoted)
            out.a16_patterns.push_back(p);
    }
    return out;
}

EncoderStates quantized_pass(const BertReference& ref, const Recipe& recipe, const Calibration& cal,
                             const npu::NpuConfig& npu, const std::vector<std::vector<int32_t>>& ids,
                             const Progress& progress) {
    if (ids.empty()) throw npu::UserError("the quantized pass needs at least one sentence");
    const Recipe r = resolve(recipe, cal);
    const models::ModelConfig& m = ref.config();
    const int64_t d = m.hidden, H = m.heads, hd = m.head_dim, L = m.layers;
    EncoderStates st;
    st.offsets.push_back(0);
    int64_t longest = 0;
    for (const auto& s : ids) {
        st.offsets.push_back(st.offsets.back() + static_cast<int64_t>(s.size()));
        longest = std::max<int64_t>(longest, static_cast<int64_t>(s.size()));
    }
    const int64_t N = st.offsets.back(), S = static_cast<int64_t>(ids.size()), cap = round_up(longest, 8);
    const bool a8 = r.a_bits == 8 && !r.dynamic;
    const size_t per_linear = a8 ? 3 : 2;
    HostNpu host(npu, progress, static_cast<size_t>(4 + L * (6 + 4 * static_cast<int64_t>(per_linear) + 4 + S)));

    // Embeddings: word and position rows gathered, the token-type row added, LayerNorm.
    Halide::Buffer<int32_t> word_ids(static_cast<int>(N)), pos_ids(static_cast<int>(N));
    for (int64_t s = 0, i = 0; s < S; ++s)
        for (size_t t = 0; t < ids[static_cast<size_t>(s)].size(); ++t, ++i) {
            word_ids(static_cast<int>(i)) = ids[static_cast<size_t>(s)][t];
            pos_ids(static_cast<int>(i)) = static_cast<int32_t>(t);
        }
    const Halide::Buffer<F16> word_table = to_fp16(ref.word_embeddings());
    const Halide::Buffer<F16> pos_table = to_fp16(ref.position_embeddings().topRows(cap));
    Halide::Buffer<F16> x = host.run("embedding", {{"t", N}, {"d", d}, {"vocab", m.vocab}}, {word_table, word_ids});
    x = host.run("residual_add", {{"t", N}, {"d", d}},
                 {x, host.run("embedding", {{"t", N}, {"d", d}, {"vocab", cap}}, {pos_table, pos_ids})});
    x = host.run("residual_add", {{"t", N}, {"d", d}},
                 {x, to_fp16(ref.token_type_embeddings().row(0).replicate(N, 1))});
    auto norm = [&](const Halide::Buffer<F16>& in, const models::LayerNorm& n) {
        return Halide::Buffer<F16>(host.run("layer_norm", {{"t", N}, {"d", d}},
                                            {in, vector_fp16(n.gain), vector_fp16(n.bias)}));
    };
    x = norm(x, ref.embedding_norm());
    st.hidden.push_back(to_matrix(x));

    for (int64_t l = 0; l < L; ++l) {
        const BertLayer& Lw = ref.layers()[static_cast<size_t>(l)];
        const std::string p = "layer." + std::to_string(l);
        const QLinear qkv = prepare(fuse(Lw, p + ".qkv_proj"), p + ".qkv_proj", r, cal);
        const QLinear o = prepare(Lw.attn_out, p + ".o_proj", r, cal);
        const QLinear up = prepare(Lw.up, p + ".up_proj", r, cal);
        const QLinear down = prepare(Lw.down, p + ".down_proj", r, cal);

        const Halide::Buffer<F16> h = x;
        const Halide::Buffer<F16> y = host.linear(qkv, h);  // (3d, N): q | k | v per token
        // K and V as the cache holds them: a scale per token and head, int8 or int4 values.
        Halide::Buffer<F16> q(static_cast<int>(hd), static_cast<int>(H), static_cast<int>(N));
        Halide::Buffer<F16> kf(static_cast<int>(hd), static_cast<int>(H), static_cast<int>(N)), vf = kf.copy();
        for (int t = 0; t < N; ++t)
            for (int hh = 0; hh < H; ++hh)
                for (int e = 0; e < hd; ++e) {
                    const int c = hh * static_cast<int>(hd) + e;
                    q(e, hh, t) = y(c, t);
                    kf(e, hh, t) = y(c + static_cast<int>(d), t);
                    vf(e, hh, t) = y(c + 2 * static_cast<int>(d), t);
                }
        const Shape kv = {{"t", N}, {"hk", H}, {"d", hd}, {"kv_bits", r.kv_bits}};
        Halide::Buffer<> ks = host.run("kv_scale", kv, {kf}), vs = host.run("kv_scale", kv, {vf});
        Halide::Buffer<int8_t> kq = host.run("kv_quantize", kv, {kf, ks}), vq = host.run("kv_quantize", kv, {vf, vs});
        const Halide::Buffer<F16> ksf = ks, vsf = vs;
        // Attention per sentence, on one program for every length (padding rows dropped).
        const int dk = static_cast<int>(r.kv_bits == 4 ? hd / 2 : hd);
        Halide::Buffer<F16> ctx(static_cast<int>(d), static_cast<int>(N));
        for (int64_t s = 0; s < S; ++s) {
            const int b = static_cast<int>(st.offsets[static_cast<size_t>(s)]);
            const int T = static_cast<int>(st.offsets[static_cast<size_t>(s) + 1]) - b;
            Halide::Buffer<F16> qs(static_cast<int>(hd), static_cast<int>(H), static_cast<int>(cap));
            Halide::Buffer<int8_t> kc(dk, static_cast<int>(H), static_cast<int>(cap)), vc = kc.copy();
            Halide::Buffer<F16> kcs(static_cast<int>(H), static_cast<int>(cap)), vcs = kcs.copy();
            qs.fill(F16(0.0f));
            kc.fill(0);
            vc.fill(0);
            kcs.fill(F16(1.0f));
            vcs.fill(F16(1.0f));
            for (int t = 0; t < T; ++t)
                for (int hh = 0; hh < H; ++hh) {
                    for (int e = 0; e < hd; ++e)
                        qs(e, hh, t) = q(e, hh, b + t);
                    for (int e = 0; e < dk; ++e) {
                        kc(e, hh, t) = kq(e, hh, b + t);
                        vc(e, hh, t) = vq(e, hh, b + t);
                    }
                    kcs(hh, t) = ksf(hh, b + t);
                    vcs(hh, t) = vsf(hh, b + t);
                }
            const Halide::Buffer<F16> out = host.run("attention",
                                                     {{"t", cap},
                                                      {"ctx", T},
                                                      {"cap", cap},
                                                      {"h", H},
                                                      {"hk", H},
                                                      {"d", hd},
                                                      {"kv_bits", r.kv_bits},
                                                      {"causal", 0}},
                                                     {qs, kc, kcs, vc, vcs});
            for (int t = 0; t < T; ++t)
                for (int hh = 0; hh < H; ++hh)
                    for (int e = 0; e < hd; ++e)
                        ctx(hh * static_cast<int>(hd) + e, b + t) = out(e, hh, t);
        }
        const Halide::Buffer<F16> a =
            norm(host.run("residual_add", {{"t", N}, {"d", d}}, {host.linear(o, ctx), h}), Lw.attn_norm);
        const Halide::Buffer<F16> g = host.run("gelu", {{"t", N}, {"d", m.intermediate}}, {host.linear(up, a)});
        x = norm(host.run("residual_add", {{"t", N}, {"d", d}}, {host.linear(down, g), a}), Lw.out_norm);
        st.hidden.push_back(to_matrix(x));
    }
    return st;
}

}  // namespace npusim::quant
