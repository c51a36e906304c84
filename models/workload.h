#pragma once
// The ops of a forward pass: which kernel of the library runs with which shape, how many times.
//
// A decoder layer: RMSNorm; fused q/k/v projection; RoPE on q and k; appending k and v to the
// quantized cache (scale, then values); attention over the cache (GQA); output projection;
// residual add; RMSNorm; fused gate/up projection; SwiGLU (SiLU models) or GeGLU (GELU models,
// GeGLU for GELU models); down projection; residual add. Around the layers:
// the embedding lookup, the final RMSNorm and the lm_head (for the last token of a prefill).
// Activations are fp16 between ops; an integer GEMM (a8, static) is wrapped in quantize and
// dequantize, as the tensors around it are fp16.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/model_config.h"
#include "recipes/recipe.h"

namespace npusim::models {

// The recipe (recipes/recipe.h) the simulated cost follows.
using QuantRecipe = quant::Recipe;

struct Op {
    Op() = default;
    Op(std::string op_name, std::string op_kernel, std::map<std::string, int64_t> op_shape, int64_t times = 1,
       int64_t in_chunk = 0, std::vector<int64_t> reads = {})
        : name(std::move(op_name)),
          kernel(std::move(op_kernel)),
          shape(std::move(op_shape)),
          count(times),
          chunk(in_chunk),
          inputs(std::move(reads)) {}
    std::string name;    // e.g. "layer.q_proj"
    std::string kernel;  // a kernel of the library
    std::map<std::string, int64_t> shape;
    int64_t count = 1;  // times it runs in the pass (e.g. once per layer)
    // The prefill chunk the op belongs to (0 outside chunked prefill). Ops of one chunk depend on
    // each other in order; a chunk's attention also needs the previous chunk's cache of that layer,
    // and nothing else of it, so a later chunk's other ops may run beside an earlier one's.
    int64_t chunk = 0;
    // The ops of its chunk it reads, as distances back in the chunk's run order (empty: the one
    // before it). An op that reads an earlier op's input runs beside the ops in between.
    std::vector<int64_t> inputs;
};

// `capacity` is the KV cache's length in tokens (0: just the context): attention is compiled once
// per capacity and reads the cache up to the context, as a run-time parameter.

// The longest prompt or context modelled, in tokens (ModelError beyond it).
constexpr int64_t kMaxTokens = int64_t{1} << 20;

// Prefill of `tokens` tokens in chunks of `chunk` (each chunk attends to everything before it). For
// an encoder (BERT): one bidirectional pass over the tokens (`chunk` does not apply).
std::vector<Op> prefill_ops(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t chunk,
                            int64_t capacity = 0);
// One decode step at context `context` (the new token included).
std::vector<Op> decode_ops(const ModelConfig& m, const QuantRecipe& q, int64_t context, int64_t capacity = 0);

// The target model's verification of `tokens` drafted tokens at context `context` (them
// included): the layers over all of them, and logits for each.
std::vector<Op> verify_ops(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t context,
                           int64_t capacity = 0);

// Speculative decoding (Leviathan et al., ICML 2023, eq. 1): with k drafted tokens each accepted
// with probability a (independently), the expected tokens per target step, (1 - a^(k+1)) / (1 - a).
double expected_tokens_per_step(double a, int64_t k);

// Bytes of the weights at the recipe's precisions (per-group scales included), and of the KV
// cache per token (all layers, K and V, scales included).
int64_t weight_bytes(const ModelConfig& m, const QuantRecipe& q);
int64_t kv_bytes_per_token(const ModelConfig& m, const QuantRecipe& q);
// The largest activations alive at once for `tokens` tokens in flight (fp16): the residual
// stream, the fused gate/up output and the MLP activation.
int64_t peak_activation_bytes(const ModelConfig& m, int64_t tokens);

// A paged KV cache: `tokens` tokens held in blocks of `block` tokens.
struct KvPages {
    int64_t blocks = 0, allocated_bytes = 0, used_bytes = 0;
    double fragmentation() const {
        return used_bytes ? static_cast<double>(allocated_bytes - used_bytes) / static_cast<double>(allocated_bytes)
                          : 0;
    }
};
KvPages kv_pages(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t block);
// What a model holds in memory while it runs `tokens` tokens (prompt and output) with prefill
// chunks of `chunk`: its weights, its paged KV cache (none for an encoder) and the activations.
struct Footprint {
    double weights = 0, kv_cache = 0, activations = 0;
    KvPages kv_pages;
    double total() const { return weights + kv_cache + activations; }
};
Footprint footprint(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t chunk, int64_t block);
// The longest context whose weights, paged cache and activations (prefill chunk `chunk`) fit
// `budget` bytes, at most the model's max_position_embeddings; 0 if not even one token does.
int64_t max_context(const ModelConfig& m, const QuantRecipe& q, int64_t chunk, int64_t block, double budget);

}  // namespace npusim::models
