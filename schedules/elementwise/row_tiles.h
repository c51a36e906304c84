#pragma once
// The schedule shared by row-wise kernels (norms, activations, RoPE, quantize, ...): the output is
// cut into tiles of `tile_t` rows (its outermost dimension); each tile's rows of every row input
// are DMA'd into SRAM, the kernel's Funcs run on the vector unit over the tile, and the tile is
// DMA'd out. Whole-tensor inputs (gains, scales, per-channel tables) are DMA'd once at the start.
//
// Knobs: tile_t (rows per tile), double_buffer (the next tile's inputs load while this one
// computes: Halide async + fold_storage), parallel (tiles spread over the NPU's cores). Kernels
// without a reduction along the row (elementwise ones) also take tile_d: a row in pieces of tile_d
// elements, so a row longer than the SRAM (a 151,936-word vocabulary) still maps.
#include <Halide.h>

#include <string>
#include <vector>

#include "schedules/kernel.h"
#include "sim/config/npu_config.h"

namespace npusim::schedules {

struct RowTiles {
    int tile_t = 16;
    bool double_buffer = true;
    bool parallel = false;
    int tile_d = 0;     // elements of a row per tile; 0: whole rows
    bool host = false;  // the host CPU's schedule instead (Kernel::build_host): the knobs are ignored
    static RowTiles from_knobs(const Knobs& k);
};

// `split_rows`: the tile_d knob too.
std::vector<KnobSpec> row_tile_knobs(bool split_rows = false);

// Defaults for a preset: the largest power-of-two tile (up to 64 rows, and no more than `rows`)
// whose double-buffered working set, `bytes_per_row` of SRAM per row, fits a quarter of the
// preset's l1 (the rest stays free for the kernels around it); parallel when it has several cores.
// Double-buffered unless two tiles and the `resident_bytes` held for the whole kernel (per-channel
// parameters) overflow l1.
Knobs row_tile_defaults(const npu::NpuConfig& npu, int64_t rows, int64_t bytes_per_row, int64_t resident_bytes = 0);
// The same for a kernel that can split its rows (`row` elements of `bytes_per_element` each): whole
// rows while one double-buffered row fits a quarter of l1, else one row per tile in the largest
// power-of-two pieces that do (not double-buffered).
Knobs split_row_tile_defaults(const npu::NpuConfig& npu, int64_t rows, int64_t row, int64_t bytes_per_element,
                              int64_t resident_bytes = 0);

// With s.host: rows spread over the host's cores, each row's Funcs computed per row and the
// element loops vectorized; reductions along the row keep their order.
void apply_row_tiles(Halide::Func out, const std::vector<Halide::Func>& per_tile,
                     const std::vector<Halide::ImageParam>& row_inputs,
                     const std::vector<Halide::ImageParam>& whole_inputs, const std::vector<Halide::Func>& once,
                     const RowTiles& s, int64_t rows, int64_t row = 0);

}  // namespace npusim::schedules
