#pragma once
// Schedules for kernels/gemm (the "how"): named knobs, parsed from "tile_m=64,tile_n=64,..." or a
// map, and one free function that applies them to the algorithm's Funcs.
#include <map>
#include <string>

#include "kernels/gemm/gemm.h"

namespace npusim::schedules {

struct GemmSchedule {
    // Defaults chosen on the `default` preset (32x32 weight-stationary INT8 array, 1 MiB l1,
    // 256 KiB acc, 32 B/cycle DRAM at 80 % efficiency) with `npusim gemm --schedule ...` at
    // 512x512x512 (compute roofline 131,072 cycles), measured before the preset had a weight FIFO:
    //   128x128x128 284,184 (2.17x) | 256x256x128 218,736 (1.67x) | 512x128x128 196,992 (1.50x)
    //   512x128x64 190,624 (1.45x, this default) | 512x128x256 209,776 (1.60x).
    // With the weight FIFO (mac.weight_buffers 2), Llama-3.2-1B prefill at 512 tokens reaches
    // 91.7 % of the kernel roofline at 512x2048x2048 and 512x8192x2048, 96.1 % at 512x2048x8192.
    // Per-preset and decode defaults: gemm_kernel.cpp.
    // A weight-stationary fold loads rows weights and drains a rows + cols skew whatever M is, so
    // tall tiles (all 512 rows of A per weight fold) amortise it best; 512x128 int32 fills the
    // 256 KiB accumulator exactly. A shorter K step starts the pipeline sooner and its DMAs hide
    // behind the MatMuls once double-buffered.
    int tile_m = 512;
    int tile_n = 128;
    int tile_k = 64;
    std::string order = "mn";   // "mn": m tiles outer, n tiles inner; "nm": the reverse
    std::string stage_a = "k";  // "k": stage A one tile_m x tile_k tile per K step; "panel": a
                                // tile_m x K panel per m tile (reused across n tiles when order=mn)
    std::string stage_b = "k";  // same for W: "panel" is a tile_n x K panel per n tile
    bool double_buffer = true;  // async + fold_storage(2x) for the K-step-staged operands
    bool overlap_out = false;   // compute the next output tile while this one is copied out; with
                                // K-step staging, the weight stream also runs across tiles
    bool parallel = false;      // spread the outer tile loop over the NPU's cores
    bool native_w = false;      // the MAC array reads the weights as stored (INT4 against INT8: a native
                                // precision pair) instead of the vector unit unpacking them first

    // Throws npu::ScheduleError naming the knob and what is allowed.
    static GemmSchedule parse(const std::string& text);
    static GemmSchedule from_map(const std::map<std::string, std::string>& knobs);
    std::string to_string() const;
    std::map<std::string, std::string> to_map() const;
    void validate() const;
};

// Applies `s` to any kernel of the GEMM family for an m x n x k problem (tiles larger than an
// extent shrink to it).
void apply_gemm_schedule(kernels::Gemm& g, const GemmSchedule& s, int m, int n, int k);

// The host CPU's schedule of the same algorithm (Kernel::build_host): blocks of output rows across
// the cores, the accumulators vectorized over output channels, the weight operand transposed once
// so those vectors load contiguously. Each output's K loop runs in order, as on the NPU.
void apply_gemm_host_schedule(kernels::Gemm& g);

}  // namespace npusim::schedules
