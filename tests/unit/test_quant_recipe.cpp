// Quantization recipes: short names and YAML files read into the same data, per-layer overrides
// reach the simulated op list, and bad recipes name what is wrong.
#include <gtest/gtest.h>

#include <fstream>

#include "models/model_config.h"
#include "models/workload.h"
#include "quant/recipe.h"
#include "sim/errors.h"
#include "tests/support/expect_message.h"

namespace {

using namespace npusim::quant;
using npusim::test::expect_contains;
using npusim::test::message_of;

TEST(QuantRecipe, ShortNames) {
    const Recipe a = Recipe::parse("w4a16-g64+kv4");
    EXPECT_EQ(a.w_bits, 4);
    EXPECT_EQ(a.a_bits, 16);
    EXPECT_EQ(a.granularity, Granularity::Group);
    EXPECT_EQ(a.group, 64);
    EXPECT_EQ(a.kv_bits, 4);
    const Recipe b = Recipe::parse("w8a8-pct99.9+head8+a16@layer.*.down_proj");
    EXPECT_EQ(b.observer, Observer::Percentile);
    EXPECT_DOUBLE_EQ(b.percentile, 99.9);
    EXPECT_EQ(b.a_bits_of("layer.3.down_proj"), 16);
    EXPECT_EQ(b.a_bits_of("layer.3.up_proj"), 8);
    EXPECT_TRUE(Recipe::parse("w8a8-dynamic").dynamic);
    EXPECT_EQ(Recipe::parse("w8a8-mse").observer, Observer::Mse);
    for (const char* name :
         {"w8a8+kv8", "w4a16-g64+kv4+head8", "w8a8-pct99.9+kv8+a16@layer.*.down_proj", "w8a8+kv8+mp10"})
        EXPECT_EQ(Recipe::parse(name).name(), name);
    EXPECT_TRUE(glob_match("layer.1*.qkv_proj", "layer.12.qkv_proj"));
    EXPECT_FALSE(glob_match("layer.1*.qkv_proj", "layer.2.qkv_proj"));
}

TEST(QuantRecipe, YamlFileMatchesShortName) {
    const std::string path = testing::TempDir() + "recipe.yaml";
    std::ofstream(path) << "base: w4a16  # weight-only\ngroup: 64\nkv_bits: 4\nlm_head_bits: 8\n"
                           "a16:\n  mlp: layer.*.down_proj\n";
    EXPECT_EQ(Recipe::parse(path).name(), "w4a16-g64+kv4+head8+a16@layer.*.down_proj");
    std::ofstream(path) << "base: w8a8\nobserver: histogram\n";
    expect_contains(message_of<npu::UserError>([&] { Recipe::parse(path); }),
                    "recipe.yaml:2: observer = 'histogram' is not a recipe field or value");
    std::ofstream(path) << "kv_bits: 4\n";
    expect_contains(message_of<npu::UserError>([&] { Recipe::parse(path); }), "the recipe needs `base:`");
}

TEST(QuantRecipe, Errors) {
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-asym"); }),
                    "asymmetric quantization is not supported");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-g128"); }),
                    "-g128: per-group weight scales need fp16 activations");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a8-dynamic"); }),
                    "unknown or unsupported option '-dynamic'");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-pct20"); }),
                    "unknown or unsupported option '-pct20'");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8+mp150"); }),
                    "unknown or unsupported option '+mp150'");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("/nonexistent.yaml"); }),
                    "/nonexistent.yaml: cannot read the quantization recipe");
}

TEST(QuantRecipe, OverridesReachTheSimulatedOps) {
    using namespace npusim::models;
    const ModelConfig m = load_model("llama-3.2-1b");
    auto kernels_of = [&](const std::string& recipe) {
        std::map<std::string, int64_t> count;  // kernel -> runs per pass
        for (const Op& op : decode_ops(m, Recipe::parse(recipe), 64))
            count[op.kernel] += op.count;
        return count;
    };
    const auto base = kernels_of("w8a8");
    const auto mixed = kernels_of("w8a8+a16@layer.1*.down_proj");  // layers 1 and 10..15
    EXPECT_EQ(base.at("gemm_w8a8"), 4 * 16 + 1);
    EXPECT_EQ(mixed.at("gemm_w8a8"), 4 * 16 + 1 - 7);
    EXPECT_EQ(mixed.at("gemm_w8a16"), 7);
    EXPECT_EQ(mixed.at("quantize"), base.at("quantize") - 7);
    expect_contains(message_of<ModelError>([&] { decode_ops(m, Recipe::parse("w8a8+mp10"), 64); }),
                    "+mpP picks the promoted linears from calibration data");
}

}  // namespace
