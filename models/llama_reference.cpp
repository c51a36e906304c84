#include "models/llama_reference.h"

#include <cmath>
#include <limits>

#include "base/errors.h"
#include "base/flush_subnormals.h"

namespace npusim::models {

namespace {

Linear linear(const SafeTensors& st, const std::string& tensor, const std::string& name, int64_t out, int64_t in) {
    return {name, load_matrix(st, tensor + ".weight", out, in), Vector::Zero(out)};
}

// Rotate-half RoPE on each head of x (tokens x heads*hd), position = row index.
void rope(Matrix& x, int64_t heads, int64_t hd, double theta) {
    const int64_t half = hd / 2;
    for (Eigen::Index t = 0; t < x.rows(); ++t)
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t i = 0; i < half; ++i) {
                const double freq = std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(hd));
                const auto c = static_cast<float>(std::cos(static_cast<double>(t) * freq));
                const auto s = static_cast<float>(std::sin(static_cast<double>(t) * freq));
                float& a = x(t, h * hd + i);
                float& b = x(t, h * hd + i + half);
                const float x0 = a, x1 = b;
                a = x0 * c - x1 * s;
                b = x1 * c + x0 * s;
            }
}

}  // namespace

Matrix rms_norm(const Matrix& x, const Vector& gain, double eps) {
    Matrix y(x.rows(), x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        const float inv =
            1.0f / std::sqrt(x.row(t).squaredNorm() / static_cast<float>(x.cols()) + static_cast<float>(eps));
        y.row(t) = (x.row(t).array() * inv * gain.transpose().array()).matrix();
    }
    return y;
}

LlamaReference::LlamaReference(const ModelConfig& cfg, const SafeTensors& st) : cfg_(cfg) {
    if (cfg.family != Family::Llama && cfg.family != Family::Qwen2)
        throw npu::UserError(cfg.source + ": the decoder reference runs Llama-architecture models, not " +
                             cfg.architecture);
    const int64_t d = cfg.hidden, f = cfg.intermediate, qd = cfg.heads * cfg.head_dim,
                  kvd = cfg.kv_heads * cfg.head_dim;
    w_.embed = load_matrix(st, "model.embed_tokens.weight", cfg.vocab, d);
    for (int64_t l = 0; l < cfg.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l), n = "layer." + std::to_string(l);
        LlamaLayer L;
        L.input_norm = load_vector(st, p + ".input_layernorm.weight", d);
        L.post_norm = load_vector(st, p + ".post_attention_layernorm.weight", d);
        L.q = linear(st, p + ".self_attn.q_proj", n + ".qkv_proj.q", qd, d);
        L.k = linear(st, p + ".self_attn.k_proj", n + ".qkv_proj.k", kvd, d);
        L.v = linear(st, p + ".self_attn.v_proj", n + ".qkv_proj.v", kvd, d);
        L.o = linear(st, p + ".self_attn.o_proj", n + ".o_proj", d, qd);
        L.gate = linear(st, p + ".mlp.gate_proj", n + ".gate_up_proj.gate", f, d);
        L.up = linear(st, p + ".mlp.up_proj", n + ".gate_up_proj.up", f, d);
        L.down = linear(st, p + ".mlp.down_proj", n + ".down_proj", d, f);
        w_.layers.push_back(std::move(L));
    }
    w_.final_norm = load_vector(st, "model.norm.weight", d);
    w_.lm_head = cfg.tied_embeddings ? w_.embed : load_matrix(st, "lm_head.weight", cfg.vocab, d);
    rope_theta_ = cfg.rope_theta;
}

LlamaReference::LlamaReference(const ModelConfig& cfg, LlamaWeights weights)
    : cfg_(cfg), w_(std::move(weights)), rope_theta_(cfg.rope_theta) {}

Matrix LlamaReference::forward(const std::vector<int32_t>& ids, std::vector<Matrix>* res, const LinearFn& lin) const {
    const auto T = static_cast<Eigen::Index>(ids.size());
    if (T == 0) throw npu::UserError("the decoder needs at least one token");
    const npu::FlushSubnormals flush;  // the causal softmax underflows
    const int64_t H = cfg_.heads, Hk = cfg_.kv_heads, hd = cfg_.head_dim, group = H / Hk;
    Matrix x(T, cfg_.hidden);
    for (Eigen::Index t = 0; t < T; ++t) {
        const int32_t id = ids[static_cast<size_t>(t)];
        if (id < 0 || id >= cfg_.vocab)
            throw npu::UserError("token id " + std::to_string(id) + " is outside the vocabulary");
        x.row(t) = w_.embed.row(id);
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    for (const LlamaLayer& L : w_.layers) {
        if (res) res->push_back(x);
        const Matrix h = rms_norm(x, L.input_norm, cfg_.norm_eps);
        Matrix q = lin(h, L.q), k = lin(h, L.k);
        const Matrix v = lin(h, L.v);
        rope(q, H, hd, rope_theta_);
        rope(k, Hk, hd, rope_theta_);
        Matrix ctx(T, H * hd);
        for (int64_t head = 0; head < H; ++head) {
            const auto qc = static_cast<Eigen::Index>(head * hd), kc = static_cast<Eigen::Index>(head / group * hd);
            const auto n = static_cast<Eigen::Index>(hd);
            Matrix s = q.middleCols(qc, n) * k.middleCols(kc, n).transpose() * scale;
            for (Eigen::Index i = 0; i < T; ++i) {
                for (Eigen::Index j = i + 1; j < T; ++j)
                    s(i, j) = -std::numeric_limits<float>::infinity();
                const float m = s.row(i).maxCoeff();
                s.row(i) = (s.row(i).array() - m).exp().matrix();
                s.row(i) /= s.row(i).sum();
            }
            ctx.middleCols(qc, n) = s * v.middleCols(kc, n);
        }
        x += lin(ctx, L.o);
        const Matrix p = rms_norm(x, L.post_norm, cfg_.norm_eps);
        Matrix g = lin(p, L.gate);
        g = g.unaryExpr([](float z) { return z / (1.0f + std::exp(-z)); });
        x += lin(Matrix(g.cwiseProduct(lin(p, L.up))), L.down);
    }
    if (res) res->push_back(x);
    const Linear head{"lm_head", w_.lm_head, Vector::Zero(w_.lm_head.rows())};
    return lin(rms_norm(x, w_.final_norm, cfg_.norm_eps), head);
}

Matrix LlamaReference::logits(const std::vector<int32_t>& ids, const LinearFn& linear) const {
    return forward(ids, nullptr, linear);
}

std::vector<Matrix> LlamaReference::residuals(const std::vector<int32_t>& ids) const {
    std::vector<Matrix> r;
    forward(ids, &r, float_linear);
    return r;
}

}  // namespace npusim::models
