#pragma once
// The one place SystemC is included, so every file sees the same configuration: dynamic
// processes (fork threads are spawned at run time) and no `using namespace sc_core` leakage.
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

namespace npu {
// One simulated cycle is one nanosecond of SystemC time; seconds come from the preset's clock.
inline sc_core::sc_time cycles(uint64_t n) {
    return sc_core::sc_time(static_cast<double>(n), sc_core::SC_NS);
}
inline uint64_t now_cycles() {
    return static_cast<uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e9 + 0.5);
}
}  // namespace npu
