#include "models/workload.h"

#include <algorithm>
#include <cmath>

namespace npusim::models {

namespace {

// K elements per fp16 weight scale of a weight-only linear with reduction length k: the recipe's
// group where it divides k, else the whole row (per channel).
int64_t weight_group(const QuantRecipe& q, int64_t k) {
    // A format's blocks are part of its layout: no fallback to a scale per channel.
    if (q.has_format && k % q.group)
        throw ModelError("quantization recipe '" + q.name() + "': " + quant::format_spec(q.format).name +
                         " blocks of " + std::to_string(q.group) + " weights do not divide a linear's input of " +
                         std::to_string(k));
    return q.granularity == quant::Granularity::Group && k % q.group == 0 ? q.group : k;
}

using Shape = std::map<std::string, int64_t>;

// Outlier values in a t x k input (+shadowP): the recipe's share of them, at least one.
int64_t shadow_outliers(const QuantRecipe& q, int64_t t, int64_t k) {
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(static_cast<double>(t * k) * q.shadow_percent / 100)));
}

// Where a layer's linears stand: `layer` names them for the recipe's overrides (layer.3.down_proj).
struct LayerCtx {
    const ModelConfig& m;
    const QuantRecipe& q;
    int64_t layer;  // -1: outside the layers (lm_head)
};

// A linear layer y[t][n] = x[t][k] W^T + bias at the recipe's precision (after its per-layer
// overrides), with the conversions its integer form needs around it. `w_bits` may differ from the
// recipe's (the lm_head). A static int8 GEMM folds the bias into its requantization; the others
// add it after.
void linear(std::vector<Op>& ops, const LayerCtx& c, const std::string& name, int w_bits, int64_t t, int64_t n,
            int64_t k, int64_t count) {
    const QuantRecipe& q = c.q;
    using quant::Activations;
    const Activations act =
        c.layer < 0 ? q.activations()
                    : q.activations_of("layer." + std::to_string(c.layer) + "." + name.substr(name.find('.') + 1));
    const std::string op = act == q.activations() ? name : name + "[a16]";
    const bool bias = c.m.all_bias || (c.m.qkv_bias && name == "layer.qkv_proj");
    if (act == Activations::Int16) {
        // The activations quantize to int16 on chip before the MatMuls; fp16 out.
        ops.push_back({op, w_bits == 4 ? "gemm_w4a16i" : "gemm_w8a16i", {{"m", t}, {"n", n}, {"k", k}}, count});
        if (bias) ops.push_back({op + ".bias", "residual_add", {{"t", t}, {"d", n}}, count});
    } else if (act == Activations::Fp16) {
        const int64_t group = weight_group(q, k);
        // AWQ: the input divided by the weights' per-channel factors on the vector unit first. A weight
        // format (-nf4, -mxfp4, ...) runs as the grouped weight-only GEMM at its block: the codes
        // decoded (a lookup) and scaled on the vector unit, then fp16 MACs.
        if (q.awq) ops.push_back({op + ".awq_scale", "scale_channels", {{"t", t}, {"d", k}}, count});
        ops.push_back(
            {op, w_bits == 4 ? "gemm_w4a16" : "gemm_w8a16", {{"m", t}, {"n", n}, {"k", k}, {"group", group}}, count});
        if (bias) ops.push_back({op + ".bias", "residual_add", {{"t", t}, {"d", n}}, count});
    } else if (q.dynamic) {
        ops.push_back(
            {op, w_bits == 4 ? "gemm_w4a8_dynamic" : "gemm_w8a8_dynamic", {{"m", t}, {"n", n}, {"k", k}}, count});
        if (bias) ops.push_back({op + ".bias", "residual_add", {{"t", t}, {"d", n}}, count});
    } else {
        // SmoothQuant's factors fold into a per-channel quantize; -outch dequantizes per channel.
        const char* quantize = q.smooth ? "quantize_channels" : "quantize";
        const char* dequantize = q.out_channels ? "dequantize_channels" : "dequantize";
        ops.push_back({op + ".quantize", quantize, {{"t", t}, {"d", k}}, count});
        ops.push_back({op, w_bits == 4 ? "gemm_w4a8" : "gemm_w8a8", {{"m", t}, {"n", n}, {"k", k}}, count});
        if (!q.shadow) {
            ops.push_back({op + ".dequantize", dequantize, {{"t", t}, {"d", n}}, count});
            return;
        }
        // Shadow outlier execution: the input's values beyond the clip (the recipe's share of them),
        // each times its channel's float weights, beside the quantize and MatMul (it reads their
        // input); its result is added to the dequantized MatMul's.
        if (q.shadow_percent <= 0)
            throw ModelError(
                "quantization recipe '" + q.name() +
                "': +shadow needs the share of activation values beyond the clip, +shadowP; npusim quant-eval "
                "measures it on real weights");
        ops.push_back({op + ".shadow",
                       "gemm_shadow",
                       {{"m", t}, {"n", n}, {"k", k}, {"nnz", shadow_outliers(q, t, k)}},
                       count,
                       0,
                       {3}});
        ops.push_back({op + ".dequantize", dequantize, {{"t", t}, {"d", n}}, count, 0, {2}});
        ops.push_back({op + ".shadow_add", "residual_add", {{"t", t}, {"d", n}}, count, 0, {1, 2}});
    }
}

// One decoder layer's ops for `t` new tokens attending to a context of `ctx` (them included).
void decoder_layer(std::vector<Op>& ops, const LayerCtx& c, int64_t t, int64_t ctx, int64_t capacity, int64_t count) {
    const ModelConfig& m = c.m;
    const QuantRecipe& q = c.q;
    const int64_t d = m.hidden, hd = m.head_dim, h = m.heads, hk = m.kv_heads;
    const int kv_bits = q.kv_bits;
    ops.push_back({"layer.input_norm", "rms_norm", {{"t", t}, {"d", d}}, count});
    linear(ops, c, "layer.qkv_proj", q.w_bits, t, (h + 2 * hk) * hd, d, count);
    ops.push_back({"layer.rope_q", "rope", {{"t", t}, {"h", h}, {"d", hd}}, count});
    ops.push_back({"layer.rope_k", "rope", {{"t", t}, {"h", hk}, {"d", hd}}, count});
    // An integer cache appends each token's scale and quantized values; an fp16 cache is the
    // projection's (and RoPE's) output itself.
    for (const char* kv : {"k", "v"}) {
        if (kv_bits == 16) continue;
        const Shape s = {{"t", t}, {"hk", hk}, {"d", hd}, {"kv_bits", kv_bits}};
        ops.push_back({std::string("layer.") + kv + "_cache_scale", "kv_scale", s, count});
        ops.push_back({std::string("layer.") + kv + "_cache_append", "kv_quantize", s, count});
    }
    ops.push_back({"layer.attention",
                   "attention",
                   {{"t", t},
                    {"ctx", ctx},
                    {"cap", std::max(capacity, ctx)},
                    {"h", h},
                    {"hk", hk},
                    {"d", hd},
                    {"kv_bits", kv_bits},
                    {"causal", 1}},
                   count});
    linear(ops, c, "layer.o_proj", q.w_bits, t, d, h * hd, count);
    ops.push_back({"layer.attn_residual", "residual_add", {{"t", t}, {"d", d}}, count});
    ops.push_back({"layer.post_norm", "rms_norm", {{"t", t}, {"d", d}}, count});
    linear(ops, c, "layer.gate_up_proj", q.w_bits, t, 2 * m.intermediate, d, count);
    ops.push_back(
        {"layer.mlp_act", m.activation == "gelu" ? "geglu" : "swiglu", {{"t", t}, {"d", m.intermediate}}, count});
    linear(ops, c, "layer.down_proj", q.w_bits, t, d, m.intermediate, count);
    ops.push_back({"layer.mlp_residual", "residual_add", {{"t", t}, {"d", d}}, count});
}

// One encoder (BERT) layer over `t` tokens: bidirectional attention, post-norm, a plain GELU MLP.
// K and V go through the same int8/int4 quantization as a decoder's cache, since the attention
// kernel reads them in that form.
void encoder_layer(std::vector<Op>& ops, const LayerCtx& c, int64_t t, int64_t count) {
    const ModelConfig& m = c.m;
    const QuantRecipe& q = c.q;
    const int64_t d = m.hidden, hd = m.head_dim, h = m.heads, hk = m.kv_heads;
    linear(ops, c, "layer.qkv_proj", q.w_bits, t, (h + 2 * hk) * hd, d, count);
    for (const char* kv : {"k", "v"}) {
        if (q.kv_bits == 16) continue;  // fp16 K and V are the projection's output
        const Shape s = {{"t", t}, {"hk", hk}, {"d", hd}, {"kv_bits", q.kv_bits}};
        ops.push_back({std::string("layer.") + kv + "_scale", "kv_scale", s, count});
        ops.push_back({std::string("layer.") + kv + "_quantize", "kv_quantize", s, count});
    }
    ops.push_back({"layer.attention",
                   "attention",
                   {{"t", t}, {"ctx", t}, {"h", h}, {"hk", hk}, {"d", hd}, {"kv_bits", q.kv_bits}, {"causal", 0}},
                   count});
    linear(ops, c, "layer.o_proj", q.w_bits, t, d, h * hd, count);
    ops.push_back({"layer.attn_residual", "residual_add", {{"t", t}, {"d", d}}, count});
    ops.push_back({"layer.attn_norm", "layer_norm", {{"t", t}, {"d", d}}, count});
    linear(ops, c, "layer.up_proj", q.w_bits, t, m.intermediate, d, count);
    ops.push_back({"layer.mlp_act", "gelu", {{"t", t}, {"d", m.intermediate}}, count});
    linear(ops, c, "layer.down_proj", q.w_bits, t, d, m.intermediate, count);
    ops.push_back({"layer.mlp_residual", "residual_add", {{"t", t}, {"d", d}}, count});
    ops.push_back({"layer.mlp_norm", "layer_norm", {{"t", t}, {"d", d}}, count});
}

// Runs of consecutive layers whose linears run at the same precisions (all of them, without
// per-layer overrides): each run's ops are emitted once, with count = its layers.
template <typename F>
void for_layer_runs(const ModelConfig& m, const QuantRecipe& q, F emit) {
    if (q.promote_percent > 0)
        throw ModelError("quantization recipe '" + q.name() +
                         "': +mpP picks the promoted linears from calibration data; npusim quant-eval resolves it "
                         "into +a16@ overrides");
    const std::vector<std::string> names =
        m.decoder ? std::vector<std::string>{"qkv_proj", "o_proj", "gate_up_proj", "down_proj"}
                  : std::vector<std::string>{"qkv_proj", "o_proj", "up_proj", "down_proj"};
    auto signature = [&](int64_t l) {
        std::string s;
        for (const auto& n : names)
            s += std::to_string(static_cast<int>(q.activations_of("layer." + std::to_string(l) + "." + n))) + ",";
        return s;
    };
    for (int64_t first = 0; first < m.layers;) {
        int64_t end = first + 1;
        while (end < m.layers && signature(end) == signature(first))
            ++end;
        emit(LayerCtx{m, q, first}, end - first);
        first = end;
    }
}

void require_decoder(const ModelConfig& m) {
    if (!m.decoder)
        throw ModelError(m.source + ": " + m.architecture +
                         " is an encoder without a KV cache or lm_head: it runs one bidirectional pass over the "
                         "prompt (decode 0)");
}

}  // namespace

std::vector<Op> prefill_ops(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t chunk,
                            int64_t capacity) {
    if (tokens < 1) throw ModelError("prefill needs at least one token");
    if (tokens > kMaxTokens)
        throw ModelError("prefill of " + std::to_string(tokens) + " tokens: at most " + std::to_string(kMaxTokens) +
                         " are modelled");
    if (!m.decoder) {
        // An encoder reads the whole sequence at once: word, position and token-type embeddings
        // (the last two a residual add each), LayerNorm, the layers.
        if (tokens > m.max_positions)
            throw ModelError(m.source + ": " + std::to_string(tokens) +
                             " tokens exceed max_position_embeddings = " + std::to_string(m.max_positions));
        std::vector<Op> ops;
        ops.push_back({"embedding", "embedding", {{"t", tokens}, {"d", m.hidden}, {"vocab", m.vocab}}, 1});
        ops.push_back({"embedding.positions", "residual_add", {{"t", tokens}, {"d", m.hidden}}, 2});
        ops.push_back({"embedding.norm", "layer_norm", {{"t", tokens}, {"d", m.hidden}}, 1});
        for_layer_runs(m, q, [&](const LayerCtx& c, int64_t n) { encoder_layer(ops, c, tokens, n); });
        return ops;
    }
    if (chunk < 1) throw ModelError("the prefill chunk must be at least one token");
    std::vector<Op> ops;
    ops.push_back({"embedding", "embedding", {{"t", tokens}, {"d", m.hidden}, {"vocab", m.vocab}}, 1});
    int64_t index = 0;
    for (int64_t start = 0; start < tokens; start += chunk, ++index) {
        const int64_t t = std::min(chunk, tokens - start);
        const size_t first = ops.size();
        for_layer_runs(m, q, [&](const LayerCtx& c, int64_t n) { decoder_layer(ops, c, t, start + t, capacity, n); });
        for (size_t i = first; i < ops.size(); ++i)
            ops[i].chunk = index;
    }
    // Logits only for the last token: it is the one the next step samples from.
    const size_t tail = ops.size();
    ops.push_back({"final_norm", "rms_norm", {{"t", 1}, {"d", m.hidden}}, 1});
    linear(ops, LayerCtx{m, q, -1}, "lm_head", q.head_w_bits, 1, m.vocab, m.hidden, 1);
    for (size_t i = tail; i < ops.size(); ++i)
        ops[i].chunk = index - 1;
    return ops;
}

std::vector<Op> decode_ops(const ModelConfig& m, const QuantRecipe& q, int64_t context, int64_t capacity) {
    require_decoder(m);
    if (context < 1 || context > kMaxTokens)
        throw ModelError("decode at a context of " + std::to_string(context) + " tokens: it must be 1 to " +
                         std::to_string(kMaxTokens));
    std::vector<Op> ops;
    ops.push_back({"embedding", "embedding", {{"t", 1}, {"d", m.hidden}, {"vocab", m.vocab}}, 1});
    for_layer_runs(m, q, [&](const LayerCtx& c, int64_t n) { decoder_layer(ops, c, 1, context, capacity, n); });
    ops.push_back({"final_norm", "rms_norm", {{"t", 1}, {"d", m.hidden}}, 1});
    linear(ops, LayerCtx{m, q, -1}, "lm_head", q.head_w_bits, 1, m.vocab, m.hidden, 1);
    return ops;
}

std::vector<Op> verify_ops(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t context,
                           int64_t capacity) {
    require_decoder(m);
    if (tokens < 1 || context < tokens || context > kMaxTokens)
        throw ModelError("verification needs 1 <= tokens <= context <= " + std::to_string(kMaxTokens));
    std::vector<Op> ops;
    ops.push_back({"embedding", "embedding", {{"t", tokens}, {"d", m.hidden}, {"vocab", m.vocab}}, 1});
    for_layer_runs(m, q, [&](const LayerCtx& c, int64_t n) { decoder_layer(ops, c, tokens, context, capacity, n); });
    ops.push_back({"final_norm", "rms_norm", {{"t", tokens}, {"d", m.hidden}}, 1});
    linear(ops, LayerCtx{m, q, -1}, "lm_head", q.head_w_bits, tokens, m.vocab, m.hidden, 1);
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
        if (q.has_format && bits == q.w_bits) {  // the format's elements and block scales (lm_head at +headN: integer)
            const quant::FormatSpec& f = quant::format_spec(q.format);
            return n * k * f.element_bits / 8 + n * (k / weight_group(q, k)) * f.scale_bits / 8;
        }
        const int64_t w = n * k * bits / 8;
        // (16-bit integer activations: one fp32 output scale per channel.)
        if (q.activations() == quant::Activations::Int16) return w + n * 4;
        return q.a_bits == 16 ? w + n * (k / weight_group(q, k)) * 2 : w + n * 12;
    };
    const int64_t hd = m.head_dim, qd = m.heads * hd, kvd = m.kv_heads * hd;
    int64_t layer = linear_bytes(qd + 2 * kvd, m.hidden, q.w_bits) + linear_bytes(m.hidden, qd, q.w_bits) +
                    linear_bytes(2 * m.intermediate, m.hidden, q.w_bits) +
                    linear_bytes(m.hidden, m.intermediate, q.w_bits) + 2 * m.hidden * 2;  // fp16 norm gains
    int64_t total = m.layers * layer + m.hidden * 2;                                      // the final norm's gain
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

Footprint footprint(const ModelConfig& m, const QuantRecipe& q, int64_t tokens, int64_t chunk, int64_t block) {
    Footprint f;
    if (m.decoder) f.kv_pages = kv_pages(m, q, tokens, block);  // an encoder keeps no cache between passes
    f.weights = static_cast<double>(weight_bytes(m, q));
    f.kv_cache = static_cast<double>(f.kv_pages.allocated_bytes);
    f.activations = static_cast<double>(peak_activation_bytes(m, chunk));
    return f;
}

int64_t max_context(const ModelConfig& m, const QuantRecipe& q, int64_t chunk, int64_t block, double budget) {
    const double fixed = static_cast<double>(weight_bytes(m, q) + peak_activation_bytes(m, chunk));
    if (fixed >= budget) return 0;
    const double per_block = static_cast<double>(block * kv_bytes_per_token(m, q));
    const int64_t fits = static_cast<int64_t>(std::floor((budget - fixed) / per_block)) * block;
    return m.max_positions > 0 ? std::min(fits, m.max_positions) : fits;
}

int64_t kv_bytes_per_token(const ModelConfig& m, const QuantRecipe& q) {
    // K and V: kv_heads x head_dim values at kv_bits, plus an fp16 scale per head (an fp16 cache
    // has none).
    return m.layers * 2 * (m.kv_heads * m.head_dim * q.kv_bits / 8 + (q.kv_bits < 16 ? m.kv_heads * 2 : 0));
}

}  // namespace npusim::models
