#include "deploy/manifest.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "base/errors.h"
#include "base/json_reader.h"
#include "base/yaml_reader.h"
#include "models/workload.h"
#include "recipes/recipe.h"

namespace npusim::deploy {

namespace fs = std::filesystem;

namespace {

// The keys a manifest may have: exact ones, and the prefixes of mappings with free keys.
const char* const kKeys[] = {"name",
                             "preset",
                             "model",
                             "recipe",
                             "recipe.name",
                             "kv_cache.bits",
                             "kv_cache.block_tokens",
                             "limits.prompt_tokens",
                             "limits.output_tokens",
                             "limits.memory_bytes",
                             "load",
                             "thermal.seconds",
                             "thermal.ambient_c",
                             "thermal.other_w",
                             "accuracy"};
const char* const kPrefixes[] = {"set.", "placement.", "recipe.keep_fp16."};

// Keys that hold a mapping: a scalar there is a misplaced value, not an unknown key.
const char* const kMappings[] = {"set", "placement", "kv_cache", "limits", "thermal", "recipe.keep_fp16"};

bool known(const std::string& key) {
    for (const char* k : kKeys)
        if (key == k) return true;
    for (const char* p : kPrefixes)
        if (key.rfind(p, 0) == 0 && key.size() > std::string(p).size()) return true;
    return false;
}

std::string shown(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

double number(const Manifest& m, const std::string& key, const std::string& text, double lo, double hi,
              const char* unit) {
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || errno || !std::isfinite(v) || v < lo || v > hi) {
        throw npu::UserError(m.where(key) + "'" + text + "' is not a number of " + unit + " from " +
                             shown(lo) + " to " + shown(hi));
    }
    return v;
}

int64_t integer(const Manifest& m, const std::string& key, const std::string& text, int64_t lo, int64_t hi,
                const char* unit) {
    const double v = number(m, key, text, static_cast<double>(lo), static_cast<double>(hi), unit);
    if (v != std::floor(v)) throw npu::UserError(m.where(key) + "'" + text + "' is not a whole number of " + unit);
    return static_cast<int64_t>(v);
}

}  // namespace

std::string Manifest::where(const std::string& key) const {
    // A key's own line; for a mapping, its first entry's (the mapping's key is a line above).
    int line = 0;
    if (const auto it = lines.find(key); it != lines.end()) line = it->second;
    for (const auto& [k, l] : lines)
        if (!line && k.rfind(key + ".", 0) == 0) line = l;
    for (const auto& [k, l] : lines)
        if (k.rfind(key + ".", 0) == 0) line = std::min(line, l);
    return path + ":" + std::to_string(line ? line : 1) + ": " + key + ": ";
}

Manifest read_manifest(const std::string& path) {
    const std::string text = npu::read_text_file(path, 1 << 20, "a deployment manifest (at most 1 MiB)");
    const auto kv = npu::parse_yaml_mapping(text, path);
    Manifest m;
    m.path = path;
    for (const auto& [key, s] : kv)
        m.lines[key] = s.line;
    for (const auto& [key, s] : kv) {
        for (const char* k : kMappings)
            if (key == k)
                throw npu::UserError(m.where(key) + "expects a mapping of keys to values (e.g. " + key +
                                     ":\n  KEY: VALUE), got '" + s.value + "'");
        if (!known(key))
            throw npu::UserError(m.where(key) +
                                 "not a manifest key (name, preset, set.*, model, recipe, recipe.name, "
                                 "recipe.keep_fp16.*, placement.*, kv_cache.bits, kv_cache.block_tokens, "
                                 "limits.prompt_tokens, limits.output_tokens, limits.memory_bytes, load, "
                                 "thermal.seconds, thermal.ambient_c, thermal.other_w, accuracy)");
    }
    auto get = [&](const std::string& key) -> const npu::YamlScalar* {
        const auto it = kv.find(key);
        return it == kv.end() ? nullptr : &it->second;
    };
    auto need = [&](const std::string& key) -> std::string {
        const npu::YamlScalar* s = get(key);
        if (!s || s->value.empty())
            throw npu::UserError(path + ":1: " + key + ": missing (every manifest names its preset, model and recipe)");
        return s->value;
    };
    m.name = get("name") ? get("name")->value : fs::path(path).stem().string();
    m.preset = need("preset");
    m.model = need("model");
    if (get("recipe") && get("recipe.name"))
        throw npu::UserError(m.where("recipe.name") + "give the recipe either as a name or as a mapping, not both");
    std::string recipe = get("recipe") ? get("recipe")->value : need("recipe.name");
    const std::string recipe_key = get("recipe") ? "recipe" : "recipe.name";
    // Per-layer overrides and the KV cache's bits are appended as the recipe's own +extras.
    std::vector<std::pair<std::pair<int, int>, soc::PlacementRule>> placement;  // ((line, column), rule)
    for (const auto& [key, s] : kv) {
        if (key.rfind("recipe.keep_fp16.", 0) == 0) recipe += "+a16@" + s.value;
        if (key.rfind("set.", 0) == 0) m.set[key.substr(4)] = {s.value, key};
        if (key.rfind("placement.", 0) == 0) {
            soc::PlacementPolicy one;
            try {
                one = soc::PlacementPolicy::parse(s.value);
            } catch (const npu::UserError&) {
                // reported below, as for a value holding several rules
            }
            if (one.rules.size() != 1)
                throw npu::UserError(m.where(key) + "'" + s.value +
                                     "' is not one PATTERN=DEVICE (a glob over op names, device npu or cpu)");
            placement.push_back({{s.line, s.column}, one.rules.front()});
        }
    }
    if (const auto* bits = get("kv_cache.bits")) {
        if (bits->value != "4" && bits->value != "8" && bits->value != "16")
            throw npu::UserError(m.where("kv_cache.bits") + "'" + bits->value + "' is not 4, 8 or 16");
        recipe += "+kv" + bits->value;
    }
    try {
        const quant::Recipe parsed = quant::Recipe::parse(recipe);
        if (parsed.shadow && parsed.shadow_percent <= 0)
            throw npu::UserError("+shadow needs the share of activation values beyond the clip, +shadowP (npusim "
                                 "quant-eval measures it)");
        m.recipe = parsed.name();
    } catch (const npu::UserError& e) {
        throw npu::UserError(m.where(recipe_key) + e.what());
    }
    // In file order: flow style puts several rules on one line.
    std::sort(placement.begin(), placement.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [position, rule] : placement)
        m.placement.rules.push_back(rule);
    if (const auto* s = get("kv_cache.block_tokens"))
        m.kv_block = integer(m, "kv_cache.block_tokens", s->value, 1, 1 << 20, "tokens");
    if (const auto* s = get("limits.prompt_tokens"))
        m.prompt_tokens = integer(m, "limits.prompt_tokens", s->value, 1, models::kMaxTokens, "tokens");
    if (const auto* s = get("limits.output_tokens"))
        m.output_tokens = integer(m, "limits.output_tokens", s->value, 1, models::kMaxTokens, "tokens");
    if (const auto* s = get("limits.memory_bytes"))
        m.memory_bytes = number(m, "limits.memory_bytes", s->value, 1e6, 1e13, "bytes");
    if (const auto* s = get("load")) {
        try {
            m.load = soc::parse_load_path(s->value, "load");
        } catch (const npu::UserError&) {
            throw npu::UserError(m.where("load") + "'" + s->value + "' is not full or mmap");
        }
    }
    if (const auto* s = get("thermal.seconds"))
        m.sustained_s = number(m, "thermal.seconds", s->value, 1, 86400, "seconds");
    for (const char* k : {"ambient_c", "other_w"}) {
        const std::string key = std::string("thermal.") + k;
        const auto* s = get(key);
        if (!s) continue;
        if (m.set.count(key))
            throw npu::UserError(m.where(key) + "set.thermal." + k + " (line " + std::to_string(m.lines.at("set." + key)) +
                                 ") sets it too; give it once");
        m.set[key] = {s->value, key};
    }
    if (const auto* s = get("accuracy")) {
        const fs::path a(s->value);
        m.accuracy_file = a.is_absolute() ? a.string() : (fs::path(path).parent_path() / a).string();
        if (!fs::is_regular_file(m.accuracy_file))
            throw npu::UserError(m.where("accuracy") + m.accuracy_file +
                                 " is not a file (a table saved by npusim quant-eval --save)");
    }
    return m;
}

}  // namespace npusim::deploy
