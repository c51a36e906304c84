#include "schedules/elementwise/row_tiles.h"

#include <algorithm>

#include "sim/config/npu_config.h"

namespace npusim::schedules {

using namespace Halide;

RowTiles RowTiles::from_knobs(const Knobs& k) {
    return {knob_int(k, "tile_t"), knob_flag(k, "double_buffer"), knob_flag(k, "parallel")};
}

std::vector<KnobSpec> row_tile_knobs() {
    return {
        {"tile_t", true, {"1", "2", "4", "8", "16", "32", "64", "128"}, "rows (tokens) per tile"},
        {"double_buffer", false, {"0", "1"}, "load the next tile while computing this one"},
        {"parallel", false, {"0", "1"}, "spread tiles over the NPU's cores"},
    };
}

Knobs row_tile_defaults(const npu::NpuConfig& cfg, int64_t rows, int64_t bytes_per_row, int64_t resident_bytes) {
    int64_t tile = 1;
    while (tile < 64 && tile * 2 <= rows && 2 * (tile * 2) * bytes_per_row <= cfg.sram_l1_bytes / 4)
        tile *= 2;
    // A small SRAM (Ethos-U: 40 KiB) may hold one row tile beside the resident inputs but not two.
    const bool double_buffer = 2 * tile * bytes_per_row + resident_bytes <= cfg.sram_l1_bytes;
    return {{"tile_t", std::to_string(tile)},
            {"double_buffer", double_buffer ? "1" : "0"},
            {"parallel", cfg.cores > 1 ? "1" : "0"}};
}

void apply_row_tiles(Func out, const std::vector<Func>& per_tile, const std::vector<ImageParam>& row_inputs,
                     const std::vector<ImageParam>& whole_inputs, const std::vector<Func>& once, const RowTiles& s,
                     int64_t rows) {
    const int tile = static_cast<int>(std::min<int64_t>(s.tile_t, rows));
    Var t = out.args().back(), to("to"), ti("ti");
    out.split(t, to, ti, tile);
    if (s.parallel) out.parallel(to);
    for (Func f : per_tile)
        f.compute_at(out, to).store_in(MemoryType::VTCM);
    for (ImageParam p : row_inputs) {
        Func staged = p.in();
        staged.compute_at(out, to).store_in(MemoryType::VTCM);
        // Two tiles of storage and a producer running ahead (Fork/Acquire -> signal/wait). Not
        // across cores (each core's tiles are independent), and not with a ragged last tile
        // (Halide would need a semaphore per tail).
        if (s.double_buffer && !s.parallel && rows > tile && rows % tile == 0)
            staged.store_root().fold_storage(staged.args().back(), 2 * tile).async();
    }
    for (ImageParam p : whole_inputs)
        p.in().compute_root().store_in(MemoryType::VTCM);
    for (Func f : once)
        f.compute_root().store_in(MemoryType::VTCM);
}

}  // namespace npusim::schedules
