// Malformed model files: the error names the file, the line or the field, and what is allowed.
#include <gtest/gtest.h>

#include "base/json_reader.h"
#include "models/model_config.h"
#include "models/workload.h"
#include "tests/support/expect_message.h"

namespace {

using npusim::models::ModelError;
using npusim::models::parse_model;
using npusim::test::expect_contains;
using npusim::test::message_of;

std::string model_error(const std::string& json) {
    return message_of<npu::UserError>([&] { parse_model(json, "m.json", "m"); });
}

const char* kLlama = R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
  "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100})";

TEST(ModelErrors, MalformedJsonNamesLineAndColumn) {
    expect_contains(model_error("{\"a\": 1,\n \"b\": }"),
                    "m.json:2:7: syntax error while parsing value - unexpected '}'");
    expect_contains(model_error("{\"a\": 1 \"b\": 2}"),
                    "m.json:1:11: syntax error while parsing object - unexpected string literal; expected '}'");
    expect_contains(model_error("{\"a\": 01}"),
                    "m.json:1:8: syntax error while parsing object - unexpected number literal");
    expect_contains(model_error("{\"a\": 1, \"a\": 2}"), "m.json: duplicate key \"a\" in an object");
    expect_contains(model_error("[1, 2]"), "m.json: the top level must be a JSON object");
    expect_contains(model_error(std::string(100, '[')), "nesting deeper than 64 levels");
    expect_contains(model_error("{\"a\": \"x"),
                    "m.json:1:9: syntax error while parsing value - invalid string: missing closing quote");
}

TEST(ModelErrors, ArchitectureAndFields) {
    std::string j = kLlama;
    EXPECT_NO_THROW(parse_model(j, "m.json", "m"));
    auto with = [&](const std::string& from, const std::string& to) {
        std::string s = j;
        s.replace(s.find(from), from.size(), to);
        return model_error(s);
    };
    expect_contains(with("LlamaForCausalLM", "MambaForCausalLM"),
                    "m.json: field \"architectures\" names 'MambaForCausalLM', which npusim does not model "
                    "(supported: LlamaForCausalLM");
    expect_contains(with("\"hidden_size\": 64,", ""), "m.json: field \"hidden_size\" is missing");
    expect_contains(with("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"),
                    "field \"num_key_value_heads\" = 3 must divide num_attention_heads = 4");
    expect_contains(with("\"vocab_size\": 100", "\"vocab_size\": 1.5"), "field \"vocab_size\" must be an integer");
    expect_contains(with("\"vocab_size\": 100", "\"vocab_size\": -4"), "field \"vocab_size\" = -4 is outside [1, ");
    expect_contains(with("\"vocab_size\": 100", "\"vocab_size\": 100, \"hidden_act\": \"relu\""),
                    "field \"hidden_act\" is 'relu' (supported: silu, gelu");
    expect_contains(message_of<npu::UserError>([] { npusim::models::load_model("no-such-model"); }),
                    "unknown model 'no-such-model' (shipped: ");
    expect_contains(message_of<npu::UserError>([] { npusim::models::load_model("/nonexistent/config.json"); }),
                    "/nonexistent/config.json: cannot open the file");
}

TEST(ModelErrors, Recipes) {
    expect_contains(message_of<npu::UserError>([] { npusim::models::QuantRecipe::parse("w3a8"); }),
                    "quantization recipe 'w3a8': unknown base 'w3a8' (recipes: w8a8, w8a8-dynamic, w4a8");
    expect_contains(message_of<npu::UserError>([] { npusim::models::QuantRecipe::parse("w4a8+kv2"); }),
                    "unknown or unsupported option '+kv2'");
    EXPECT_EQ(npusim::models::QuantRecipe::parse("w4a16+kv4+head8").name(), "w4a16+kv4+head8");
}

TEST(ModelErrors, EncoderHasNoDecode) {
    const auto bert = parse_model(R"({"architectures": ["BertModel"], "hidden_size": 32, "intermediate_size": 64,
      "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 50, "max_position_embeddings": 16})",
                                  "b.json", "b");
    expect_contains(message_of<ModelError>([&] { npusim::models::decode_ops(bert, {}, 8); }),
                    "b.json: BertModel is an encoder without a KV cache or lm_head");
}

}  // namespace
