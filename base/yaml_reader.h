#pragma once
// Presets and recipe files are YAML (read by yaml-cpp): a mapping, nested as deep as wanted, whose
// leaves are scalars; block or flow style, quotes, anchors and aliases, block scalars all work.
// Lists are refused (every setting is one value), as are keys that are not plain names.
#include <map>
#include <string>

namespace npu {

struct YamlScalar {
    std::string value;
    int line = 0;    // the key's line, 1-based
    int column = 0;  // and its column (flow style puts several keys on one line), 0-based
    // The `#` comment on the key's line (trimmed), or else that of the nearest enclosing mapping
    // key: a preset says there where a value comes from ("[ddr] ...", "assumed", "fitted ...").
    std::string comment;
};

// Flattens the document to dotted keys ("dram.burst_bytes"). Throws ConfigError naming `source`
// and the line for malformed text, a list, a key without a value, or a duplicate key.
std::map<std::string, YamlScalar> parse_yaml_mapping(const std::string& text, const std::string& source);

}  // namespace npu
