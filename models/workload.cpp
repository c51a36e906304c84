#include "models/workload.h"

#include <algorithm>
#include <cmath>

namespace npusim::models {

namespace {

using Shape = std::map<std::string, int64_t>;

[[noreturn]] void bad_recipe(const std::string& text, const std::string& why) {
    throw ModelError("quantization recipe '" + text + "': " + why +
                     " (recipes: w8a8, w8a8-dynamic, w4a8, w8a16, w4a16, each optionally +kv4 or +kv8 and +head4 or "
                     "+head8)");
}

// A linear layer y[t][n] = x[t][k] W^T at the recipe's precision, with the conversions its
// integer form needs around it. `w_bits` may differ from the recipe's (the lm_head).
void linear(std::vector<Op>& ops, const std::string& name, const QuantRecipe& q, int w_bits, int64_t t, int64_t n,
            int64_t k, int64_t count) {
    if (q.a_bits == 16) {
        ops.push_back({name, w_bits == 4 ? "gemm_w4a16" : "gemm_w8a16",
                       {{"m", t}, {"n", n}, {"k", k}, {"group", k % q.group ? k : q.group}}, count});
    } else if (q.dynamic) {
        ops.push_back({name, "gemm_w8a8_dynamic", {{"m", t}, {"n", n}, {"k", k}}, count});
    } else {
        ops.push_back({name + ".quantize", "quantize", {{"t", t}, {"d", k}}, count});
        ops.push_back({name, w_bits == 4 ? "gemm_w4a8" : "gemm_w8a8", {{"m", t}, {"n", n}, {"k", k}}, count});
        ops.push_back({name + ".dequantize", "dequantize", {{"t", t}, {"d", n}}, count});
    }
}

// One decoder layer's ops for `t` new tokens attending to a context of `ctx` (them included).
void decoder_layer(std::vector<Op>& ops, const ModelConfig& m, const QuantRecipe& q, int64_t t, int64_t ctx,
                   int64_t capacity, int64_t count) {
    const int64_t d = m.hidden, hd = m.head_dim, h = m.heads, hk = m.kv_heads;
    const int kv_bits = q.kv_bits;
    ops.push_back({"layer.input_norm", "rms_norm", {{"t", t}, {"d", d}}, count});
    linear(ops, "layer.qkv_proj", q, q.w_bits, t, (h + 2 * hk) * hd, d, count);
    ops.push_back({"layer.rope_q", "rope", {{"t", t}, {"h", h}, {"d", hd}}, count});
    ops.push_back({"layer.rope_k", "rope", {{"t", t}, {"h", hk}, {"d", hd}}, count});
    for (const char* kv : {"k", "v"}) {
        const Shape s = {{"t", t}, {"hk", hk}, {"d", hd}, {"kv_bits", kv_bits}};
        ops.push_back({std::string("layer.") + kv + "_cache_scale", "kv_scale", s, count});
        ops.push_back({std::string("layer.") + kv + "_cache_append", "kv_quantize", s, count});
    }
    ops.push_back({"layer.attention", "attention",
                   {{"t", t},
                    {"ctx", ctx},
                    {"cap", std::max(capacity, ctx)},
                    {"h", h},
                    {"hk", hk},
                    {"d", hd},
                    {"kv_bits", kv_bits},
                    {"causal", 1}},
                   count});
    linear(ops, "layer.o_proj", q, q.w_bits, t, d, h * hd, count);
    ops.push_back({"layer.attn_residual", "residual_add", {{"t", t}, {"d", d}}, count});
    ops.push_back({"layer.post_norm", "rms_norm", {{"t", t}, {"d", d}}, count});
    linear(ops, "layer.gate_up_proj", q, q.w_bits, t, 2 * m.intermediate, d, count);
    ops.push_back({"layer.mlp_act", m.activation == "gelu" ? "geglu" : "swiglu", {{"t", t}, {"d", m.intermediate}},
                   count});
    linear(ops, "layer.down_proj", q, q.w_bits, t, d, m.intermediate, count);
    ops.push_back({"layer.mlp_residual", "residual_add", {{"t", t}, {"d", d}}, count});
}

// One encoder (BERT) layer over `t` tokens: bidirectional attention, post-norm, a plain GELU MLP.
// K and V go through the same int8/int4 quantization as a decoder's cache, since the attention
// kernel reads them in that form.
void encoder_layer(std::vector<Op>& ops, const ModelConfig& m, const QuantRecipe& q, int64_t t, int64_t count) {
    const int64_t d = m.hidden, hd = m.head_dim, h = m.heads, hk = m.kv_heads;
    linear(ops, "layer.qkv_proj", q, q.w_bits, t, (h + 2 * hk) * hd, d, count);
    for (const char* kv : {"k", "v"}) {
        const Shape s = {{"t", t}, {"hk", hk}, {"d", hd}, {"kv_bits", q.kv_bits}};
        ops.push_back({std::string("layer.") + kv + "_scale", "kv_scale", s, count});
        ops.push_back({std::string("layer.") + kv + "_quantize", "kv_quantize", s, count});
    }
    ops.push_back({"layer.attention", "attention",
                   {{"t", t}, {"ctx", t}, {"h", h}, {"hk", hk}, {"d", hd}, {"kv_bits", q.kv_bits}, {"causal", 0}},
                   count});
    linear(ops, "layer.o_proj", q, q.w_bits, t, d, h * hd, count);
    ops.push_back({"layer.attn_residual", "residual_add", {{"t", t}, {"d", d}}, count});
    ops.push_back({"layer.attn_norm", "layer_norm", {{"t", t}, {"d", d}}, count});
    linear(ops, "layer.up_proj", q, q.w_bits, t, m.intermediate, d, count);
    ops.push_back({"layer.mlp_act", "gelu", {{"t", t}, {"d", m.intermediate}}, count});
    linear(ops, "layer.down_proj", q, q.w_bits, t, d, m.intermediate, count);
    ops.push_back({"layer.mlp_residual", "residual_add", {{"t", t}, {"d", d}}, count});
    ops.push_back({"layer.mlp_norm", "layer_norm", {{"t", t}, {"d", d}}, count});
}

void require_decoder(const ModelConfig& m) {
    if (!m.decoder)
        throw ModelError(m.source + ": " + m.architecture +
                         " is an encoder without a KV cache or lm_head: it runs one bidirectional pass over the "
                         "prompt (decode 0)");
}

}  // namespace

QuantRecipe QuantRecipe::parse(const std::string& text) {
    QuantRecipe q;
    std::string base = text;
    std::vector<std::string> extras;
    for (auto plus = base.find('+'); plus != std::string::npos; plus = base.find('+')) {
        auto next = base.find('+', plus + 1);
        extras.push_back(base.substr(plus + 1, next == std::string::npos ? std::string::npos : next - plus - 1));
        base.erase(plus, next == std::string::npos ? std::string::npos : next - plus);
    }
    if (base == "w8a8") {
        q.w_bits = 8, q.a_bits = 8;
    } else if (base == "w8a8-dynamic") {
        q.w_bits = 8, q.a_bits = 8, q.dynamic = true;
    } else if (base == "w4a8") {
        q.w_bits = 4, q.a_bits = 8;
    } else if (base == "w8a16") {
        q.w_bits = 8, q.a_bits = 16;
    } else if (base == "w4a16") {
        q.w_bits = 4, q.a_bits = 16;
    } else {
        bad_recipe(text, "unknown base '" + base + "'");
    }
    q.head_w_bits = q.dynamic ? 8 : q.w_bits;
    for (const std::string& e : extras) {
        if (e == "kv8" || e == "kv4")
            q.kv_bits = e == "kv8" ? 8 : 4;
        else if ((e == "head8" || e == "head4") && !(q.dynamic && e == "head4"))
            q.head_w_bits = e == "head8" ? 8 : 4;
        else
            bad_recipe(text, "unknown or unsupported option '+" + e + "'");
    }
    return q;
}

std::string QuantRecipe::name() const {
    std::string s = "w" + std::to_string(w_bits) + "a" + std::to_string(a_bits) + (dynamic ? "-dynamic" : "");
    s += "+kv" + std::to_string(kv_bits);
    if (head_w_bits != w_bits) s += "+head" + std::to_string(head_w_bits);
    return s;
}

std::vector<Op> prefill_ops(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t chunk,
                            int64_t capacity) {
    if (tokens < 1) throw ModelError("prefill needs at least one token");
    if (!m.decoder) {
        // An encoder reads the whole sequence at once: word, position and token-type embeddings
        // (the last two a residual add each), LayerNorm, the layers.
        if (tokens > m.max_positions)
            throw ModelError(m.source + ": " + std::to_string(tokens) + " tokens exceed max_position_embeddings = " +
                             std::to_string(m.max_positions));
        std::vector<Op> ops;
        ops.push_back({"embedding", "embedding", {{"t", tokens}, {"d", m.hidden}, {"vocab", m.vocab}}, 1});
        ops.push_back({"embedding.positions", "residual_add", {{"t", tokens}, {"d", m.hidden}}, 2});
        ops.push_back({"embedding.norm", "layer_norm", {{"t", tokens}, {"d", m.hidden}}, 1});
        encoder_layer(ops, m, q, tokens, m.layers);
        return ops;
    }
    if (chunk < 1) throw ModelError("the prefill chunk must be at least one token");
    std::vector<Op> ops;
    ops.push_back({"embedding", "embedding", {{"t", tokens}, {"d", m.hidden}, {"vocab", m.vocab}}, 1});
    for (int64_t start = 0; start < tokens; start += chunk) {
        const int64_t t = std::min(chunk, tokens - start);
        decoder_layer(ops, m, q, t, start + t, capacity, m.layers);
    }
    // Logits only for the last token: it is the one the next step samples from.
    ops.push_back({"final_norm", "rms_norm", {{"t", 1}, {"d", m.hidden}}, 1});
    linear(ops, "lm_head", q, q.head_w_bits, 1, m.vocab, m.hidden, 1);
    return ops;
}

std::vector<Op> decode_ops(const ModelConfig& m, const QuantRecipe& q, int64_t context, int64_t capacity) {
    require_decoder(m);
    if (context < 1) throw ModelError("decode needs a context of at least one token");
    std::vector<Op> ops;
    ops.push_back({"embedding", "embedding", {{"t", 1}, {"d", m.hidden}, {"vocab", m.vocab}}, 1});
    decoder_layer(ops, m, q, 1, context, capacity, m.layers);
    ops.push_back({"final_norm", "rms_norm", {{"t", 1}, {"d", m.hidden}}, 1});
    linear(ops, "lm_head", q, q.head_w_bits, 1, m.vocab, m.hidden, 1);
    return ops;
}

std::vector<Op> verify_ops(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t context,
                           int64_t capacity) {
    require_decoder(m);
    if (tokens < 1 || context < tokens) throw ModelError("verification needs 1 <= tokens <= context");
    std::vector<Op> ops;
    ops.push_back({"embedding", "embedding", {{"t", tokens}, {"d", m.hidden}, {"vocab", m.vocab}}, 1});
    decoder_layer(ops, m, q, tokens, context, capacity, m.layers);
    ops.push_back({"final_norm", "rms_norm", {{"t", tokens}, {"d", m.hidden}}, 1});
    linear(ops, "lm_head", q, q.head_w_bits, tokens, m.vocab, m.hidden, 1);
    return ops;
}

double expected_tokens_per_step(double a, int64_t k) {
    if (a >= 1) return static_cast<double>(k + 1);
    return (1 - std::pow(a, static_cast<double>(k + 1))) / (1 - a);
}

int64_t weight_bytes(const ModelConfig& m, const QuantRecipe& q) {
    // A linear of n x k weights at `bits`: packed weights, plus an fp16 scale per group (weight
    // only) or per channel (int8 activations: folded into a 32-bit multiplier, shift and bias).
    auto linear_bytes = [&](int64_t n, int64_t k, int bits) {
        const int64_t w = n * k * bits / 8;
        return q.a_bits == 16 ? w + n * (k / (k % q.group ? k : q.group)) * 2 : w + n * 12;
    };
    const int64_t hd = m.head_dim, qd = m.heads * hd, kvd = m.kv_heads * hd;
    int64_t layer = linear_bytes(qd + 2 * kvd, m.hidden, q.w_bits) + linear_bytes(m.hidden, qd, q.w_bits) +
                    linear_bytes(2 * m.intermediate, m.hidden, q.w_bits) +
                    linear_bytes(m.hidden, m.intermediate, q.w_bits) + 2 * m.hidden * 2;  // fp16 norm gains
    int64_t total = m.layers * layer + m.hidden * 2;  // the final norm's gain
    // A tied lm_head and embedding share one matrix, stored once at lm_head's precision; an
    // untied embedding table stays fp16 (a gather reads only one row per token).
    if (m.decoder) total += linear_bytes(m.vocab, m.hidden, q.head_w_bits);
    if (!m.decoder || !m.tied_embeddings) total += m.vocab * m.hidden * 2;
    return total;
}

int64_t peak_activation_bytes(const ModelConfig& m, int64_t tokens) {
    return tokens * (m.hidden + 2 * m.intermediate + m.intermediate) * 2;
}

KvPages kv_pages(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t block) {
    if (block < 1) throw ModelError("the KV block must hold at least one token");
    KvPages p;
    p.blocks = (tokens + block - 1) / block;
    p.used_bytes = tokens * kv_bytes_per_token(m, q);
    p.allocated_bytes = p.blocks * block * kv_bytes_per_token(m, q);
    return p;
}

int64_t max_context(const ModelConfig& m, const QuantRecipe& q, int64_t chunk, int64_t block, double budget) {
    const double fixed = static_cast<double>(weight_bytes(m, q) + peak_activation_bytes(m, chunk));
    if (fixed >= budget) return 0;
    const double per_block = static_cast<double>(block * kv_bytes_per_token(m, q));
    const int64_t fits = static_cast<int64_t>(std::floor((budget - fixed) / per_block)) * block;
    return m.max_positions > 0 ? std::min(fits, m.max_positions) : fits;
}

int64_t kv_bytes_per_token(const ModelConfig& m, const QuantRecipe& q) {
    // K and V: kv_heads x head_dim values at kv_bits, plus an fp16 scale per head.
    return m.layers * 2 * (m.kv_heads * m.head_dim * q.kv_bits / 8 + m.kv_heads * 2);
}

}  // namespace npusim::models
