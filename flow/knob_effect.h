#pragma once
// Which of a call's schedule knobs change anything. A knob can be live in general and idle for one
// shape and NPU (double buffering with a single tile, spreading a loop over the cores of a one-core
// NPU): reports say so, and the tuner leaves such knobs out of its space.
#include <string>
#include <vector>

#include "flow/kernel_flow.h"

namespace npusim::flow {

// What the NPU runs, as text: the program with its token names numbered in order of declaration
// (Halide names semaphores from process-wide counters), and on a one-core NPU no loop marked
// parallel (such a loop runs its iterations in order on that core, as a serial loop does). Two
// calls with the same identity simulate alike on `npu`.
std::string program_identity(const npu::Program& p, const npu::NpuConfig& npu);

// The call's choice and on/off knobs for which every other value of the knob's space lowers to
// a program of the same identity (values the kernel refuses for this shape do not count). An
// integer knob with a wider space (a tile size) is not examined: one of its values can be idle
// (a tile past the shape) while the others are not.
std::vector<std::string> idle_knobs(const KernelCall& c, const npu::NpuConfig& npu);

}  // namespace npusim::flow
