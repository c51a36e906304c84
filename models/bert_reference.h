#pragma once
// The float32 forward pass of a BERT encoder (all-MiniLM-L6-v2) with Eigen, from its safetensors
// weights: embeddings (word + position + token type 0, LayerNorm), then per layer self-attention
// (no mask: one unpadded sentence), output projection, residual and LayerNorm, a GELU (erf) MLP,
// residual and LayerNorm; the sentence embedding is the mean over tokens, L2-normalised
// (sentence-transformers' Pooling + Normalize). It is the reference the quantized passes are
// measured against; tests/python checks it against onnxruntime.
//
// Every linear goes through a LinearFn, so calibration can observe its input and a quantized pass
// can replace it; the default computes x W^T + b in float32.
#include <Eigen/Dense>
#include <functional>
#include <string>
#include <vector>

#include "models/model_config.h"
#include "models/safetensors.h"

namespace npusim::models {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  // tokens x features
using Vector = Eigen::VectorXf;

// A stored tensor as a float32 matrix or vector of the shape the architecture expects (the reader's
// UserError names the file and tensor otherwise).
Matrix load_matrix(const SafeTensors& st, const std::string& name, int64_t rows, int64_t cols);
Vector load_vector(const SafeTensors& st, const std::string& name, int64_t n);

struct Linear {
    std::string name;  // as the workload names the linear: layer.2.qkv_proj.q (q, k, v are one fused
                       // qkv_proj on the NPU), layer.2.o_proj, layer.2.up_proj, layer.2.down_proj
    Matrix w;          // out x in
    Vector b;          // out
};

struct LayerNorm {
    Vector gain, bias;
};

struct BertLayer {
    Linear query, key, value, attn_out, up, down;
    LayerNorm attn_norm, out_norm;
};

// (x, the linear) -> x W^T + b, x being tokens x in.
using LinearFn = std::function<Matrix(const Matrix& x, const Linear& l)>;
Matrix float_linear(const Matrix& x, const Linear& l);

class BertReference {
public:
    // Throws UserError naming the file and tensor for a missing tensor or a wrong shape.
    BertReference(const ModelConfig& cfg, const SafeTensors& weights);

    // Hidden states of the embeddings and of every layer (tokens x hidden), layers + 1 of them.
    std::vector<Matrix> hidden_states(const std::vector<int32_t>& ids, const LinearFn& linear = float_linear) const;
    // Mean over tokens of the last hidden state, L2-normalised.
    static Vector sentence_embedding(const Matrix& last_hidden);

    const ModelConfig& config() const { return cfg_; }
    const std::vector<BertLayer>& layers() const { return layers_; }
    const Matrix& word_embeddings() const { return word_; }
    const Matrix& position_embeddings() const { return position_; }
    const Matrix& token_type_embeddings() const { return token_type_; }
    const LayerNorm& embedding_norm() const { return emb_norm_; }

private:
    ModelConfig cfg_;
    Matrix word_, position_, token_type_;
    LayerNorm emb_norm_;
    std::vector<BertLayer> layers_;
};

}  // namespace npusim::models
