#include "base/yaml_subset.h"

#include <sstream>
#include <vector>

#include "base/errors.h"

namespace npu {

namespace {

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(' ');
    if (b == std::string::npos) return "";
    size_t e = s.find_last_not_of(' ');
    return s.substr(b, e - b + 1);
}

// Strips a trailing comment that is not inside quotes.
std::string strip_comment(const std::string& s) {
    char quote = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#' && (i == 0 || s[i - 1] == ' ')) {
            return s.substr(0, i);
        }
    }
    return s;
}

}  // namespace

std::map<std::string, YamlScalar> parse_yaml_subset(const std::string& text, const std::string& source) {
    std::map<std::string, YamlScalar> out;
    struct Level {
        int indent;
        std::string prefix;
        std::string comment;  // the mapping key's own comment, which its children inherit
    };
    std::vector<Level> stack{{0, "", ""}};  // top-level keys start in column 0
    bool expect_child = false;              // the previous key had no value: a deeper mapping must follow
    int parent_line = 0;
    std::istringstream in(text);
    std::string raw;
    int line = 0;
    auto fail = [&](const std::string& msg) -> void {
        throw ConfigError(source + ":" + std::to_string(line) + ": " + msg);
    };
    while (std::getline(in, raw)) {
        ++line;
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        if (raw.find('\t') != std::string::npos) fail("tab character; indent with spaces");
        for (char c : raw)  // a NUL or other control byte: a binary or corrupted file, not YAML text
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                fail("control character (byte " + std::to_string(static_cast<unsigned char>(c)) +
                     "); expected plain text");
        std::string body = strip_comment(raw);
        if (trim(body).empty()) continue;
        std::string comment = body.size() < raw.size() ? trim(raw.substr(body.size() + 1)) : "";
        if (line == 1 && trim(body) == "---") continue;
        int indent = static_cast<int>(body.find_first_not_of(' '));
        std::string content = trim(body);
        if (content[0] == '-') fail("lists are not supported in presets; use a mapping");
        if (content[0] == '{' || content[0] == '[') fail("flow style is not supported; use block mappings");
        size_t colon = content.find(':');
        if (colon == std::string::npos) fail("expected 'key: value', found '" + content + "'");
        std::string key = trim(content.substr(0, colon));
        std::string value = trim(content.substr(colon + 1));
        if (key.empty()) fail("empty key");
        for (char c : key)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
                fail("key '" + key + "' may hold only letters, digits, '_' and '-'");

        if (expect_child) {
            if (indent <= stack.back().indent)
                throw ConfigError(source + ":" + std::to_string(parent_line) + ": key '" +
                                  stack.back().prefix.substr(0, stack.back().prefix.size() - 1) + "' has no value");
            stack.back().indent = indent;
            expect_child = false;
        } else {
            while (indent < stack.back().indent)
                stack.pop_back();
            if (indent != stack.back().indent) fail("indentation does not match any enclosing mapping");
        }
        std::string full = stack.back().prefix + key;
        if (out.count(full)) fail("duplicate key '" + full + "'");
        bool is_parent = false;
        for (const auto& [k, v] : out)
            if (k.rfind(full + ".", 0) == 0) is_parent = true;
        if (is_parent) fail("duplicate key '" + full + "'");

        if (comment.empty()) comment = stack.back().comment;
        if (value.empty()) {
            stack.push_back({indent, full + ".", comment});  // re-set to the first child's indent
            expect_child = true;
            parent_line = line;
            continue;
        }
        if (value[0] == '"' || value[0] == '\'') {
            char q = value[0];
            if (value.size() < 2 || value.back() != q) fail("unterminated quoted value for '" + full + "'");
            value = value.substr(1, value.size() - 2);
        } else if (value[0] == '{' || value[0] == '[') {
            fail("flow style is not supported for '" + full + "'");
        } else if (value[0] == '&' || value[0] == '*' || value[0] == '|' || value[0] == '>') {
            fail("anchors, aliases and block scalars are not supported for '" + full + "'");
        }
        out[full] = {value, line, comment};
    }
    if (expect_child)
        throw ConfigError(source + ":" + std::to_string(parent_line) + ": key '" +
                          stack.back().prefix.substr(0, stack.back().prefix.size() - 1) + "' has no value");
    return out;
}

}  // namespace npu
