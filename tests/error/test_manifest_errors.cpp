// Deployment manifests (deploy/manifest.h): every mistake names the file, the line and the key;
// a target over its memory budget says by how much, before anything is simulated.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "base/errors.h"
#include "deploy/deploy_run.h"
#include "deploy/manifest.h"
#include "models/model_config.h"
#include "models/workload.h"
#include "tests/support/expect_message.h"

namespace {

using npusim::deploy::read_manifest;
using npusim::test::expect_contains;
using npusim::test::message_of;

std::string manifest(const std::string& text) {
    const std::string path = testing::TempDir() + "target.yaml";
    std::ofstream(path) << text;
    return path;
}

const char* kGood = "name: a phone\npreset: hexagon_8gen3\nmodel: llama-3.2-1b\nrecipe: w4a16i\n";

std::string error_of(const std::string& text) {
    return message_of<npu::UserError>([&] { read_manifest(manifest(text)); });
}

TEST(ManifestErrors, NameTheFileLineAndKey) {
    expect_contains(error_of(std::string(kGood) + "limits:\n  prompt: 512\n"),
                    "target.yaml:6: limits.prompt: not a manifest key (name, preset");
    expect_contains(error_of(std::string(kGood) + "placement:\n  attention: layer.attention=gpu\n"),
                    "target.yaml:6: placement.attention: 'layer.attention=gpu' is not one PATTERN=DEVICE");
    expect_contains(error_of("preset: hexagon_8gen3\nmodel: llama-3.2-1b\nrecipe: w3a8\n"),
                    "target.yaml:3: recipe: quantization recipe 'w3a8'");
    expect_contains(error_of("preset: hexagon_8gen3\nmodel: llama-3.2-1b\n"), "target.yaml:1: recipe.name: missing");
    expect_contains(error_of(std::string(kGood) + "limits:\n  output_tokens: lots\n"),
                    "target.yaml:6: limits.output_tokens: 'lots' is not a number of tokens from 1 to 1.04858e+06");
    expect_contains(error_of(std::string(kGood) + "limits:\n  output_tokens: 12.5\n"),
                    "target.yaml:6: limits.output_tokens: '12.5' is not a whole number of tokens");
    expect_contains(error_of(std::string(kGood) + "load: lazy\n"), "target.yaml:5: load: 'lazy' is not full or mmap");
    expect_contains(error_of(std::string(kGood) + "kv_cache:\n  bits: 2\n"),
                    "target.yaml:6: kv_cache.bits: '2' is not 4, 8 or 16");
    expect_contains(error_of("preset: x\nmodel: y\nrecipe: w8a8\nrecipe:\n  name: w8a8\n"),
                    "target.yaml:4: duplicate key 'recipe'");
    expect_contains(error_of(std::string(kGood) + "thermal:\n  seconds: -5\n"),
                    "target.yaml:6: thermal.seconds: '-5' is not a number of seconds from 1 to 86400");
    expect_contains(error_of("preset: x\nmodel: y\nrecipe:\n  name: w8a8\n  keep_fp16:\n    - x\n"),
                    "target.yaml:5: key 'recipe.keep_fp16' holds a list");
}

TEST(ManifestErrors, MappingsScalarsAndDuplicates) {
    expect_contains(error_of(std::string(kGood) + "placement: layer.attention=cpu\n"),
                    "target.yaml:5: placement: expects a mapping of keys to values");
    expect_contains(error_of(std::string(kGood) + "placement:\n  a: 'x=cpu,y=npu'\n"),
                    "target.yaml:6: placement.a: 'x=cpu,y=npu' is not one PATTERN=DEVICE");
    expect_contains(error_of(std::string(kGood) + "set:\n  thermal:\n    ambient_c: 30\nthermal:\n  ambient_c: 35\n"),
                    "target.yaml:9: thermal.ambient_c: set.thermal.ambient_c (line 7) sets it too; give it once");
    expect_contains(error_of(std::string(kGood) + "accuracy: nowhere.json\n"), "target.yaml:5: accuracy: ");
    expect_contains(error_of("preset: x\nmodel: y\nrecipe: w8a8+shadow\n"),
                    "target.yaml:3: recipe: +shadow needs the share of activation values beyond the clip");
    // Flow style: several rules on one line keep their order (first match first).
    const auto m = read_manifest(manifest(std::string(kGood) + "placement: {z: 'layer.*=npu', a: '*=cpu'}\n"));
    EXPECT_EQ(m.placement.text(), "layer.*=npu,*=cpu");
}

TEST(ManifestErrors, PresetModelAndOverridesAreNamedWhenRun) {
    auto run_error = [](const std::string& text) {
        return message_of<npu::UserError>([&] { npusim::deploy::run_manifest(read_manifest(manifest(text))); });
    };
    expect_contains(run_error("preset: snapdragon_99\nmodel: llama-3.2-1b\nrecipe: w8a8\n"), "target.yaml:1: preset: ");
    expect_contains(run_error("preset: default\nmodel: llama-9\nrecipe: w8a8\n"), "target.yaml:2: model: ");
    expect_contains(
        run_error("preset: default\nmodel: llama-3.2-1b\nrecipe: w8a8\nplacement:\n  a: layer.atention=cpu\n"),
        "target.yaml:5: placement: placement rule layer.atention=cpu matches no op of the model");
    expect_contains(run_error("preset: default\nmodel: llama-3.2-1b\nrecipe: w8a8\nset:\n  dram:\n    nope: 3\n"),
                    "target.yaml:6: set.dram.nope: ");
}

TEST(ManifestErrors, OverTheBudgetSaysByHowMuch) {
    const std::string path = manifest(
        "preset: hexagon_8gen3\nmodel: llama-3.2-3b\nrecipe: w8a16\nlimits:\n  memory_bytes: 2e9\n"
        "  prompt_tokens: 1024\n  output_tokens: 1024\n");
    const auto m = npusim::models::load_model("llama-3.2-3b");
    const auto q = npusim::models::QuantRecipe::parse("w8a16");
    const double need = static_cast<double>(npusim::models::weight_bytes(m, q) +
                                            npusim::models::kv_pages(m, q, 2048, 16).allocated_bytes +
                                            npusim::models::peak_activation_bytes(m, 1024));
    char over[64];
    std::snprintf(over, sizeof over, "over its budget of 2.00 GB (limits.memory_bytes) by %.2f GB", (need - 2e9) / 1e9);
    const std::string msg = message_of<npu::UserError>([&] { npusim::deploy::run_manifest(read_manifest(path)); });
    expect_contains(msg, path + ": llama-3.2-3b (w8a16+kv8) needs ");
    expect_contains(msg, over);
}

TEST(Manifest, ReadsEveryKey) {
    std::ofstream(testing::TempDir() + "eval.json") << "{\"recipes\": []}\n";
    const auto m = read_manifest(manifest(
        "name: t\npreset: default\nset:\n  dram:\n    efficiency: 0.6\nmodel: llama-3.2-1b\nrecipe:\n"
        "  name: w8a8\n  keep_fp16:\n    a: layer.0.down_proj\nplacement:\n  z: layer.attention=cpu\n"
        "  b: '*_norm=cpu'\n  a: layer.*=npu\nkv_cache:\n  bits: 4\n  block_tokens: 32\nlimits:\n  prompt_tokens: 64\n"
        "  output_tokens: 8\n  memory_bytes: 3e9\nload: mmap\nthermal:\n  seconds: 60\n  ambient_c: 35\n"
        "accuracy: eval.json\n"));
    EXPECT_EQ(m.recipe, "w8a8+kv4+a16@layer.0.down_proj");
    EXPECT_EQ(m.placement.text(), "layer.attention=cpu,*_norm=cpu,layer.*=npu");  // in file order
    EXPECT_EQ(m.set.at("dram.efficiency").value, "0.6");
    EXPECT_EQ(m.set.at("thermal.ambient_c").value, "35");
    EXPECT_EQ(m.kv_block, 32);
    EXPECT_EQ(m.prompt_tokens, 64);
    EXPECT_EQ(m.output_tokens, 8);
    EXPECT_DOUBLE_EQ(m.memory_bytes, 3e9);
    EXPECT_EQ(m.load, npusim::soc::LoadPath::Mmap);
    EXPECT_DOUBLE_EQ(m.sustained_s, 60);
    EXPECT_EQ(m.accuracy_file, testing::TempDir() + "eval.json");
}

}  // namespace
