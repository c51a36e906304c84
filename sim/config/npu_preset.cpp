// Loading presets from configs/npu/*.yaml.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/config_dir.h"
#include "base/errors.h"
#include "base/yaml_reader.h"
#include "sim/config/npu_config.h"

namespace npu {

namespace fs = std::filesystem;

std::vector<std::string> preset_names() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(config_dir()) / "npu", ec))
        if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

namespace {
template <typename Map>
void require_all(const Map& given, const std::string& source) {
    std::string missing;
    for (const ParamSpec& s : param_specs())
        if (!given.count(s.key)) missing += std::string(missing.empty() ? "" : ", ") + s.key;
    if (!missing.empty()) throw ConfigError(source + ": missing key(s): " + missing);
}

bool looks_like_path(const std::string& s) {
    return s.find('/') != std::string::npos || (s.size() > 5 && s.substr(s.size() - 5) == ".yaml");
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path.string() + ": cannot open preset file");
    // Read at most one byte past the limit, so /dev/zero or a huge file cannot exhaust memory.
    constexpr std::streamsize kLimit = 1 << 20;
    std::string text(static_cast<size_t>(kLimit) + 1, '\0');
    in.read(text.data(), kLimit + 1);
    text.resize(static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(text.size()) > kLimit)
        throw ConfigError(path.string() + ": preset file is larger than 1 MiB");
    return text;
}

fs::path preset_path(const std::string& name_or_path) {
    fs::path path = looks_like_path(name_or_path) ? fs::path(name_or_path)
                                                  : fs::path(config_dir()) / "npu" / (name_or_path + ".yaml");
    if (!looks_like_path(name_or_path) && !fs::exists(path)) {
        std::string known;
        for (const auto& n : preset_names())
            known += (known.empty() ? "" : ", ") + n;
        throw ConfigError("unknown preset '" + name_or_path + "' (known: " + known +
                          "; or give a path to a .yaml file)");
    }
    return path;
}

// A chain of bases deeper than this is a mistake (or a cycle the chain check names first).
constexpr size_t kMaxBaseDepth = 8;

PresetFile read_text_preset(const std::string& text, const std::string& source, std::vector<std::string> chain) {
    auto own = parse_yaml_mapping(text, source);
    PresetFile file;
    chain.push_back(source);
    if (auto b = own.find("base"); b != own.end()) {
        const std::string where = source + ":" + std::to_string(b->second.line);
        file.base = b->second.value;
        // A path is relative to the file naming it; a name is a preset of the config directory.
        std::string target = file.base;
        if (looks_like_path(target) && fs::path(target).is_relative())
            target = (fs::path(source).parent_path() / target).string();
        fs::path path;
        try {
            path = preset_path(target);
        } catch (const ConfigError& e) {
            throw ConfigError(where + ": base: " + e.what());
        }
        // A device or a pipe as base (/dev/stdin) could block the read: only files are presets.
        if (!fs::is_regular_file(path)) throw ConfigError(where + ": base: " + path.string() + " is not a file");
        std::string chain_text;
        for (const std::string& c : chain)
            chain_text += c + " -> ";
        if (std::find(chain.begin(), chain.end(), path.string()) != chain.end())
            throw ConfigError(where + ": base chain " + chain_text + path.string() + " is a cycle");
        if (chain.size() >= kMaxBaseDepth)
            throw ConfigError(where + ": base chain " + chain_text + path.string() + " is deeper than " +
                              std::to_string(kMaxBaseDepth) + " presets");
        file.entries = read_text_preset(read_text(path), path.string(), chain).entries;
        if (!own.count("name"))
            throw ConfigError(source + ": a preset with a base must give its own name (the base's is '" +
                              file.entries["name"].value + "')");
        own.erase(b);
    }
    for (const auto& [key, scalar] : own)
        file.entries[key] = {scalar.value, scalar.comment, source + ":" + std::to_string(scalar.line)};
    file.config.source = source;
    for (const auto& [key, entry] : file.entries)
        file.config.set(key, entry.value, entry.where);
    require_all(file.entries, source);
    file.config.validate();
    return file;
}
}  // namespace

std::string provenance(const std::string& comment) {
    if (comment.rfind("fitted", 0) == 0) return "fitted";
    if (comment.find("assumed") != std::string::npos) return "assumed";
    if (comment.find('[') != std::string::npos) return "sourced";
    return "unmarked";
}

NpuConfig parse_preset(const std::string& text, const std::string& source) {
    return read_text_preset(text, source, {}).config;
}

NpuConfig config_from_values(const std::map<std::string, std::string>& values, const std::string& source) {
    NpuConfig cfg;
    cfg.source = source;
    for (const auto& [key, value] : values)
        cfg.set(key, value, source);
    require_all(values, source);
    cfg.validate();
    return cfg;
}

std::vector<std::string> spec_preset_names() {
    std::vector<std::string> names;
    for (const std::string& n : preset_names())
        if (read_preset(n).base.empty()) names.push_back(n);
    return names;
}

PresetFile read_preset(const std::string& name_or_path) {
    const fs::path path = preset_path(name_or_path);
    return read_text_preset(read_text(path), path.string(), {});
}

NpuConfig load_preset(const std::string& name_or_path) {
    return read_preset(name_or_path).config;
}

}  // namespace npu
