#include "schedules/elementwise/row_tiles.h"

#include <algorithm>

#include "sim/config/npu_config.h"

namespace npusim::schedules {

using namespace Halide;

RowTiles RowTiles::from_knobs(const Knobs& k) {
    return {knob_int(k, "tile_t"), knob_flag(k, "double_buffer"), knob_flag(k, "parallel"),
            k.count("tile_d") ? knob_int(k, "tile_d") : 0};
}

std::vector<KnobSpec> row_tile_knobs(bool split_rows) {
    std::vector<KnobSpec> k = {
        {"tile_t", true, {"1", "2", "4", "8", "16", "32", "64", "128"}, "rows (tokens) per tile"},
        {"double_buffer", false, {"0", "1"}, "load the next tile while computing this one"},
        {"parallel", false, {"0", "1"}, "spread tiles over the NPU's cores"},
    };
    if (split_rows)
        k.push_back({"tile_d",
                     true,
                     {"0", "1024", "4096", "16384", "65536"},
                     "elements of a row per tile (0: whole rows; else one row per tile, not double-buffered)",
                     0});
    return k;
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

Knobs split_row_tile_defaults(const npu::NpuConfig& cfg, int64_t rows, int64_t row, int64_t bytes_per_element,
                              int64_t resident_bytes) {
    Knobs k = row_tile_defaults(cfg, rows, row * bytes_per_element, resident_bytes);
    k["tile_d"] = "0";
    if (2 * row * bytes_per_element <= cfg.sram_l1_bytes / 4) return k;
    int64_t piece = 1;
    while (piece * 2 < row && 2 * (piece * 2) * bytes_per_element <= cfg.sram_l1_bytes / 4)
        piece *= 2;
    k["tile_t"] = "1";
    k["tile_d"] = std::to_string(piece);
    k["double_buffer"] = "0";
    return k;
}

void apply_row_tiles(Func out, const std::vector<Func>& per_tile, const std::vector<ImageParam>& row_inputs,
                     const std::vector<ImageParam>& whole_inputs, const std::vector<Func>& once, const RowTiles& s,
                     int64_t rows, int64_t row) {
    if (s.host) {
        constexpr int kLanes = 16;
        const Var t = out.args().back(), x = out.args().front();
        Var to("to"), ti("ti");
        out.split(t, to, ti, 16, TailStrategy::GuardWithIf)
            .parallel(to)
            .vectorize(x, kLanes, TailStrategy::GuardWithIf);
        for (Func f : per_tile) {
            f.compute_at(out, ti);
            if (f.dimensions() > 1 && !f.has_update_definition())
                f.vectorize(f.args().front(), kLanes, TailStrategy::GuardWithIf);
        }
        for (Func f : once)
            f.compute_root();
        return;
    }
    const int tile = static_cast<int>(std::min<int64_t>(s.tile_t, rows));
    Var t = out.args().back(), to("to"), ti("ti");
    out.split(t, to, ti, tile);
    if (s.parallel) out.parallel(to);
    // A row in pieces: the piece loop inside the row-tile loop, and each piece is the unit staged.
    const bool pieces = s.tile_d > 0 && row > s.tile_d;
    Var at = to;
    if (pieces) {
        Var x = out.args().front(), xo("xo"), xi("xi");
        out.split(x, xo, xi, s.tile_d).reorder(xi, ti, xo, to);
        at = xo;
    }
    for (Func f : per_tile)
        f.compute_at(out, at).store_in(MemoryType::VTCM);
    for (ImageParam p : row_inputs) {
        Func staged = p.in();
        staged.compute_at(out, at).store_in(MemoryType::VTCM);
        // Two tiles of storage and a producer running ahead (Fork/Acquire -> signal/wait). Not
        // across cores (each core's tiles are independent), not with a ragged last tile (Halide
        // would need a semaphore per tail), and not for pieces of a row.
        if (s.double_buffer && !s.parallel && !pieces && rows > tile && rows % tile == 0)
            staged.store_root().fold_storage(staged.args().back(), 2 * tile).async();
    }
    for (ImageParam p : whole_inputs)
        p.in().compute_root().store_in(MemoryType::VTCM);
    for (Func f : once)
        f.compute_root().store_in(MemoryType::VTCM);
}

}  // namespace npusim::schedules
