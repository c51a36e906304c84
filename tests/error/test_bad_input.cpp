// The bad-input suite: one row per malformed input a user can hand npusim (a preset, a model
// config, a weights file, a program text, a schedule, a shape, a quantization recipe). Each row
// names the exception type it must raise and a part of the message, so a crash, a hang, a silent
// number or a vague message all fail. The other files in this folder check the same contracts
// case by case; this table covers the corners between them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "base/config_dir.h"
#include "base/errors.h"
#include "flow/gemm_flow.h"
#include "flow/kernel_flow.h"
#include "models/model_config.h"
#include "models/safetensors.h"
#include "models/workload.h"
#include "recipes/recipe.h"
#include "sim/config/npu_config.h"
#include "sim/simulator.h"
#include "tests/support/expect_message.h"

namespace {

using npusim::test::expect_contains;
using npusim::test::message_of;
namespace fs = std::filesystem;

struct BadInput {
    std::string name;
    std::function<std::string()> error;  // the message of the expected exception type
    std::string message;                 // a part of it
};

template <typename E>
std::function<std::string()> raises(std::function<void()> f) {
    return [f] { return message_of<E>(f); };
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    if (pos == std::string::npos) throw std::logic_error("test input lacks '" + from + "'");
    return text.replace(pos, from.size(), to);
}

std::string write_temp(const std::string& name, const std::string& text) {
    const fs::path p = fs::temp_directory_path() / ("npusim_bad_input_" + name);
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
}

// --- presets -------------------------------------------------------------------------------

std::string preset_text() {
    std::ifstream in(npu::config_dir() + "/npu/default.yaml");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::function<std::string()> preset(std::function<std::string()> text) {
    return raises<npu::ConfigError>([text] { npu::parse_preset(text(), "bad.yaml"); });
}

std::function<std::string()> preset_edit(std::string from, std::string to) {
    return preset([=] { return replace(preset_text(), from, to); });
}

// A GEMM compiled and simulated on the default preset with one value changed.
std::function<std::string()> gemm_on(std::string from, std::string to) {
    return raises<npu::ScheduleError>([=] {
        npusim::flow::GemmProblem p;
        p.m = p.n = p.k = 256;
        npusim::flow::simulate_gemm(p, npu::parse_preset(replace(preset_text(), from, to), "small.yaml"));
    });
}

// --- model configs -------------------------------------------------------------------------

const char* kLlama = R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
  "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100})";

std::function<std::string()> model(std::string json) {
    return raises<npu::UserError>([json] { npusim::models::parse_model(json, "m.json", "m"); });
}

std::function<std::string()> model_edit(std::string from, std::string to) {
    return model(replace(kLlama, from, to));
}

// --- safetensors ---------------------------------------------------------------------------

std::string with_length(uint64_t n, const std::string& rest) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i)
        s[static_cast<size_t>(i)] = static_cast<char>(n >> (8 * i) & 0xff);
    return s + rest;
}

// A file whose header is `header` followed by `data_bytes` zero bytes.
std::string safetensors(const std::string& header, size_t data_bytes) {
    return with_length(header.size(), header) + std::string(data_bytes, '\0');
}

std::function<std::string()> weights(std::string bytes,
                                     std::function<void(const npusim::models::SafeTensors&)> use = nullptr) {
    return raises<npu::UserError>([=] {
        auto t = npusim::models::SafeTensors::from_bytes(bytes, "w.safetensors");
        if (use) use(t);
    });
}

std::string one_f32(const std::string& shape, const std::string& offsets) {
    return R"({"t": {"dtype": "F32", "shape": )" + shape + R"(, "data_offsets": )" + offsets + "}}";
}

// --- program texts -------------------------------------------------------------------------

const char* kHeader = R"(program p
tensor x int8 shape=[1024] strides=[1] base=0 input
tensor y int8 shape=[1024] strides=[1] base=4096 output
sram a int8 level=l1 bytes=1024
token t init=0
token u init=0
)";

std::function<std::string()> program(std::string text) {
    return raises<npu::ProgramError>(
        [text] { npu::simulate(npu::parse_program(text, "p.npu"), npu::load_preset("default")); });
}

std::function<std::string()> program_body(std::string body) {
    return program(kHeader + body);
}

// --- kernels, shapes and schedules -----------------------------------------------------------

template <typename E>
std::function<std::string()> kernel(std::string name, npusim::schedules::Shape shape, npusim::schedules::Knobs knobs) {
    return raises<E>([=] {
        const npu::NpuConfig cfg = npu::load_preset("default");
        npusim::flow::simulate_kernel(npusim::flow::KernelCall(name, shape, knobs, cfg), cfg);
    });
}

std::function<std::string()> gemm_schedule(std::string text) {
    return raises<npu::ScheduleError>([text] { npusim::schedules::GemmSchedule::parse(text); });
}

// --- recipes and workloads -----------------------------------------------------------------

std::function<std::string()> recipe(std::string text) {
    return raises<npu::UserError>([text] { npusim::quant::Recipe::parse(text); });
}

std::function<std::string()> recipe_yaml(std::string name, std::string text) {
    return raises<npu::UserError>([=] { npusim::quant::Recipe::parse(write_temp(name, text)); });
}

std::function<std::string()> workload(
    std::function<void(const npusim::models::ModelConfig&, const npusim::models::QuantRecipe&)> f) {
    return raises<npu::UserError>(
        [f] { f(npusim::models::parse_model(kLlama, "m.json", "m"), npusim::models::QuantRecipe::parse("w8a8")); });
}

std::vector<BadInput> cases() {
    const std::string big = "1099511627776";  // 2^40
    return {
        // Presets: malformed, truncated, wrong types, out of range, unknown keys.
        {"PresetEmpty", preset([] { return std::string(); }), "bad.yaml: missing key(s): name, description, clock_mhz"},
        {"PresetTruncatedHalfway", preset([] { return preset_text().substr(0, preset_text().find("mac:")); }),
         "missing key(s): mac.rows"},
        {"PresetTruncatedMidKey", preset([] { return preset_text().substr(0, preset_text().find("burst_bytes") + 5); }),
         "key 'dram.burst' has no value"},
        {"PresetIntegerOverflowsInt64", preset_edit("  rows: 32", "  rows: 9223372036854775808"),
         "key 'mac.rows' = 9223372036854775808 is out of range"},
        {"PresetNegativeEnergy", preset_edit("mac_int8_pj: 0.15", "mac_int8_pj: -0.15"),
         "key 'energy.mac_int8_pj' = -0.15 is out of range"},
        {"PresetInfiniteClock", preset_edit("clock_mhz: 1000", "clock_mhz: inf"), "key 'clock_mhz' = inf"},
        {"PresetClockBeyondDouble", preset_edit("clock_mhz: 1000", "clock_mhz: 1e999"), "key 'clock_mhz' = 1e999"},
        {"PresetMapWhereNumber", preset_edit("clock_mhz: 1000", "clock_mhz:\n  ghz: 1"), "clock_mhz"},
        {"PresetUnknownSection", preset([] { return preset_text() + "cache:\n  bytes: 4\n"; }),
         "unknown key 'cache.bytes'"},
        {"PresetUnknownVectorOp", preset_edit("    exp: 4", "    exp: 4\n    sqrt: 4"),
         "unknown key 'vector.cost.sqrt'"},
        {"PresetTwoValues", preset_edit("  rows: 32", "  rows: 32 32"), "key 'mac.rows' must be an integer"},
        {"PresetBoolForInteger", preset_edit("  rows: 32", "  rows: true"), "key 'mac.rows' must be an integer"},
        {"PresetNulByte",
         preset_edit("  rows: 32", std::string("  rows: 3\0"
                                               "2",
                                               11)),
         "control character (byte 0); expected plain text"},
        {"PresetZeroClock", preset_edit("clock_mhz: 1000", "clock_mhz: 0"), "key 'clock_mhz' = 0 is out of range"},
        {"PresetNegativeRuntimeCost", preset_edit("graph_execute_us: 50", "graph_execute_us: -5"),
         "key 'runtime.graph_execute_us' = -5 is out of range [0, 1000000] us"},
        {"PresetUnknownDeployment", preset_edit("deployment: graph", "deployment: layer"),
         "key 'runtime.deployment' = 'layer' is not one of graph|op"},
        {"PresetNegativePairRate", preset_edit("a8w4_per_pe_cycle: 2", "a8w4_per_pe_cycle: -1"),
         "key 'mac.a8w4_per_pe_cycle' = -1 is out of range [0, 64]"},
        {"PresetHugeCapacity", preset_edit("capacity_bytes: 8e9", "capacity_bytes: 1e30"),
         "key 'dram.capacity_bytes' = 1e30 is out of range"},
        {"PresetFileIsADirectory", raises<npu::ConfigError>([] {
             fs::create_directories(fs::temp_directory_path() / "npusim_dir.yaml");
             npu::load_preset((fs::temp_directory_path() / "npusim_dir.yaml").string());
         }),
         "npusim_dir.yaml"},
        {"SramTooSmallForAnyTile", gemm_on("  l1_bytes: 1048576", "  l1_bytes: 64"), "SRAM level 'l1' overflows"},
        {"AccumulatorTooSmallForAnyTile", gemm_on("  acc_bytes: 262144", "  acc_bytes: 64"),
         "SRAM level 'acc' overflows"},

        // Model configs (config.json).
        {"ModelEmptyFile", model(""), "m.json:1:1"},
        {"ModelTruncated", model(std::string(kLlama).substr(0, 60)), "m.json:1:"},
        {"ModelIntegerOverflowsInt64", model_edit("\"hidden_size\": 64", "\"hidden_size\": 99999999999999999999"),
         "field \"hidden_size\" = 1e+20 is outside [1, "},
        {"ModelNaNLiteral", model_edit("\"vocab_size\": 100", "\"vocab_size\": 100, \"rope_theta\": NaN"),
         "m.json:2:112: syntax error while parsing value - invalid literal; last read: '\"rope_theta\": N'"},
        {"ModelInfinityLiteral", model_edit("\"vocab_size\": 100", "\"vocab_size\": 100, \"rope_theta\": Infinity"),
         "m.json:2:112: syntax error while parsing value - invalid literal; last read: '\"rope_theta\": I'"},
        {"ModelNumberBeyondDouble", model_edit("\"vocab_size\": 100", "\"vocab_size\": 1e999"),
         "m.json: number overflow parsing '1e999'"},
        {"ModelStringForInteger", model_edit("\"hidden_size\": 64", "\"hidden_size\": \"64\""),
         "field \"hidden_size\" must be an integer"},
        {"ModelZeroLayers", model_edit("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 0"),
         "field \"num_hidden_layers\" = 0 is outside [1, "},
        {"ModelHiddenOf2Pow40", model_edit("\"hidden_size\": 64", "\"hidden_size\": " + big),
         "field \"hidden_size\" = 1099511627776 is outside"},
        {"ModelHeadsNotDividingHidden", model_edit("\"num_attention_heads\": 4", "\"num_attention_heads\": 3"),
         "num_attention_heads"},
        {"ModelNoArchitecture", model_edit("[\"LlamaForCausalLM\"]", "[]"), "field \"architectures\""},
        {"ModelArchitectureNotAList", model_edit("[\"LlamaForCausalLM\"]", "\"LlamaForCausalLM\""),
         "field \"architectures\""},
        {"ModelControlCharacterInString", model_edit("LlamaForCausalLM", "Llama\x01"), "control character"},
        {"ModelTrailingGarbage", model(std::string(kLlama) + " x"),
         "m.json:2:98: syntax error while parsing value - invalid literal; last read: '100} x'; expected end of input"},
        {"ModelNegativeRopeTheta", model_edit("\"vocab_size\": 100", "\"vocab_size\": 100, \"rope_theta\": -1"),
         "field \"rope_theta\" must be a number in (0"},
        {"ModelBoolAsString",
         model_edit("\"vocab_size\": 100", "\"vocab_size\": 100, \"tie_word_embeddings\": \"yes\""),
         "field \"tie_word_embeddings\" must be true or false"},

        // Safetensors: truncated or lying headers and data.
        {"WeightsShorterThanLength", weights("abc"), "w.safetensors: not a safetensors file"},
        {"WeightsHeaderLengthBeyondFile", weights(with_length(1000, "{}")),
         "safetensors header length 1000 exceeds the file (10 bytes)"},
        {"WeightsHeaderLength2Pow63", weights(with_length(uint64_t{1} << 63, "{}")),
         "safetensors header length 9223372036854775808 exceeds the file"},
        {"WeightsHeaderNotJson", weights(safetensors("{\"t\": ", 0)), "w.safetensors (header)"},
        {"WeightsHeaderNotAnObject", weights(safetensors("[1, 2]", 0)), "the safetensors header is not an object"},
        {"WeightsUnknownDtype",
         weights(safetensors(R"({"t": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}})", 1)),
         "tensor 't': unknown dtype 'F8'"},
        {"WeightsNegativeExtent", weights(safetensors(one_f32("[-1]", "[0, 4]"), 4)),
         "shape entries must be non-negative integers"},
        {"WeightsOffsetsPastTheEnd", weights(safetensors(one_f32("[4]", "[0, 16]"), 8)),
         "data_offsets [0, 16) lie outside the 8 data bytes"},
        {"WeightsOffsetsReversed", weights(safetensors(one_f32("[1]", "[4, 0]"), 8)), "data_offsets [4, 0)"},
        {"WeightsByteCountLies", weights(safetensors(one_f32("[2, 2]", "[0, 8]"), 8)),
         "8 data bytes for 4 F32 elements"},
        {"WeightsOverlap",
         weights(safetensors(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                             12)),
         "two tensors' data overlap"},
        {"WeightsExtentProductWraps", weights(safetensors(one_f32("[549755813888, 1000000000000]", "[0, 0]"), 0)),
         "more than 2^40 elements"},
        {"WeightsOffsetBeyondDouble", weights(safetensors(one_f32("[1]", "[0, 1e300]"), 4)),
         "data_offsets must be non-negative integers"},
        {"WeightsMissingFields", weights(safetensors(R"({"t": {"dtype": "F32"}})", 0)),
         "needs dtype (string), shape (array) and data_offsets"},
        {"WeightsNaNInData",
         weights(
             [] {
                 std::string f = safetensors(one_f32("[2]", "[0, 8]"), 8);
                 const float nan = std::nanf("");
                 std::memcpy(&f[f.size() - 4], &nan, 4);
                 return f;
             }(),
             [](const npusim::models::SafeTensors& t) { t.floats("t"); }),
         "NaN"},
        {"WeightsShapeNotAsExpected",
         weights(safetensors(one_f32("[2]", "[0, 8]"), 8),
                 [](const npusim::models::SafeTensors& t) {
                     t.floats("t", {1, 2});
                 }),
         "tensor 't' has shape [2], expected [1, 2]"},
        {"WeightsNoSuchTensor",
         weights(safetensors(one_f32("[2]", "[0, 8]"), 8),
                 [](const npusim::models::SafeTensors& t) { t.floats("q_proj"); }),
         "w.safetensors: no tensor 'q_proj'"},

        // Program texts: dangling tokens, cycles of waits, truncation, arithmetic traps.
        {"ProgramCycleOfWaits",
         program_body("fork {\n thread { wait t count=1\n signal u count=1 }\n"
                      " thread { wait u count=1\n signal t count=1 }\n}\n"),
         "deadlocked"},
        {"ProgramWaitOnUndeclaredToken", program_body("wait nope count=1\n"), "unknown token 'nope'"},
        {"ProgramExtraClosingBrace", program_body("}\n"), "p.npu:7"},
        {"ProgramUnterminatedFork", program_body("fork {\n thread { signal t count=1 }\n"),
         "expected 'thread', found 'end of text'"},
        {"ProgramTokenUsedBeforeItsDeclaration", program_body("signal v count=1\ntoken v init=0\n"),
         "unknown token 'v' (no `token v` in scope)"},
        {"ProgramTensorDeclaredTwice",
         program("program p\ntensor x int8 shape=[4] strides=[1] base=0 input\n"
                 "tensor x int8 shape=[4] strides=[1] base=64 input\n"),
         "tensor 'x' is declared twice"},
        {"ProgramWithoutHeader", program("tensor x int8 shape=[4] strides=[1] base=0 input\n"), "p.npu:1"},
        {"ProgramEmpty", program(""), "p.npu"},
        {"ProgramTruncatedStatement", program_body("dma_in x offset=0 box=[4:1] ->"), "p.npu:7"},
        {"ProgramDivisionByZero", program_body("vector copy elements=(4 / 0) dtype=int8 in=[a] out=a\n"),
         "an expression overflows 64-bit integers or divides by zero"},
        {"ProgramModuloByZero", program_body("vector copy elements=(4 % 0) dtype=int8 in=[a] out=a\n"),
         "divides by zero"},
        {"ProgramNegativeLoopExtent", program_body("loop i min=0 extent=-1 {\n}\n"),
         "the loop extent is -1; it must not be negative"},
        {"ProgramNulByte", program_body(std::string("signal t count=1\0\n", 18)), "p.npu:7"},
        {"ProgramSignalOverflowsToken",
         program_body("signal t count=(999999999999999999*9)\nsignal t count=(999999999999999999*9)\n"),
         "token 't' would count past 2^63"},

        // Schedules: splits by zero, knobs out of range, tiles the SRAM cannot hold.
        {"GemmSplitByZero", gemm_schedule("tile_k=0"), "schedule knob tile_k must be an integer in [1, 1048576]"},
        {"GemmNegativeTile", gemm_schedule("tile_n=-8"), "schedule knob tile_n must be an integer"},
        {"GemmTileNotANumber", gemm_schedule("tile_m=abc"), "got 'abc'"},
        {"GemmTileBeyondInt64", gemm_schedule("tile_m=99999999999999999999"), "schedule knob tile_m"},
        {"KernelSplitByZero", kernel<npu::ScheduleError>("rms_norm", {}, {{"tile_t", "0"}}),
         "schedule knob tile_t must be an integer in [1, 1048576], got '0'"},
        {"KernelUnknownKnob", kernel<npu::ScheduleError>("rms_norm", {}, {{"tile_q", "4"}}), "tile_q"},
        {"KernelUnknownName", kernel<npu::ShapeError>("conv3d", {}, {}), "unknown kernel 'conv3d'"},
        {"KernelShapeZero", kernel<npu::ShapeError>("rms_norm", {{"t", 0}}, {}), "t = 0 is outside [1, "},
        {"KernelShape2Pow40", kernel<npu::ShapeError>("rms_norm", {{"t", int64_t{1} << 40}}, {}),
         "t = 1099511627776 is outside"},
        {"KernelUnknownDimension", kernel<npu::ShapeError>("rms_norm", {{"z", 4}}, {}), "'z'"},
        {"KernelOddHeadDimension", kernel<npu::ShapeError>("rope", {{"d", 63}}, {}), "d"},

        // Quantization recipes.
        {"RecipeThreeBitActivations", recipe("w8a3"), "quantization recipe 'w8a3': unknown base 'w8a3'"},
        {"RecipeGroupSizeZero", recipe("w4a16-g0"), "unknown or unsupported option '-g0'"},
        {"RecipeGroupSizeFraction", recipe("w4a16-g12.5"), "'-g12.5'"},
        {"RecipeGroupOnInt8Activations", recipe("w8a8-g64"), "per-group weight scales need fp16 activations"},
        {"RecipeGroupOnInt16Activations", recipe("w4a16i-g64"), "per-group weight scales need fp16 activations"},
        {"RecipeDynamicInt16Activations", recipe("w4a16i-dynamic"), "unknown or unsupported option '-dynamic'"},
        {"RecipePercentileAbove100", recipe("w8a8-pct150"), "'-pct150'"},
        {"RecipePercentileNaN", recipe("w8a8-pctnan"), "'-pctnan'"},
        {"RecipePromoteAbove100", recipe("w8a8+mp150"), "'+mp150'"},
        {"RecipeEmpty", recipe(""), "empty recipe"},
        {"RecipeAsymmetric", recipe("w8a8-asym"), "asymmetric quantization is not supported"},
        {"RecipeYamlUnknownKey", recipe_yaml("unknown.yaml", "base: w8a8\nrounding: stochastic\n"),
         "rounding = 'stochastic' is not a recipe field or value"},
        {"RecipeYamlThreeBitActivations", recipe_yaml("a3.yaml", "base: w8a3\n"), "unknown base 'w8a3'"},
        {"RecipeYamlGroupZero", recipe_yaml("g0.yaml", "base: w4a16\ngroup: 0\n"), "group = '0' is not allowed here"},
        {"RecipeYamlMissingBase", recipe_yaml("nobase.yaml", "group: 64\n"), "the recipe needs `base:`"},

        // Workload shapes.
        {"PrefillZeroTokens", workload([](const auto& m, const auto& q) { npusim::models::prefill_ops(m, q, 0, 1); }),
         "prefill needs at least one token"},
        {"Prefill2Pow40Tokens",
         workload([](const auto& m, const auto& q) { npusim::models::prefill_ops(m, q, int64_t{1} << 40, 1); }),
         "prefill of 1099511627776 tokens: at most 1048576 are modelled"},
        {"DecodeNegativeContext", workload([](const auto& m, const auto& q) { npusim::models::decode_ops(m, q, -1); }),
         "decode at a context of -1 tokens: it must be 1 to 1048576"},
    };
}

class BadInputTest : public testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, RaisesAClearError) {
    expect_contains(GetParam().error(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInputTest, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<BadInput>& i) { return i.param.name; });

}  // namespace
