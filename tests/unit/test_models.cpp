// Shipped model configs: parsed architecture numbers and parameter counts against the published
// figures, and the op lists of prefill and decode against the architecture.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "models/model_config.h"
#include "models/workload.h"

namespace {

using namespace npusim::models;

struct Published {
    const char* model;
    double params;
    double tolerance;  // relative
};

// Model cards (the URLs are in each config's "_params_source"): figures with three significant
// digits are checked to 1 %; nominal sizes ("1.1B", "1.7B", "1.8B", "3.8B", "7B") to 5 %. Gemma's
// card says only "2B"; its Hub page lists 2.51B parameters, checked to 1 %. all-MiniLM-L6-v2's card
// gives no count; its Hub page lists 22.7M.
const Published kPublished[] = {
    {"llama-3.2-1b", 1.23e9, 0.01}, {"llama-3.2-3b", 3.21e9, 0.01}, {"qwen2.5-0.5b", 0.49e9, 0.01},
    {"qwen2.5-1.5b", 1.54e9, 0.01}, {"qwen2.5-3b", 3.09e9, 0.01},   {"tinyllama-1.1b", 1.1e9, 0.05},
    {"smollm2-1.7b", 1.7e9, 0.05},  {"qwen1.5-1.8b", 1.8e9, 0.05},  {"phi-3-mini", 3.8e9, 0.05},
    {"llama-2-7b", 7e9, 0.05},      {"gemma-2b", 2.51e9, 0.01},     {"all-minilm-l6-v2", 22.7e6, 0.01},
};

TEST(Models, ParameterCountsMatchPublishedFigures) {
    std::set<std::string> shipped;
    for (const auto& n : model_names())
        shipped.insert(n);
    for (const Published& p : kPublished) {
        EXPECT_TRUE(shipped.count(p.model)) << p.model;
        const ModelConfig m = load_model(p.model);
        const double ours = static_cast<double>(m.parameter_count());
        EXPECT_LE(std::abs(ours - p.params) / p.params, p.tolerance) << p.model << ": " << ours;
    }
    // Exact counts of the checkpoints, from the architecture alone.
    EXPECT_EQ(load_model("llama-3.2-1b").parameter_count(), 1235814400);
    EXPECT_EQ(load_model("qwen2.5-0.5b").parameter_count(), 494032768);
}

TEST(Models, ArchitecturesAreReadAsPublished) {
    const ModelConfig l = load_model("llama-3.2-1b");
    EXPECT_EQ(l.family, Family::Llama);
    EXPECT_EQ(l.layers, 16);
    EXPECT_EQ(l.heads / l.kv_heads, 4);  // grouped-query
    EXPECT_TRUE(l.tied_embeddings);
    const ModelConfig g = load_model("gemma-2b");
    EXPECT_EQ(g.head_dim, 256);  // given explicitly, not hidden / heads
    EXPECT_EQ(g.kv_heads, 1);
    EXPECT_EQ(g.activation, "gelu");
    EXPECT_TRUE(g.tied_embeddings);  // Hugging Face's default for Gemma
    EXPECT_TRUE(load_model("qwen2.5-1.5b").qkv_bias);
    const ModelConfig b = load_model("all-minilm-l6-v2");
    EXPECT_FALSE(b.decoder);
    EXPECT_EQ(b.norm, "layer");
}

// MACs of a pass from the op list, against 2 x params-per-token style counts from the config.
int64_t gemm_macs(const std::vector<Op>& ops) {
    int64_t macs = 0;
    for (const Op& op : ops)
        if (op.kernel.rfind("gemm_", 0) == 0) macs += op.shape.at("m") * op.shape.at("n") * op.shape.at("k") * op.count;
    return macs;
}

TEST(Models, OpListsCoverEveryWeightOnce) {
    const ModelConfig m = load_model("llama-3.2-1b");
    const QuantRecipe q = QuantRecipe::parse("w4a8");
    // One decode token multiplies every linear weight once: the layers' projections and the
    // lm_head (vocab x hidden).
    const int64_t hd = m.head_dim;
    const int64_t per_layer =
        m.hidden * (m.heads + 2 * m.kv_heads) * hd + m.heads * hd * m.hidden + 3 * m.hidden * m.intermediate;
    EXPECT_EQ(gemm_macs(decode_ops(m, q, 100)), m.layers * per_layer + m.vocab * m.hidden);
    // Prefill of S tokens: S times the layers' linears, the lm_head once (the last token).
    EXPECT_EQ(gemm_macs(prefill_ops(m, q, 64, 64)), 64 * m.layers * per_layer + m.vocab * m.hidden);
    // Chunking the prompt changes the attention contexts, not the projections.
    EXPECT_EQ(gemm_macs(prefill_ops(m, q, 64, 16)), gemm_macs(prefill_ops(m, q, 64, 64)));
    int attention_ops = 0;
    for (const Op& op : prefill_ops(m, q, 64, 16))
        if (op.kernel == "attention") {
            ++attention_ops;
            EXPECT_EQ(op.shape.at("ctx"), 16 * attention_ops);
        }
    EXPECT_EQ(attention_ops, 4);
    // An encoder: one bidirectional pass, every linear (no lm_head) once per token.
    const ModelConfig b = load_model("all-minilm-l6-v2");
    const int64_t bert_layer = 4 * b.hidden * b.hidden + 2 * b.hidden * b.intermediate;
    EXPECT_EQ(gemm_macs(prefill_ops(b, QuantRecipe::parse("w8a8"), 128, 128)), 128 * b.layers * bert_layer);
    for (const Op& op : prefill_ops(b, QuantRecipe::parse("w8a8"), 128, 128))
        if (op.kernel == "attention") {
            EXPECT_EQ(op.shape.at("causal"), 0);
        }
    // KV cache bytes per token: 16 layers x (K and V) x 8 heads x (64 int8 + an fp16 scale).
    EXPECT_EQ(kv_bytes_per_token(m, q), 16 * 2 * 8 * (64 + 2));
}

}  // namespace

namespace {

TEST(Models, WeightBytesFollowTheRecipeAndTying) {
    // Llama-3.2-1B ties lm_head to the embedding: one 4-bit copy. Per linear at int8
    // activations: packed weights plus 12 bytes per output channel (multiplier, shift, bias).
    const ModelConfig m = load_model("llama-3.2-1b");
    const int64_t d = 2048, f = 8192, kv = 512, L = 16, V = 128256;
    const int64_t per_layer = (d + 2 * kv) * d / 2 + (d + 2 * kv) * 12 + d * d / 2 + d * 12 + 2 * f * d / 2 +
                              2 * f * 12 + d * f / 2 + d * 12 + 2 * d * 2;
    EXPECT_EQ(weight_bytes(m, QuantRecipe::parse("w4a8")), L * per_layer + d * 2 + V * d / 2 + V * 12);
    // Within 1 % of parameters x 4 bits: the scales and fp16 norm gains are the rest.
    EXPECT_NEAR(static_cast<double>(weight_bytes(m, QuantRecipe::parse("w4a8"))), 1235814400 * 0.5,
                0.01 * 1235814400 * 0.5);
    // Llama-2-7B does not tie: its fp16 embedding table is stored besides the quantized lm_head.
    const ModelConfig l2 = load_model("llama-2-7b");
    const QuantRecipe w8 = QuantRecipe::parse("w8a8");
    EXPECT_EQ(weight_bytes(l2, w8) - weight_bytes(l2, QuantRecipe::parse("w8a8+head4")),
              32000 * 4096 / 2);                                 // only lm_head follows +head4
    EXPECT_GT(weight_bytes(l2, w8), 6738415616 + 32000 * 4096);  // every weight at 8 bits, plus the fp16 table
    // A weight format counts its own elements and block scales: NF4 an fp32 absmax per 64,
    // MXFP4 an 8-bit E8M0 per 32, int3 three bits and an fp16 scale per 128.
    auto format_linear = [&](const char* recipe) {
        return weight_bytes(m, QuantRecipe::parse(std::string(recipe) + "+head8")) -
               weight_bytes(m, QuantRecipe::parse("w4a16+head8"));
    };
    const int64_t weights = L * ((d + 2 * kv) * d + d * d + 2 * f * d + d * f);  // every linear's n x k (not lm_head)
    const int64_t g128 = weights / 128 * 2;                                      // w4a16's fp16 scales
    // (The int8 lm_head of +head8 takes the format's block as its group of fp16 scales.)
    auto head_scales = [&](int64_t group) { return V * d / group * 2 - V * d / 128 * 2; };
    EXPECT_EQ(format_linear("w4a16-nf4"), weights / 64 * 4 - g128 + head_scales(64));
    EXPECT_EQ(format_linear("w4a16-mxfp4"), weights / 32 - g128 + head_scales(32));
    EXPECT_EQ(format_linear("w4a16-int3"), weights * 3 / 8 - weights / 2);
    EXPECT_THROW(weight_bytes(m, QuantRecipe::parse("w4a16-g96-nf4")), npusim::models::ModelError);
}

TEST(Models, SpeculativeExpectedTokens) {
    // Leviathan et al. 2023, eq. 1: (1 - a^(k+1)) / (1 - a).
    EXPECT_NEAR(npusim::models::expected_tokens_per_step(0.7, 4), (1 - std::pow(0.7, 5)) / 0.3, 1e-12);
    EXPECT_DOUBLE_EQ(npusim::models::expected_tokens_per_step(0.0, 4), 1.0);  // only the target's own token
    EXPECT_DOUBLE_EQ(npusim::models::expected_tokens_per_step(1.0, 4), 5.0);  // every draft accepted
}

}  // namespace
