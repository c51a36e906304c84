#pragma once
// The YAML subset presets are written in: nested block mappings of scalars, `#` comments,
// space indentation, optional single or double quotes around a scalar. Anything else
// (flow style, lists, anchors, tabs, multi-line strings) is rejected with file:line, so a preset
// never means something other than what it looks like.
#include <map>
#include <string>

namespace npu {

struct YamlScalar {
    std::string value;
    int line = 0;
    // The line's `#` comment (trimmed), or else that of the nearest enclosing mapping key: a
    // preset says there where a value comes from ("[ddr] ...", "assumed", "fitted ...").
    std::string comment;
};

// Flattens the document to dotted keys ("dram.burst_bytes"). Throws ConfigError naming
// `source` and the line for malformed text or a duplicate key.
std::map<std::string, YamlScalar> parse_yaml_subset(const std::string& text, const std::string& source);

}  // namespace npu
