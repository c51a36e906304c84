#include "models/bert_reference.h"

#include <cmath>

#include "base/errors.h"

namespace npusim::models {

Matrix load_matrix(const SafeTensors& st, const std::string& name, int64_t rows, int64_t cols) {
    FloatTensor t = st.floats(name, {rows, cols});
    return Eigen::Map<Matrix>(t.data.data(), rows, cols);
}

Vector load_vector(const SafeTensors& st, const std::string& name, int64_t n) {
    FloatTensor t = st.floats(name, {n});
    return Eigen::Map<Vector>(t.data.data(), n);
}

namespace {

Linear linear(const SafeTensors& st, const std::string& prefix, const std::string& name, int64_t out, int64_t in) {
    return {name, load_matrix(st, prefix + ".weight", out, in), load_vector(st, prefix + ".bias", out)};
}

LayerNorm layer_norm(const SafeTensors& st, const std::string& prefix, int64_t n) {
    return {load_vector(st, prefix + ".weight", n), load_vector(st, prefix + ".bias", n)};
}

Matrix apply_norm(const Matrix& x, const LayerNorm& n, double eps) {
    Matrix y(x.rows(), x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        const Eigen::RowVectorXf row = x.row(t);
        const float mean = row.mean();
        const float var = (row.array() - mean).square().mean();
        const float inv = 1.0f / std::sqrt(var + static_cast<float>(eps));
        y.row(t) = ((row.array() - mean) * inv * n.gain.transpose().array() + n.bias.transpose().array()).matrix();
    }
    return y;
}

}  // namespace

Matrix float_linear(const Matrix& x, const Linear& l) {
    Matrix y = x * l.w.transpose();
    y.rowwise() += l.b.transpose();
    return y;
}

BertReference::BertReference(const ModelConfig& cfg, const SafeTensors& st) : cfg_(cfg) {
    if (cfg.family != Family::Bert)
        throw npu::UserError(cfg.source + ": the float reference runs BERT encoders, not " + cfg.architecture);
    const int64_t d = cfg.hidden, f = cfg.intermediate;
    word_ = load_matrix(st, "embeddings.word_embeddings.weight", cfg.vocab, d);
    position_ = load_matrix(st, "embeddings.position_embeddings.weight", cfg.max_positions, d);
    token_type_ = load_matrix(st, "embeddings.token_type_embeddings.weight", cfg.type_vocab, d);
    emb_norm_ = layer_norm(st, "embeddings.LayerNorm", d);
    for (int64_t l = 0; l < cfg.layers; ++l) {
        const std::string p = "encoder.layer." + std::to_string(l), n = "layer." + std::to_string(l);
        BertLayer L;
        L.query = linear(st, p + ".attention.self.query", n + ".qkv_proj.q", d, d);
        L.key = linear(st, p + ".attention.self.key", n + ".qkv_proj.k", d, d);
        L.value = linear(st, p + ".attention.self.value", n + ".qkv_proj.v", d, d);
        L.attn_out = linear(st, p + ".attention.output.dense", n + ".o_proj", d, d);
        L.attn_norm = layer_norm(st, p + ".attention.output.LayerNorm", d);
        L.up = linear(st, p + ".intermediate.dense", n + ".up_proj", f, d);
        L.down = linear(st, p + ".output.dense", n + ".down_proj", d, f);
        L.out_norm = layer_norm(st, p + ".output.LayerNorm", d);
        layers_.push_back(std::move(L));
    }
}

std::vector<Matrix> BertReference::hidden_states(const std::vector<int32_t>& ids, const LinearFn& lin) const {
    const auto T = static_cast<Eigen::Index>(ids.size());
    if (T == 0 || T > cfg_.max_positions)
        throw npu::UserError("a sentence of " + std::to_string(T) + " tokens: BERT takes 1 to " +
                             std::to_string(cfg_.max_positions));
    Matrix x(T, cfg_.hidden);
    for (Eigen::Index t = 0; t < T; ++t) {
        if (ids[static_cast<size_t>(t)] < 0 || ids[static_cast<size_t>(t)] >= cfg_.vocab)
            throw npu::UserError("token id " + std::to_string(ids[static_cast<size_t>(t)]) +
                                 " is outside the vocabulary");
        x.row(t) = word_.row(ids[static_cast<size_t>(t)]) + position_.row(t) + token_type_.row(0);
    }
    std::vector<Matrix> out;
    out.push_back(apply_norm(x, emb_norm_, cfg_.norm_eps));
    const int64_t H = cfg_.heads, hd = cfg_.head_dim;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    for (const BertLayer& L : layers_) {
        const Matrix& h = out.back();
        const Matrix q = lin(h, L.query), k = lin(h, L.key), v = lin(h, L.value);
        Matrix ctx(T, cfg_.hidden);
        for (int64_t head = 0; head < H; ++head) {
            const auto c0 = static_cast<Eigen::Index>(head * hd), n = static_cast<Eigen::Index>(hd);
            Matrix s = q.middleCols(c0, n) * k.middleCols(c0, n).transpose() * scale;
            for (Eigen::Index i = 0; i < T; ++i) {
                const float m = s.row(i).maxCoeff();
                s.row(i) = (s.row(i).array() - m).exp().matrix();
                s.row(i) /= s.row(i).sum();
            }
            ctx.middleCols(c0, n) = s * v.middleCols(c0, n);
        }
        const Matrix a = apply_norm(lin(ctx, L.attn_out) + h, L.attn_norm, cfg_.norm_eps);
        Matrix u = lin(a, L.up);
        u = u.unaryExpr([](float z) { return 0.5f * z * (1.0f + std::erf(z * 0.70710678118654752f)); });
        out.push_back(apply_norm(lin(u, L.down) + a, L.out_norm, cfg_.norm_eps));
    }
    return out;
}

Vector BertReference::sentence_embedding(const Matrix& last_hidden) {
    Vector e = last_hidden.colwise().mean().transpose();
    return e / std::max(e.norm(), 1e-12f);
}

}  // namespace npusim::models
