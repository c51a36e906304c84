#include "sim/trace/trace_recorder.h"

#include <cstdio>
#include <map>
#include <sstream>

namespace npu {

std::string json_quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string TraceRecorder::to_chrome_json(double clock_mhz, const std::string& program,
                                          const std::string& preset) const {
    std::ostringstream o;
    o.precision(15);
    std::map<std::pair<int, std::string>, int> tids;
    for (const TraceSlice& s : slices_)
        tids.emplace(std::make_pair(s.core, s.track), 0);
    int next = 0;
    for (auto& [key, tid] : tids)
        tid = next++;
    o << "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"program\": " << json_quote(program)
      << ", \"preset\": " << json_quote(preset) << ", \"clock_mhz\": " << clock_mhz << "}, \"traceEvents\": [";
    bool first = true;
    auto sep = [&] {
        o << (first ? "\n" : ",\n");
        first = false;
    };
    std::map<int, bool> cores;
    for (const auto& [key, tid] : tids) {
        cores[key.first] = true;
        sep();
        o << "{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": " << key.first << ", \"tid\": " << tid
          << ", \"args\": {\"name\": " << json_quote(key.second) << "}}";
    }
    for (const auto& [core, unused] : cores) {
        sep();
        o << "{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": " << core << ", \"args\": {\"name\": \"core " << core
          << "\"}}";
    }
    for (const TraceSlice& s : slices_) {
        sep();
        o << "{\"ph\": \"X\", \"name\": " << json_quote(s.name) << ", \"pid\": " << s.core
          << ", \"tid\": " << tids[{s.core, s.track}] << ", \"ts\": " << static_cast<double>(s.start) / clock_mhz
          << ", \"dur\": " << static_cast<double>(s.cycles) / clock_mhz << ", \"args\": {\"start_cycle\": " << s.start
          << ", \"cycles\": " << s.cycles << (s.args.empty() ? "" : ", ") << s.args << "}}";
    }
    o << "\n]}\n";
    return o.str();
}

}  // namespace npu
