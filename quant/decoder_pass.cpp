#include "quant/decoder_pass.h"

#include <cmath>
#include <map>

#include "base/errors.h"
#include "base/flush_subnormals.h"
#include "base/parallel_for.h"
#include "quant/calibration_pass.h"
#include "quant/encoder_pass.h"
#include "quant/rotation.h"

namespace npusim::quant {

using models::Linear;
using models::Matrix;
using models::Vector;

namespace {

// Mean negative log-likelihood of each window's next tokens given its logits (window x vocab).
double window_nll(const Matrix& logits, const std::vector<int32_t>& w) {
    double sum = 0;
    for (Eigen::Index t = 0; t + 1 < static_cast<Eigen::Index>(w.size()); ++t) {
        const Eigen::RowVectorXd row = logits.row(t).cast<double>();
        const double m = row.maxCoeff();
        sum += m + std::log((row.array() - m).exp().sum()) - row(w[static_cast<size_t>(t) + 1]);
    }
    return sum / static_cast<double>(w.size() - 1);
}

// The model the recipe quantizes: rotated first for +rot (quant/rotation.h, seed 1).
models::LlamaReference model_for(const models::LlamaReference& ref, const Recipe& r) {
    if (!r.rotate) return ref;
    return models::LlamaReference(ref.config(), rotate(ref.weights(), randomized_hadamard(ref.config().hidden, 1)));
}

}  // namespace

std::vector<std::vector<int32_t>> byte_windows(const std::string& text, int64_t window, size_t max) {
    std::vector<std::vector<int32_t>> out;
    for (size_t i = 0; i + static_cast<size_t>(window) + 1 < text.size() && out.size() < max;
         i += static_cast<size_t>(window)) {
        std::vector<int32_t> w;
        for (size_t j = i; j <= i + static_cast<size_t>(window); ++j)
            w.push_back(static_cast<unsigned char>(text[j]));
        out.push_back(std::move(w));
    }
    if (out.empty())
        throw npu::UserError("the text is shorter than one window of " + std::to_string(window + 1) + " bytes");
    return out;
}

double float_perplexity(const models::LlamaReference& ref, const std::vector<std::vector<int32_t>>& windows) {
    std::vector<double> nll(windows.size());
    npu::parallel_for(windows.size(), [&](size_t i) {
        const std::vector<int32_t>& w = windows[i];
        nll[i] = window_nll(ref.logits(std::vector<int32_t>(w.begin(), w.end() - 1)), w);
    });
    double sum = 0;  // in window order, whatever the threads
    for (const double x : nll)
        sum += x;
    return std::exp(sum / static_cast<double>(windows.size()));
}

Calibration calibrate_decoder(const models::LlamaReference& model, const Recipe& r,
                              const std::vector<std::vector<int32_t>>& windows) {
    if (windows.empty()) throw npu::UserError("calibration needs at least one window");
    const models::LlamaReference ref = model_for(model, r);
    CalibrationPass pass(r);
    const models::LinearFn observe = pass.hook();
    for (const auto& w : windows)
        ref.logits(std::vector<int32_t>(w.begin(), w.end() - 1), observe);
    return pass.finish();
}

double quantized_perplexity(const models::LlamaReference& model, const Recipe& recipe, const Calibration& cal,
                            const npu::NpuConfig& npu, const std::vector<std::vector<int32_t>>& windows,
                            const Progress& progress, ShadowStats* shadow) {
    const npu::FlushSubnormals flush;  // the causal softmax underflows (base/flush_subnormals.h)
    const Recipe r = resolve(recipe, cal);
    const models::LlamaReference ref = model_for(model, r);
    const models::ModelConfig& m = ref.config();
    const models::LlamaWeights& W = ref.weights();
    const int64_t d = m.hidden, H = m.heads, Hk = m.kv_heads, hd = m.head_dim, f = m.intermediate;
    const auto S = static_cast<int64_t>(windows.size()), T = static_cast<int64_t>(windows.front().size()) - 1;
    const int64_t N = S * T;
    HostNpu host(npu, shadow);
    using schedules::Shape;

    Halide::Buffer<int32_t> ids(static_cast<int>(N));
    for (int64_t s = 0; s < S; ++s)
        for (int64_t t = 0; t < T; ++t)
            ids(static_cast<int>(s * T + t)) = windows[static_cast<size_t>(s)][static_cast<size_t>(t)];
    // RoPE tables per token: its position in the window.
    Halide::Buffer<F16> cosb(static_cast<int>(hd / 2), static_cast<int>(N)), sinb = cosb.copy();
    for (int64_t i = 0; i < N; ++i)
        for (int64_t k = 0; k < hd / 2; ++k) {
            const double a = static_cast<double>(i % T) *
                             std::pow(m.rope_theta, -2.0 * static_cast<double>(k) / static_cast<double>(hd));
            cosb(static_cast<int>(k), static_cast<int>(i)) = F16(static_cast<float>(std::cos(a)));
            sinb(static_cast<int>(k), static_cast<int>(i)) = F16(static_cast<float>(std::sin(a)));
        }
    Halide::Buffer<F16> x = host.run("embedding", {{"t", N}, {"d", d}, {"vocab", m.vocab}}, {to_fp16(W.embed), ids});
    auto norm = [&](const Halide::Buffer<F16>& in, const Vector& g) {
        return Halide::Buffer<F16>(host.run("rms_norm", {{"t", N}, {"d", d}}, {in, vector_fp16(g)}));
    };
    for (int64_t l = 0; l < m.layers; ++l) {
        const models::LlamaLayer& L = W.layers[static_cast<size_t>(l)];
        const std::string p = "layer." + std::to_string(l);
        const QLinear qkv = prepare(stack_linears(p + ".qkv_proj", {&L.q, &L.k, &L.v}), p + ".qkv_proj", r, cal);
        const QLinear o = prepare(L.o, p + ".o_proj", r, cal);
        const QLinear gu = prepare(stack_linears(p + ".gate_up_proj", {&L.gate, &L.up}), p + ".gate_up_proj", r, cal);
        const QLinear down = prepare(L.down, p + ".down_proj", r, cal);

        const Halide::Buffer<F16> y = host.linear(qkv, norm(x, L.input_norm));
        Halide::Buffer<F16> q(static_cast<int>(hd), static_cast<int>(H), static_cast<int>(N));
        Halide::Buffer<F16> k(static_cast<int>(hd), static_cast<int>(Hk), static_cast<int>(N)), v = k.copy();
        for (int t = 0; t < N; ++t) {
            for (int c = 0; c < H * hd; ++c)
                q(c % static_cast<int>(hd), c / static_cast<int>(hd), t) = y(c, t);
            for (int c = 0; c < Hk * hd; ++c) {
                k(c % static_cast<int>(hd), c / static_cast<int>(hd), t) = y(static_cast<int>(H * hd) + c, t);
                v(c % static_cast<int>(hd), c / static_cast<int>(hd), t) = y(static_cast<int>((H + Hk) * hd) + c, t);
            }
        }
        const Halide::Buffer<F16> qr = host.run("rope", {{"t", N}, {"h", H}, {"d", hd}}, {q, cosb, sinb});
        const Halide::Buffer<F16> kr = host.run("rope", {{"t", N}, {"h", Hk}, {"d", hd}}, {k, cosb, sinb});
        // The cache as attention reads it: int8/int4 values and per-token scales, or fp16 K and V.
        const bool fp16_cache = r.kv_bits == 16;
        const HostNpu::QuantizedKv cache = host.quantize_kv(kr, v, r.kv_bits);
        Halide::Buffer<F16> ctx(static_cast<int>(H * hd), static_cast<int>(N));
        for (int64_t s = 0; s < S; ++s) {  // causal attention per window, one program
            const int b = static_cast<int>(s * T);
            const int n = static_cast<int>(T);
            const Halide::Buffer<F16> qs = slice(qr, 2, b, n);
            const std::vector<Halide::Buffer<>> in =
                fp16_cache ? std::vector<Halide::Buffer<>>{qs, slice(kr, 2, b, n), slice(v, 2, b, n)}
                           : std::vector<Halide::Buffer<>>{qs, slice(cache.k, 2, b, n), slice(cache.k_scale, 1, b, n),
                                                           slice(cache.v, 2, b, n), slice(cache.v_scale, 1, b, n)};
            const Halide::Buffer<F16> out = host.run(
                "attention",
                {{"t", T}, {"ctx", T}, {"h", H}, {"hk", Hk}, {"d", hd}, {"kv_bits", r.kv_bits}, {"causal", 1}}, in);
            for (int t = 0; t < T; ++t)
                for (int c = 0; c < H * hd; ++c)
                    ctx(c, b + t) = out(c % static_cast<int>(hd), c / static_cast<int>(hd), t);
        }
        x = host.run("residual_add", {{"t", N}, {"d", d}}, {x, host.linear(o, ctx)});
        const Halide::Buffer<F16> g = host.linear(gu, norm(x, L.post_norm));
        const Halide::Buffer<F16> gate = slice(g, 0, 0, static_cast<int>(f)),
                                  up = slice(g, 0, static_cast<int>(f), static_cast<int>(f));
        const Halide::Buffer<F16> act = host.run("swiglu", {{"t", N}, {"d", f}}, {gate, up});
        x = host.run("residual_add", {{"t", N}, {"d", d}}, {x, host.linear(down, act)});
        if (progress) progress("layer", static_cast<size_t>(l + 1), static_cast<size_t>(m.layers));
    }
    const Linear head{"lm_head", W.lm_head, Vector::Zero(W.lm_head.rows())};
    Recipe head_recipe = r;  // lm_head at its own weight bits, round-to-nearest (its inputs are not observed)
    head_recipe.w_bits = r.head_w_bits;
    head_recipe.gptq = false;
    head_recipe.has_format = r.has_format && r.head_w_bits == r.w_bits;
    const Matrix logits = to_matrix(host.linear(prepare(head, "lm_head", head_recipe, cal), norm(x, W.final_norm)));
    double nll = 0;
    for (int64_t s = 0; s < S; ++s)
        nll += window_nll(logits.middleRows(s * T, T), windows[static_cast<size_t>(s)]);
    return std::exp(nll / static_cast<double>(S));
}

}  // namespace npusim::quant
