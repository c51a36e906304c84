#include "sim/trace/trace_recorder.h"

#include <cstdio>
#include <map>
#include <sstream>

#include "sim/report/json_text.h"

namespace npu {

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
