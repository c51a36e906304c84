#include "models/model_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "base/config_dir.h"
#include "base/json_reader.h"

namespace npusim::models {

namespace {

// An integral JSON number as written; beyond int64 it may not be cast, so it is printed as a double.
std::string number_text(double x) {
    if (std::fabs(x) < 0x1p62) return std::to_string(static_cast<long long>(x));
    std::ostringstream s;
    s << x;
    return s.str();
}

using nlohmann::json;

struct Reader {
    const json& root;
    const std::string& source;

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw ModelError(source + ": field \"" + field + "\" " + what);
    }
    const json* find(const std::string& field) const {
        auto it = root.find(field);
        return it == root.end() ? nullptr : &*it;
    }
    int64_t integer(const std::string& field, int64_t lo, int64_t hi) const {
        const json* v = find(field);
        if (!v) fail(field, "is missing");
        return checked(field, *v, lo, hi);
    }
    int64_t integer_or(const std::string& field, int64_t fallback, int64_t lo, int64_t hi) const {
        const json* v = find(field);
        if (!v || v->is_null()) return fallback;
        return checked(field, *v, lo, hi);
    }
    int64_t checked(const std::string& field, const json& v, int64_t lo, int64_t hi) const {
        if (!v.is_number() || v.get<double>() != std::floor(v.get<double>())) fail(field, "must be an integer");
        const double x = v.get<double>();
        if (x < static_cast<double>(lo) || x > static_cast<double>(hi))
            fail(field, "= " + number_text(x) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        return static_cast<int64_t>(x);
    }
    bool boolean_or(const std::string& field, bool fallback) const {
        const json* v = find(field);
        if (!v) return fallback;
        if (!v->is_boolean()) fail(field, "must be true or false");
        return v->get<bool>();
    }
    double number_or(const std::string& field, double fallback, double lo, double hi) const {
        const json* v = find(field);
        if (!v) return fallback;
        if (!v->is_number() || !(v->get<double>() > lo && v->get<double>() < hi))
            fail(field, "must be a number in (" + std::to_string(lo) + ", " + std::to_string(hi) + ")");
        return v->get<double>();
    }
    std::string string_or(const std::string& field, const std::string& fallback) const {
        const json* v = find(field);
        if (!v) return fallback;
        if (!v->is_string()) fail(field, "must be a string");
        return v->get<std::string>();
    }
};

std::string config_dir() {
    return npu::config_dir() + "/models";
}

}  // namespace

ModelConfig parse_model(const std::string& json_text, const std::string& source, const std::string& name) {
    const json root = npu::parse_json(json_text, source);
    if (!root.is_object()) throw ModelError(source + ": the top level must be a JSON object");
    const Reader r{root, source};
    const json* arch = r.find("architectures");
    if (!arch || !arch->is_array() || arch->size() != 1 || !(*arch)[0].is_string())
        r.fail("architectures", "must be a list of one architecture name");
    ModelConfig c;
    c.name = name;
    c.source = source;
    c.architecture = (*arch)[0].get<std::string>();
    const int64_t kBig = int64_t{1} << 24;
    if (c.architecture == "LlamaForCausalLM")
        c.family = Family::Llama;
    else if (c.architecture == "Qwen2ForCausalLM")
        c.family = Family::Qwen2;
    else if (c.architecture == "Phi3ForCausalLM")
        c.family = Family::Phi3;
    else if (c.architecture == "GemmaForCausalLM")
        c.family = Family::Gemma;
    else if (c.architecture == "BertModel")
        c.family = Family::Bert;
    else
        r.fail("architectures", "names '" + c.architecture +
                                    "', which npusim does not model (supported: LlamaForCausalLM, Qwen2ForCausalLM, "
                                    "Phi3ForCausalLM, GemmaForCausalLM, BertModel)");
    c.hidden = r.integer("hidden_size", 1, kBig);
    c.intermediate = r.integer("intermediate_size", 1, kBig);
    c.layers = r.integer("num_hidden_layers", 1, 4096);
    c.heads = r.integer("num_attention_heads", 1, 4096);
    c.kv_heads = r.integer_or("num_key_value_heads", c.heads, 1, c.heads);
    if (c.heads % c.kv_heads)
        r.fail("num_key_value_heads",
               "= " + std::to_string(c.kv_heads) + " must divide num_attention_heads = " + std::to_string(c.heads));
    if (!root.contains("head_dim") && c.hidden % c.heads)
        r.fail("num_attention_heads", "= " + std::to_string(c.heads) + " must divide hidden_size = " +
                                          std::to_string(c.hidden) + " (or give head_dim)");
    c.head_dim = r.integer_or("head_dim", c.hidden / c.heads, 1, 4096);
    c.vocab = r.integer("vocab_size", 1, kBig);
    c.max_positions = r.integer_or("max_position_embeddings", 0, 0, int64_t{1} << 30);
    const std::string act = r.string_or("hidden_act", c.family == Family::Gemma ? "gelu" : "silu");
    if (act == "silu" || act == "swish")
        c.activation = "silu";
    else if (act.rfind("gelu", 0) == 0)
        c.activation = "gelu";
    else
        r.fail("hidden_act", "is '" + act + "' (supported: silu, gelu and its variants)");
    if (c.family == Family::Bert) {
        c.decoder = false;
        c.gated_mlp = false;
        c.qkv_bias = c.all_bias = true;
        c.norm = "layer";
        c.type_vocab = r.integer_or("type_vocab_size", 2, 0, kBig);
        c.norm_eps = r.number_or("layer_norm_eps", 1e-12, 0, 1);
        if (c.max_positions == 0) r.fail("max_position_embeddings", "is missing (BERT learns its positions)");
    } else {
        c.norm = "rms";
        c.norm_eps = r.number_or("rms_norm_eps", 1e-6, 0, 1);
        c.rope_theta = r.number_or("rope_theta", 10000, 0, 1e12);
        c.qkv_bias = c.family == Family::Qwen2 || r.boolean_or("attention_bias", false);
        // Hugging Face's defaults: Gemma ties its lm_head to the embeddings, the others do not.
        c.tied_embeddings = r.boolean_or("tie_word_embeddings", c.family == Family::Gemma);
    }
    return c;
}

int64_t ModelConfig::parameter_count() const {
    const int64_t q = heads * head_dim, kv = kv_heads * head_dim;
    int64_t layer = hidden * q + 2 * hidden * kv + q * hidden;  // q, k, v, o
    if (qkv_bias) layer += q + 2 * kv;
    if (all_bias) layer += hidden + intermediate + hidden;  // o, up, down biases
    layer += (gated_mlp ? 3 : 2) * hidden * intermediate;
    layer += (norm == "layer" ? 2 : 1) * 2 * hidden;  // two norms (LayerNorm has a bias)
    int64_t total = layers * layer + vocab * hidden;
    if (decoder) {
        total += hidden;  // final norm
        if (!tied_embeddings) total += vocab * hidden;
    } else {
        total += max_positions * hidden + type_vocab * hidden + 2 * hidden;  // positions, types, embedding LayerNorm
        total += hidden * hidden + hidden;                                   // pooler
    }
    return total;
}

std::vector<std::string> model_names() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(config_dir(), ec))
        if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

ModelConfig load_model(const std::string& name_or_path) {
    std::string path = name_or_path, name = name_or_path;
    if (name_or_path.find('/') == std::string::npos && name_or_path.find(".json") == std::string::npos) {
        path = config_dir() + "/" + name_or_path + ".json";
        if (!std::filesystem::exists(path)) {
            std::string known;
            for (const auto& n : model_names())
                known += (known.empty() ? "" : ", ") + n;
            throw ModelError("unknown model '" + name_or_path + "' (shipped: " + known +
                             "; or give a path to a config.json)");
        }
    } else {
        const auto slash = name_or_path.rfind('/');
        name = slash == std::string::npos ? name_or_path : name_or_path.substr(slash + 1);
    }
    return parse_model(npu::read_text_file(path, 4u << 20, "a model config"), path, name);
}

}  // namespace npusim::models
