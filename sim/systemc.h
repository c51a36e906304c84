#pragma once
// The one place SystemC is included, so every file sees the same configuration: dynamic
// processes (fork threads are spawned at run time) and no `using namespace sc_core` leakage.
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <algorithm>
#include <cstdint>
#include <systemc>

namespace npu {
// One simulated cycle is one nanosecond (1000 ticks of SystemC's default 1 ps resolution);
// seconds come from the preset's clock. Integer ticks throughout, so nothing rounds.
constexpr uint64_t kTicksPerCycle = 1000;
// No run may last longer than this: far beyond any real kernel, well inside SystemC's 64-bit time.
constexpr uint64_t kMaxRunCycles = uint64_t{1} << 50;

inline sc_core::sc_time cycles(uint64_t n) {
    return sc_core::sc_time::from_value(std::min(n, kMaxRunCycles) * kTicksPerCycle);
}

// SystemC time keeps running across the runs of a process (it cannot be reset); the model works in
// time since the current run started, so a run's numbers never depend on the runs before it.
inline uint64_t& run_origin_ticks() {
    static uint64_t origin = 0;
    return origin;
}
inline void start_run_clock() {
    run_origin_ticks() = sc_core::sc_time_stamp().value();
}
inline uint64_t now_cycles() {
    return (sc_core::sc_time_stamp().value() - run_origin_ticks()) / kTicksPerCycle;
}
}  // namespace npu
