#pragma once
// The float32 forward pass of a Llama-architecture decoder with Eigen: token embedding, per layer
// RMSNorm, q/k/v projections, rotary position embedding (rotate-half, as Hugging Face's Llama),
// causal grouped-query attention, output projection and residual, RMSNorm, SwiGLU MLP and
// residual; the final RMSNorm and the lm_head give the logits of every position. The reference
// for rotation (quant/rotation.h) and for perplexity.
#include <cstdint>
#include <vector>

#include "models/bert_reference.h"
#include "models/model_config.h"
#include "models/safetensors.h"

namespace npusim::models {

struct LlamaLayer {
    Vector input_norm, post_norm;       // RMSNorm gains
    Linear q, k, v, o, gate, up, down;  // no biases (b is zero)
};

struct LlamaWeights {
    Matrix embed;  // vocab x hidden
    std::vector<LlamaLayer> layers;
    Vector final_norm;
    Matrix lm_head;  // vocab x hidden (the embedding's copy when tied)
};

class LlamaReference {
public:
    // Hugging Face names (model.embed_tokens.weight, model.layers.N.self_attn.q_proj.weight, ...);
    // UserError naming the file and tensor for a missing tensor or a wrong shape.
    LlamaReference(const ModelConfig& cfg, const SafeTensors& weights);
    LlamaReference(const ModelConfig& cfg, LlamaWeights weights);

    // Logits of every position, tokens x vocab. Linears named as the NPU runs them
    // (layer.N.qkv_proj.q/k/v, layer.N.o_proj, layer.N.gate_up_proj.gate/up, layer.N.down_proj,
    // lm_head) go through `linear`.
    Matrix logits(const std::vector<int32_t>& ids, const LinearFn& linear = float_linear) const;
    // The residual stream entering each layer and after the last (tokens x hidden), layers + 1.
    std::vector<Matrix> residuals(const std::vector<int32_t>& ids) const;

    const ModelConfig& config() const { return cfg_; }
    const LlamaWeights& weights() const { return w_; }

private:
    Matrix forward(const std::vector<int32_t>& ids, std::vector<Matrix>* residuals, const LinearFn& linear) const;
    ModelConfig cfg_;
    LlamaWeights w_;
    double rope_theta_ = 10000;
};

// RMSNorm: x / sqrt(mean(x^2) + eps) * gain, per row.
Matrix rms_norm(const Matrix& x, const Vector& gain, double eps);

}  // namespace npusim::models
