#pragma once
// Schedules for kernels/gemm (the "how"): named knobs, parsed from "tile_m=64,tile_n=64,..." or a
// map, and one free function that applies them to the algorithm's Funcs.
#include <map>
#include <string>

#include "kernels/gemm/gemm_w8a8.h"

namespace npusim::schedules {

struct GemmSchedule {
    // Defaults chosen on the `default` preset (32x32 INT8 array, 1 MiB l1, 256 KiB acc, 32 B/cycle
    // DRAM) by `npusim gemm --schedule ...` at 512x512x512 (compute roofline 131,072 cycles):
    //   64x64x64 259,584 (1.84x) | 128x128x128 185,184 (1.41x) | 256x128x128 174,512 (1.33x)
    //   256x256x128 167,320 (1.28x, this default).
    // Bigger output tiles cut the re-reads of A and W (DRAM traffic) and amortise each tile's
    // epilogue (accumulator fill, requantize, DMA out), which this schedule does not overlap;
    // 256x256 int32 is exactly the 256 KiB accumulator. tile_k=128 gives each MatMul four K-folds
    // on a 32-row array; tile_k=256 was slower (199,456 at 128x128) as the first DMA grows.
    int tile_m = 256;
    int tile_n = 256;
    int tile_k = 128;
    std::string order = "mn";   // "mn": m tiles outer, n tiles inner; "nm": the reverse
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
