#include "base/json_reader.h"

#include <fstream>
#include <regex>
#include <set>
#include <vector>

#include "base/errors.h"

namespace npu {

namespace {
constexpr int kMaxDepth = 64;
}  // namespace

nlohmann::json parse_json(const std::string& text, const std::string& source) {
    using nlohmann::json;
    std::vector<std::set<std::string>> keys;  // of each object being read, innermost last
    json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                if (depth >= kMaxDepth)
                    throw UserError(source + ": nesting deeper than " + std::to_string(kMaxDepth) + " levels");
                if (event == json::parse_event_t::object_start) keys.emplace_back();
                break;
            case json::parse_event_t::key:
                if (!keys.back().insert(parsed.get<std::string>()).second)
                    throw UserError(source + ": duplicate key " + parsed.dump() + " in an object");
                break;
            case json::parse_event_t::object_end:
                keys.pop_back();
                break;
            default:
                break;
        }
        return true;
    };
    try {
        return json::parse(text, check);
    } catch (const json::parse_error& e) {
        // "[json.exception.parse_error.101] parse error at line 2, column 7: syntax error ..."
        static const std::regex at(R"(at line (\d+), column (\d+): (.*))");
        std::smatch m;
        const std::string what = e.what();
        if (std::regex_search(what, m, at))
            throw UserError(source + ":" + m[1].str() + ":" + m[2].str() + ": " + m[3].str());
        throw UserError(source + ": " + what.substr(what.find(']') + 2));
    } catch (const json::exception& e) {  // a number beyond double, ...
        const std::string what = e.what();
        throw UserError(source + ": " + what.substr(what.find(']') + 2));
    }
}

std::string read_text_file(const std::string& path, uint64_t max_bytes, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UserError(path + ": cannot open the file");
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<size_t>(in.gcount()));
        if (text.size() > max_bytes)
            throw UserError(path + ": larger than " + std::to_string(max_bytes >> 20) + " MiB, not " + what);
    }
    return text;
}

}  // namespace npu
