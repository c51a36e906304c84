// Quantization recipes (short names and YAML files read into the same data, per-layer overrides
// reach the simulated op list, bad recipes name what is wrong), observers and calibration files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "base/errors.h"
#include "models/model_config.h"
#include "models/workload.h"
#include "quant/calibration.h"
#include "quant/host_kernels.h"
#include "recipes/recipe.h"
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
    EXPECT_EQ(Recipe::parse("w4a16-per-channel").granularity, Granularity::Channel);
    const Recipe i16 = Recipe::parse("w4a16i+a16@layer.0.*");
    EXPECT_EQ(i16.activations(), Activations::Int16);
    EXPECT_EQ(i16.activations_of("layer.0.down_proj"), Activations::Fp16);
    EXPECT_EQ(i16.activations_of("layer.1.down_proj"), Activations::Int16);
    EXPECT_EQ(i16.granularity, Granularity::Channel);
    EXPECT_EQ(Recipe::parse("w8a16").activations(), Activations::Fp16);
    for (const char* name : {"w8a8+kv8",
                             "w4a16-g64+kv4+head8",
                             "w8a8-pct99.9+kv8+a16@layer.*.down_proj",
                             "w8a8+kv8+mp10",
                             "w4a8+kv8+rot",
                             "w4a8+kv16",
                             "w4a8-dynamic+kv8+head8",
                             "w4a16-per-channel+kv8",
                             "w8a8-per-tensor+kv8",
                             "w4a16i+kv8",
                             "w8a16i-per-tensor+kv8",
                             "w8a8-pct99.9+kv8+shadow0.1",
                             "w8a8+kv8+shadow",
                             "w8a8-smooth-outch+kv8",
                             "w4a8-gptq-smooth0.5+kv8",
                             "w4a16-g64-awq+kv8",
                             "w4a16-gptq-awq+kv8",
                             "w4a16-nf4+kv8",
                             "w4a16-g128-nf4+kv8",
                             "w4a16-mxfp4+kv8",
                             "w4a16-g64-int3+kv8",
                             "w8a16-fp8-e4m3+kv8",
                             "w8a16-mxint8+kv8",
                             "w8a16-fp8-e5m2+kv8"})
        EXPECT_EQ(Recipe::parse(name).name(), name);
    EXPECT_TRUE(glob_match("layer.1*.qkv_proj", "layer.12.qkv_proj"));
    EXPECT_FALSE(glob_match("layer.1*.qkv_proj", "layer.2.qkv_proj"));
}

TEST(QuantRecipe, YamlFileMatchesShortName) {
    const std::string path = testing::TempDir() + "recipe.yaml";
    std::ofstream(path) << "base: w4a16  # weight-only\ngroup: 64\nkv_bits: 4\nlm_head_bits: 8\n"
                           "a16:\n  mlp: layer.*.down_proj\n";
    EXPECT_EQ(Recipe::parse(path).name(), "w4a16-g64+kv4+head8+a16@layer.*.down_proj");
    std::ofstream(path) << "base: w8a8\nsmooth: 0.6\noutput_scales: per-channel\n";
    EXPECT_EQ(Recipe::parse(path).name(), "w8a8-smooth0.6-outch+kv8");
    std::ofstream(path) << "base: w4a16\nweights: awq\nsmooth: false\n";
    EXPECT_EQ(Recipe::parse(path).name(), "w4a16-awq+kv8");
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
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a16i-g64"); }),
                    "-g64: per-group weight scales need fp16 activations");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a16-dynamic"); }),
                    "unknown or unsupported option '-dynamic'");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-pct20"); }),
                    "unknown or unsupported option '-pct20'");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8+mp150"); }),
                    "unknown or unsupported option '+mp150'");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-per-tensor-gptq"); }),
                    "-gptq quantizes a row at a time: it needs per-channel or per-group weight scales");
    expect_contains(message_of<npu::UserError>([] {
                        const npusim::models::Linear l{"layer.0.o_proj", npusim::models::Matrix::Ones(8, 16),
                                                       Eigen::VectorXf::Zero(8)};
                        prepare(l, l.name, Recipe::parse("w4a16-gptq"), Calibration{});
                    }),
                    "-gptq: no calibration inputs of layer.0.o_proj (GPTQ needs the calibration pass's activations");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a16-smooth"); }),
                    "-smooth migrates activation outliers into the weights of static int8 linears: it needs a "
                    "static a8 base");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-dynamic-outch"); }),
                    "-outch sets static int8 output scales per channel: it needs a static a8 base");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a8-awq"); }),
                    "-awq scales the weights of weight-only linears: it needs fp16 activations");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-smooth1.5"); }),
                    "unknown or unsupported option '-smooth1.5'");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a8-nf4"); }),
                    "-nf4: the integer-activation GEMMs multiply integer weights and cannot consume this format");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a16-mxfp4"); }),
                    "-mxfp4 has 4-bit elements: the base must be w4a16");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a16-g64-mxfp4"); }),
                    "-mxfp4 has blocks of 32 (-g64 is not allowed)");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a16-nf4-per-channel"); }),
                    "-nf4 scales blocks of weights: -per-channel and -per-tensor do not apply");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a16-gptq-nf4"); }),
                    "-nf4: -gptq and -awq round to the integer grid");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w4a16-nf5"); }),
                    "unknown or unsupported option '-nf5'");
    expect_contains(message_of<npusim::models::ModelError>([] {
                        npusim::models::decode_ops(npusim::models::load_model("llama-3.2-1b"),
                                                   Recipe::parse("w4a16-g96-nf4"), 8);
                    }),
                    "nf4 blocks of 96 weights do not divide a linear's input of 2048");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-smooth+shadow"); }),
                    "+shadow and -smooth both treat the activation outliers: choose one");
    expect_contains(message_of<npu::UserError>([] {
                        const npusim::models::Linear l{"layer.0.o_proj", npusim::models::Matrix::Ones(8, 16),
                                                       Eigen::VectorXf::Zero(8)};
                        Calibration c;
                        c.scales = {{"layer.0.o_proj.in", 0.1f}, {"layer.0.o_proj.out", 0.1f}};
                        prepare(l, l.name, Recipe::parse("w8a8-outch"), c);
                    }),
                    "-outch: the calibration has no per-channel output clips of layer.0.o_proj");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a16+shadow"); }),
                    "+shadow runs the outliers beyond a static int8 clip on the CPU: it needs a static a8 base");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8-dynamic+shadow0.1"); }),
                    "it needs a static a8 base");
    expect_contains(message_of<npu::UserError>([] { Recipe::parse("w8a8+shadow200"); }),
                    "unknown or unsupported option '+shadow200'");
    expect_contains(message_of<npusim::models::ModelError>([] {
                        npusim::models::decode_ops(npusim::models::load_model("llama-3.2-1b"),
                                                   Recipe::parse("w8a8+shadow"), 8);
                    }),
                    "+shadow needs the share of activation values beyond the clip, +shadowP");
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
    // SmoothQuant's and -outch's per-channel conversions, AWQ's input scaling: one per linear.
    const auto smooth = kernels_of("w8a8-smooth-outch");
    EXPECT_EQ(smooth.at("quantize_channels"), base.at("quantize"));
    EXPECT_EQ(smooth.at("dequantize_channels"), base.at("dequantize"));
    EXPECT_EQ(smooth.count("quantize"), 0u);
    EXPECT_EQ(kernels_of("w4a16-awq").at("scale_channels"), kernels_of("w4a16").at("gemm_w4a16"));
    expect_contains(message_of<ModelError>([&] { decode_ops(m, Recipe::parse("w8a8+mp10"), 64); }),
                    "+mpP picks the promoted linears from calibration data");
}

TEST(QuantObserver, ClipsFollowTheObserver) {
    // A Laplace distribution (|x| = -ln(1 - u) on an even grid of u): a long tail, as activations.
    const int n = 100000;
    std::vector<float> x;
    for (int i = 0; i < n; ++i) {
        const float a = -std::log(1.0f - (static_cast<float>(i) + 0.5f) / n);
        x.push_back(i % 2 ? a : -a);
    }
    TensorObserver o("t");
    o.add(x.data(), x.size());
    std::vector<float> sorted;
    for (float v : x)
        sorted.push_back(std::fabs(v));
    std::sort(sorted.begin(), sorted.end());
    const float max = sorted.back();
    EXPECT_EQ(o.clip(Recipe::parse("w8a8"), 8), max);
    EXPECT_EQ(o.clip(Recipe::parse("w8a8-pct99"), 8), sorted[98999]);  // floor(0.99 x (n - 1))
    // MSE clips the tail for resolution on the bulk (about 10 for Laplace at 8 bits) and loses
    // less than the max; fewer bits clip harder.
    const float mse8 = o.clip(Recipe::parse("w8a8-mse"), 8), mse4 = o.clip(Recipe::parse("w8a8-mse"), 4);
    EXPECT_LT(mse8, max);
    EXPECT_GT(mse8, 0.6f * max);
    EXPECT_LT(mse4, mse8);
    EXPECT_LT(o.relative_error(mse8, 8), o.relative_error(max, 8));
    EXPECT_GT(o.relative_error(max, 4), o.relative_error(max, 8));
}

TEST(QuantObserver, NanInCalibrationDataNamesTheTensor) {
    TensorObserver o("layer.2.up_proj.in");
    const float bad[] = {1.0f, std::nanf(""), 2.0f};
    expect_contains(message_of<npu::UserError>([&] { o.add(bad, 3); }),
                    "calibration data of tensor 'layer.2.up_proj.in' holds a NaN or inf (value 1)");
    TensorObserver empty("e");
    expect_contains(message_of<npu::UserError>([&] { empty.clip(Recipe::parse("w8a8"), 8); }),
                    "tensor 'e' saw no calibration data");
}

TEST(QuantCalibration, FileRoundTripAndErrors) {
    Calibration c;
    c.recipe = "w8a8+kv8";
    c.scales = {{"layer.0.qkv_proj.in", 0.0123456789f}, {"layer.0.qkv_proj.out", 3.5f}};
    c.promoted = {"layer.5.down_proj"};
    const std::string path = testing::TempDir() + "c.calib";
    c.save(path);
    const Calibration back = Calibration::load(path);
    EXPECT_EQ(back.recipe, c.recipe);
    EXPECT_EQ(back.scales, c.scales);  // %.9g: float scales round-trip exactly
    EXPECT_EQ(back.promoted, c.promoted);
    expect_contains(message_of<npu::UserError>([&] { back.scale("layer.9.o_proj.in"); }),
                    "no scale for tensor 'layer.9.o_proj.in'");
    std::ofstream(path) << "recipe w8a8\nscale a -1\n";
    expect_contains(message_of<npu::UserError>([&] { Calibration::load(path); }),
                    "c.calib:2: the scale of 'a' must be a positive finite number, got '-1'");
    std::ofstream(path) << "scale a 1\n";
    expect_contains(message_of<npu::UserError>([&] { Calibration::load(path); }), "no 'recipe' line");
    std::ofstream(path) << "recipe w8a8\nscales a 1\n";
    expect_contains(message_of<npu::UserError>([&] { Calibration::load(path); }),
                    "c.calib:2: expected 'recipe NAME', 'scale TENSOR VALUE' or 'promote LINEAR'");
}

// Shadow outlier execution: the values beyond the static clip, computed in float and added to the
// int8 result, bring a linear back to its float output; the outliers are counted exactly.
TEST(ShadowOutliers, RecoverTheClippedValues) {
    using npusim::models::Matrix;
    const npu::NpuConfig cfg = npu::load_preset("default");
    npusim::models::Linear l{"layer.0.o_proj", Matrix::Zero(32, 64), Eigen::VectorXf::Zero(32)};
    for (int n = 0; n < 32; ++n)
        for (int k = 0; k < 64; ++k)
            l.w(n, k) = static_cast<float>(((n * 7 + k * 3) % 11) - 5) / 20;
    Matrix x(4, 64);
    for (int t = 0; t < 4; ++t)
        for (int k = 0; k < 64; ++k)
            x(t, k) = static_cast<float>(((t * 5 + k) % 9) - 4) / 8;  // within +-0.5
    x(1, 3) = 6;                                                      // three outliers, in two channels
    x(2, 3) = -5;
    x(3, 40) = 4;
    const Matrix reference = x * l.w.transpose();
    Calibration cal;
    cal.scales["layer.0.o_proj.in"] = 0.5f / 127;  // clips at 0.5
    cal.scales["layer.0.o_proj.out"] = static_cast<float>(reference.cwiseAbs().maxCoeff()) / 127;
    auto error = [&](const char* recipe, ShadowStats* stats) {
        HostNpu host(cfg, stats);
        const Matrix y = to_matrix(host.linear(prepare(l, l.name, Recipe::parse(recipe), cal), to_fp16(x)));
        return (y - reference).cwiseAbs().maxCoeff();
    };
    ShadowStats stats;
    const float clipped = error("w8a8", nullptr), shadowed = error("w8a8+shadow", &stats);
    EXPECT_GT(clipped, 1.0f);
    EXPECT_LT(shadowed, clipped / 20);
    EXPECT_EQ(stats.elements, 4 * 64);
    EXPECT_EQ(stats.outliers, 3);
    EXPECT_EQ(stats.outlier_channels, 2);
    EXPECT_DOUBLE_EQ(stats.channel_percent(), 100.0 * 2 / 64);
}

// The clip is the quantize kernel's own: [-128, 127] steps of the input scale, so a value below
// -128 steps adds exactly its excess (a +-127 clip would add one step too many).
TEST(ShadowOutliers, TheNegativeClipIsTheKernels) {
    using npusim::models::Matrix;
    const npu::NpuConfig cfg = npu::load_preset("default");
    npusim::models::Linear l{"layer.0.o_proj", Matrix::Zero(16, 32), Eigen::VectorXf::Zero(16)};
    l.w(0, 0) = 1;
    for (int r = 1; r < 16; ++r)
        l.w(r, 1) = 1;  // every row the same weight scale; column 1's input is zero
    Matrix x = Matrix::Zero(2, 32);
    x(0, 0) = -1.5f;  // beyond -128 / 127
    Calibration cal;
    cal.scales["layer.0.o_proj.in"] = 1.0f / 127;
    // The MatMul's -128 x 127 requantizes exactly to -127 output steps of (128 / 127) / 127.
    cal.scales["layer.0.o_proj.out"] = 128.0f / 127 / 127;
    HostNpu host(cfg);
    const Matrix y = to_matrix(host.linear(prepare(l, l.name, Recipe::parse("w8a8+shadow"), cal), to_fp16(x)));
    EXPECT_NEAR(y(0, 0), -1.5f, 1e-3f);  // -128/127 from the NPU, -1.5 + 128/127 from the CPU
    EXPECT_EQ(y(1, 0), 0.0f);
}

}  // namespace
