#include "quant/encoder_pass.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "base/errors.h"
#include "base/parallel_for.h"
#include "quant/calibration_pass.h"
#include "quant/host_kernels.h"

namespace npusim::quant {

using models::BertLayer;
using models::BertReference;
using models::Linear;
using models::Matrix;
using models::Vector;
using schedules::Shape;

namespace {

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
    std::vector<std::vector<Matrix>> per(ids.size());
    npu::parallel_for(ids.size(), [&](size_t i) { per[i] = ref.hidden_states(ids[i]); });
    for (const auto& s : ids)
        st.offsets.push_back(st.offsets.back() + static_cast<int64_t>(s.size()));
    for (size_t l = 0; l < per.front().size(); ++l) {
        Matrix h(st.offsets.back(), ref.config().hidden);
        for (size_t s = 0; s < per.size(); ++s)
            h.middleRows(st.offsets[s], per[s][l].rows()) = per[s][l];
        st.hidden.push_back(std::move(h));
    }
    return st;
}

namespace {

void refuse_rotation(const Recipe& r) {
    if (r.rotate)
        throw npu::UserError("quantization recipe '" + r.name() +
                             "': +rot rotates a pre-norm decoder's residual stream; a post-LayerNorm encoder "
                             "(BERT) has no rotation-invariant residual stream");
}

}  // namespace

Calibration calibrate(const BertReference& ref, const Recipe& r, const std::vector<std::vector<int32_t>>& ids) {
    refuse_rotation(r);
    if (ids.empty()) throw npu::UserError("calibration needs at least one sentence");
    CalibrationPass pass(r);
    const models::LinearFn observe = pass.hook();
    for (const auto& s : ids)
        ref.hidden_states(s, observe);
    return pass.finish();
}

EncoderStates quantized_pass(const BertReference& ref, const Recipe& recipe, const Calibration& cal,
                             const npu::NpuConfig& npu, const std::vector<std::vector<int32_t>>& ids,
                             const Progress& progress, ShadowStats* shadow) {
    refuse_rotation(recipe);
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
    HostNpu host(npu, shadow);

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
        return Halide::Buffer<F16>(
            host.run("layer_norm", {{"t", N}, {"d", d}}, {in, vector_fp16(n.gain), vector_fp16(n.bias)}));
    };
    x = norm(x, ref.embedding_norm());
    st.hidden.push_back(to_matrix(x));

    for (int64_t l = 0; l < L; ++l) {
        const BertLayer& Lw = ref.layers()[static_cast<size_t>(l)];
        const std::string p = "layer." + std::to_string(l);
        const QLinear qkv =
            prepare(stack_linears(p + ".qkv_proj", {&Lw.query, &Lw.key, &Lw.value}), p + ".qkv_proj", r, cal);
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
        const bool fp16_cache = r.kv_bits == 16;  // K and V as they are, no scales
        const HostNpu::QuantizedKv kv = host.quantize_kv(kf, vf, r.kv_bits);
        // Attention per sentence, on one program for every length (padding rows dropped).
        Halide::Buffer<F16> ctx(static_cast<int>(d), static_cast<int>(N));
        for (int64_t s = 0; s < S; ++s) {
            const int b = static_cast<int>(st.offsets[static_cast<size_t>(s)]);
            const int T = static_cast<int>(st.offsets[static_cast<size_t>(s) + 1]) - b;
            const int c = static_cast<int>(cap);
            const Halide::Buffer<F16> qs = padded_window(q, b, T, c, F16(0.0f));
            const std::vector<Halide::Buffer<>> in =
                fp16_cache
                    ? std::vector<Halide::Buffer<>>{qs, padded_window(kf, b, T, c, F16(0.0f)),
                                                    padded_window(vf, b, T, c, F16(0.0f))}
                    : std::vector<Halide::Buffer<>>{
                          qs, padded_window(kv.k, b, T, c, int8_t{0}), padded_window(kv.k_scale, b, T, c, F16(1.0f)),
                          padded_window(kv.v, b, T, c, int8_t{0}), padded_window(kv.v_scale, b, T, c, F16(1.0f))};
            const Halide::Buffer<F16> out = host.run("attention",
                                                     {{"t", cap},
                                                      {"ctx", T},
                                                      {"cap", cap},
                                                      {"h", H},
                                                      {"hk", H},
                                                      {"d", hd},
                                                      {"kv_bits", r.kv_bits},
                                                      {"causal", 0}},
                                                     in);
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
        if (progress) progress("layer", static_cast<size_t>(l + 1), static_cast<size_t>(L));
    }
    return st;
}

}  // namespace npusim::quant
