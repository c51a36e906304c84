#include "base/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
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

// The trailing `#` comment of a line, outside quotes ("" if none). yaml-cpp drops comments, but a
// preset's comments carry the provenance of its values.
std::string comment_of(const std::string& line) {
    char quote = 0;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#' && (i == 0 || line[i - 1] == ' ')) {
            return trim(line.substr(i + 1));
        }
    }
    return "";
}

// Whether the quoted scalar opening at `pos` of `text` is closed (yaml-cpp 0.7 accepts a double
// quote left open at the end of the file as a value running to the end).
bool quote_closed(const std::string& text, size_t pos) {
    if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) return true;
    const char q = text[pos];
    for (size_t i = pos + 1; i < text.size(); ++i) {
        if (q == '"' && text[i] == '\\') {
            ++i;
        } else if (text[i] == q) {
            if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                ++i;  // '' is an escaped quote
                continue;
            }
            return true;
        }
    }
    return false;
}

class Flattener {
public:
    Flattener(const std::string& text, const std::string& source) : text_(text), source_(source) {
        std::istringstream in(text);
        for (std::string l; std::getline(in, l);)
            lines_.push_back(l);
    }

    void mapping(const YAML::Node& map, const std::string& prefix, const std::string& inherited) {
        for (const auto& kv : map) {
            const YAML::Node& k = kv.first;
            const YAML::Node& v = kv.second;
            const int line = k.Mark().line + 1;
            const std::string key = k.IsScalar() ? k.Scalar() : "";
            const std::string full = prefix + key;
            if (v.IsNull() && key.find(' ') != std::string::npos)
                fail(line, "expected 'key: value', found '" + key + "'");
            if (key.empty()) fail(line, "empty or non-scalar key");
            for (char c : key)
                if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
                    fail(line, "key '" + full + "' may hold only letters, digits, '_' and '-'");
            if (!seen_.emplace(full, line).second) fail(line, "duplicate key '" + full + "'");
            std::string comment = line <= static_cast<int>(lines_.size()) ? comment_of(lines_[line - 1]) : "";
            if (comment.empty()) comment = inherited;
            if (v.IsMap()) {
                if (v.size() == 0) fail(line, "key '" + full + "' has no value");
                mapping(v, full + ".", comment);
            } else if (v.IsSequence()) {
                fail(line, "key '" + full + "' holds a list; lists are not supported, give one value per key");
            } else if (v.IsNull() || !v.IsScalar()) {
                fail(line, "key '" + full + "' has no value");
            } else {
                if (!quote_closed(text_, static_cast<size_t>(v.Mark().pos)))
                    fail(line, "unterminated quoted value for '" + full + "'");
                out[full] = {v.Scalar(), line, k.Mark().column, comment};
            }
        }
    }

    [[noreturn]] void fail(int line, const std::string& msg) const {
        throw ConfigError(source_ + ":" + std::to_string(line) + ": " + msg);
    }

    std::map<std::string, YamlScalar> out;

private:
    const std::string& text_;
    const std::string& source_;
    std::vector<std::string> lines_;
    std::map<std::string, int> seen_;
};

}  // namespace

std::map<std::string, YamlScalar> parse_yaml_mapping(const std::string& text, const std::string& source) {
    Flattener f(text, source);
    // Checked before yaml-cpp sees the text, whose messages for these are less direct.
    int line = 1;
    bool indent = true;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            ++line;
            indent = true;
            continue;
        }
        if (c == '\t' && indent) f.fail(line, "tab character in the indentation; indent with spaces");
        if ((u < 0x20 && c != '\t' && c != '\r') || u == 0x7f)  // a binary or corrupted file
            f.fail(line, "control character (byte " + std::to_string(u) + "); expected plain text");
        if (c != ' ') indent = false;
    }
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        f.fail(e.mark.line + 1, e.msg + " (column " + std::to_string(e.mark.column + 1) + ")");
    }
    if (root.IsNull()) return {};
    if (!root.IsMap()) f.fail(root.Mark().line + 1, "expected a mapping of 'key: value' lines at the top level");
    f.mapping(root, "", "");
    return f.out;
}

}  // namespace npu
