// Loading presets from configs/npu/*.yaml.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "sim/config/npu_config.h"
#include "sim/config/yaml_subset.h"
#include "sim/errors.h"

#ifndef NPUSIM_SOURCE_CONFIG_DIR
#error "NPUSIM_SOURCE_CONFIG_DIR must be defined by the build"
#endif

namespace npu {

namespace fs = std::filesystem;

std::string config_dir() {
    if (const char* env = std::getenv("NPUSIM_CONFIG_DIR"); env && *env) return env;
    return NPUSIM_SOURCE_CONFIG_DIR;
}

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
}  // namespace

NpuConfig parse_preset(const std::string& text, const std::string& source) {
    auto entries = parse_yaml_subset(text, source);
    NpuConfig cfg;
    cfg.source = source;
    for (const auto& [key, scalar] : entries)
        cfg.set(key, scalar.value, source + ":" + std::to_string(scalar.line));
    require_all(entries, source);
    cfg.validate();
    return cfg;
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

NpuConfig load_preset(const std::string& name_or_path) {
    bool is_path = name_or_path.find('/') != std::string::npos ||
                   (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".yaml");
    fs::path path = is_path ? fs::path(name_or_path) : fs::path(config_dir()) / "npu" / (name_or_path + ".yaml");
    if (!is_path && !fs::exists(path)) {
        std::string known;
        for (const auto& n : preset_names())
            known += (known.empty() ? "" : ", ") + n;
        throw ConfigError("unknown preset '" + name_or_path + "' (known: " + known +
                          "; or give a path to a .yaml file)");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path.string() + ": cannot open preset file");
    // Read at most one byte past the limit, so /dev/zero or a huge file cannot exhaust memory.
    constexpr std::streamsize kLimit = 1 << 20;
    std::string text(static_cast<size_t>(kLimit) + 1, '\0');
    in.read(text.data(), kLimit + 1);
    text.resize(static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(text.size()) > kLimit)
        throw ConfigError(path.string() + ": preset file is larger than 1 MiB");
    return parse_preset(text, path.string());
}

}  // namespace npu
