#pragma once
// Schedules for kernels/gemm (the "how"): named knobs, parsed from "tile_m=64,tile_n=64,..." or a
// map, and one free function that applies them to the algorithm's Funcs.
#include <map>
#include <string>

#include "kernels/gemm/gemm_w8a8.h"

namespace npusim::schedules {

struct GemmSchedule {
    // Defaults on the `default` preset (32x32 INT8 array, 1 MiB l1, 32 B/cycle DRAM): 512^3 runs
    // in 155,682 cycles against a 131,072-cycle compute roofline (1.19x). 128x128 output tiles
    // keep A and W reuse high enough that DRAM time (~49k cycles of bus) hides under the MACs,
    // and tile_k=128 gives the array four K-folds per MatMul so its fill/drain is amortised.
    int tile_m = 128;
    int tile_n = 128;
    int tile_k = 128;
    std::string order = "mn";  // "mn": m tiles outer, n tiles inner; "nm": the reverse
    std::string stage_a = "k";  // "k": stage A one tile_m x tile_k tile per K step; "panel": a
                                // tile_m x K panel per m tile (reused across n tiles when order=mn)
    std::string stage_b = "k";  // same for W: "panel" is a tile_n x K panel per n tile
    bool double_buffer = true;  // async + fold_storage(2x) for the K-step-staged operands

    // Throws npu::ScheduleError naming the knob and what is allowed.
    static GemmSchedule parse(const std::string& text);
    static GemmSchedule from_map(const std::map<std::string, std::string>& knobs);
    std::string to_string() const;
    void validate() const;
};

// Applies `s` to `g` for an m x n x k problem (tiles larger than an extent shrink to it).
void apply_gemm_schedule(kernels::GemmW8A8& g, const GemmSchedule& s, int m, int n, int k);

}  // namespace npusim::schedules
