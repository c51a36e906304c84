#pragma once
// Public entry point of the simulator: run one program on one preset. Thread-safe (one global
// lock; the SystemC kernel is process-global) and deterministic: the same program and preset give
// the same report, bit for bit.
#include "sim/config/npu_config.h"
#include "sim/program.h"
#include "sim/report/report.h"
#include "sim/trace/trace_recorder.h"

namespace npu {

// A run stops with a ProgramError after this many statements and loop iterations, so a runaway
// loop count is reported instead of simulated for hours.
constexpr uint64_t kMaxRunSteps = 100'000'000;
// With a trace, every instruction keeps a slice in memory (about 500 bytes with its JSON), so a
// traced run stops at far fewer statements: about 1 GiB of trace, before the host runs out.
constexpr uint64_t kMaxTracedSteps = 2'000'000;
constexpr uint64_t kTraceBytesPerSlice = 500;

// Throws ScheduleError (SRAM overflow), ProgramError (malformed program, deadlock, out-of-bounds
// box) or ConfigError.
// With `trace`, every instruction is also recorded as a slice (see sim/trace/).
Report simulate(const Program& program, const NpuConfig& cfg, TraceRecorder* trace = nullptr);

}  // namespace npu
