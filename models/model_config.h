#pragma once
// A transformer's architecture, read from a Hugging Face config.json.
//
// Supported: LlamaForCausalLM, Qwen2ForCausalLM, Phi3ForCausalLM, GemmaForCausalLM (decoders with
// RMSNorm, rotary embeddings, grouped-query attention and a gated MLP) and BertModel (an encoder
// with LayerNorm, learned positions, biases and a GELU MLP). Anything else, a missing field or a
// value out of range is a ModelError naming the file and the field.
#include <cstdint>
#include <string>
#include <vector>

#include "base/errors.h"

namespace npusim::models {

struct ModelError : npu::UserError {
    using npu::UserError::UserError;
};

enum class Family { Llama, Qwen2, Phi3, Gemma, Bert };

struct ModelConfig {
    std::string name;          // e.g. "llama-3.2-1b", or the path's file name
    std::string source;        // the file read
    std::string architecture;  // as in the file, e.g. "LlamaForCausalLM"
    Family family = Family::Llama;
    int64_t hidden = 0, intermediate = 0, layers = 0;
    int64_t heads = 0, kv_heads = 0, head_dim = 0;
    int64_t vocab = 0, max_positions = 0;
    int64_t type_vocab = 0;        // BERT token types
    bool decoder = true;           // causal LM with a KV cache and an lm_head
    bool gated_mlp = true;         // gate * up (SwiGLU / GeGLU) vs a plain up projection
    bool qkv_bias = false;         // biases on q, k, v (Qwen2, BERT)
    bool all_bias = false;         // biases on every linear (BERT)
    bool tied_embeddings = false;  // lm_head shares the embedding matrix
    std::string activation;        // "silu" or "gelu"
    std::string norm;              // "rms" or "layer"
    double norm_eps = 1e-6;        // layer_norm_eps / rms_norm_eps
    double rope_theta = 10000;     // RoPE base (decoders)

    // Parameters, counted from the architecture (embeddings, every linear and bias, norms).
    int64_t parameter_count() const;
};

// `name_or_path`: a shipped model (configs/models/<name>.json, see model_names()) or a path to
// any config.json.
ModelConfig load_model(const std::string& name_or_path);
ModelConfig parse_model(const std::string& json_text, const std::string& source, const std::string& name);
std::vector<std::string> model_names();

}  // namespace npusim::models
