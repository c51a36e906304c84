#include "sim/trace/trace_recorder.h"

#include <map>

namespace npu {

std::string TraceRecorder::to_chrome_json(double clock_mhz, const std::string& program,
                                          const std::string& preset) const {
    using nlohmann::ordered_json;
    std::map<std::pair<int, std::string>, int> tids;
    for (const TraceSlice& s : slices_)
        tids.emplace(std::make_pair(s.core, s.track), 0);
    int next = 0;
    for (auto& [key, tid] : tids)
        tid = next++;
    ordered_json events = ordered_json::array();
    std::map<int, bool> cores;
    for (const auto& [key, tid] : tids) {
        cores[key.first] = true;
        events.push_back(
            {{"ph", "M"}, {"name", "thread_name"}, {"pid", key.first}, {"tid", tid}, {"args", {{"name", key.second}}}});
    }
    for (const auto& [core, unused] : cores)
        events.push_back({{"ph", "M"},
                          {"name", "process_name"},
                          {"pid", core},
                          {"args", {{"name", "core " + std::to_string(core)}}}});
    for (const TraceSlice& s : slices_) {
        ordered_json args = {{"start_cycle", s.start}, {"cycles", s.cycles}};
        if (s.args.is_object()) args.update(s.args);
        events.push_back({{"ph", "X"},
                          {"name", s.name},
                          {"pid", s.core},
                          {"tid", tids[{s.core, s.track}]},
                          {"ts", static_cast<double>(s.start) / clock_mhz},
                          {"dur", static_cast<double>(s.cycles) / clock_mhz},
                          {"args", std::move(args)}});
    }
    const ordered_json trace = {{"displayTimeUnit", "ns"},
                                {"otherData", {{"program", program}, {"preset", preset}, {"clock_mhz", clock_mhz}}},
                                {"traceEvents", std::move(events)}};
    return trace.dump() + "\n";
}

}  // namespace npu
