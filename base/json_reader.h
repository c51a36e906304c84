#pragma once
// JSON input (config.json files, safetensors headers) read by nlohmann-json, with what a user's
// file needs on top: errors name the source, line and column; a duplicate key (which JSON leaves
// undefined and nlohmann-json resolves silently) and nesting deeper than 64 levels are errors.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace npu {

// Throws UserError("<source>:<line>:<col>: ...") for malformed text, "<source>: duplicate key ..."
// or "<source>: nesting deeper than 64 levels".
nlohmann::json parse_json(const std::string& text, const std::string& source);
// Reads a whole file of at most `max_bytes`; a missing, unreadable or larger file is a UserError
// naming the path and, for a larger one, `what` it should have been.
std::string read_text_file(const std::string& path, uint64_t max_bytes, const std::string& what);

}  // namespace npu
