#pragma once
// The schedule tuner: searches a kernel's knob space with the simulator as the cost function.
//
// Search: the preset's default schedule first, then a quarter of the budget on distinct random
// points, then coordinate descent from the best point found (each knob's neighbours in its space:
// the next smaller and larger value of an integer knob, every other value of a choice knob),
// restarting from the next-best unexplored point while budget remains. Schedules that do not map
// or do not fit SRAM count as evaluations and are recorded with their error; schedules that lower
// to a program already evaluated (a tile past the shape) are the same point and do not count.
//
// Results are cached on disk (one line per evaluation) keyed by a hash of the lowered program,
// every NPU parameter and the cost model revision, so a repeated search costs only lowering.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "flow/kernel_flow.h"

namespace npusim::flow {

struct TuneStep {
    int index = 0;  // 1-based evaluation number
    Knobs knobs;
    bool ok = false;
    uint64_t cycles = 0;
    double roofline_fraction = 0;
    std::string error;  // why the schedule did not run
    bool cached = false;
};

struct TuneOptions {
    int budget = 64;  // evaluations, including the default
    uint64_t seed = 1;
    std::string cache_dir;  // empty: no disk cache
    // Overrides the values tried for some knobs (the others keep their KnobSpec space).
    std::map<std::string, std::vector<std::string>> space;
    std::function<void(const TuneStep& step, const TuneStep& best)> progress;
};

struct TuneResult {
    TuneStep default_step, best;
    std::vector<TuneStep> history;
    int space_size = 0;  // distinct schedules in the (overridden) space
    // Knobs left at their default because no value changes the program here (a single tile to
    // double-buffer, a one-core NPU to spread loops over): flow/knob_effect.h.
    std::vector<std::string> idle_knobs;
};

TuneResult tune(const std::string& kernel, const Shape& shape, const npu::NpuConfig& npu, const TuneOptions& opts);

// Every schedule of the space, evaluated (for small spaces: the exhaustive baseline).
TuneResult tune_exhaustive(const std::string& kernel, const Shape& shape, const npu::NpuConfig& npu,
                           const TuneOptions& opts);

// $NPUSIM_CACHE_DIR, else $XDG_CACHE_HOME/npusim, else ~/.cache/npusim.
std::string default_cache_dir();

}  // namespace npusim::flow
