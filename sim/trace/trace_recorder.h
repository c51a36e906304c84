#pragma once
// Records one slice per executed instruction (engine track, start, duration, arguments) and
// writes them as a Chrome/Perfetto trace (JSON "traceEvents"; ui.perfetto.dev opens it).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace npu {

struct TraceSlice {
    int core;
    std::string track;  // "dma0", "mac", "vector", ...
    std::string name;   // "dma_in a", "matmul", ...
    uint64_t start, cycles;
    nlohmann::ordered_json args;  // the event's arguments: {"bytes": 4096, "func": "a_in", ...}
};

class TraceRecorder {
public:
    void clear() { slices_.clear(); }
    void add(TraceSlice s) { slices_.push_back(std::move(s)); }
    const std::vector<TraceSlice>& slices() const { return slices_; }
    // Timestamps in microseconds at `clock_mhz`; one process per core, one thread per engine.
    std::string to_chrome_json(double clock_mhz, const std::string& program, const std::string& preset) const;

private:
    std::vector<TraceSlice> slices_;
};

}  // namespace npu
