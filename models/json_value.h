#pragma once
// A strict JSON reader (RFC 8259) for model config files: objects, arrays, strings, numbers,
// true/false/null. Errors name the source, line and column. No JSON library is among the
// project's dependencies, and config.json files need nothing more.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace npusim::models {

class JsonValue {
public:
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<JsonValue> array;
    std::map<std::string, JsonValue> object;

    bool has(const std::string& key) const { return kind == Kind::Object && object.count(key) > 0; }
    const JsonValue* find(const std::string& key) const;
};

// Throws npu::UserError("<source>:<line>:<col>: ...") for malformed text, nesting deeper than 64,
// or a duplicate key.
JsonValue parse_json(const std::string& text, const std::string& source);
// Reads a file of at most 4 MiB; a missing, unreadable or larger file is a UserError.
std::string read_text_file(const std::string& path);

}  // namespace npusim::models
