#include "schedules/gemm/gemm_schedule.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "base/errors.h"

namespace npusim::schedules {

using namespace Halide;

namespace {

const char* kKnobs = "tile_m, tile_n, tile_k, order, stage_a, stage_b, double_buffer, overlap_out, parallel, native_w";

int parse_positive(const std::string& knob, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    long x = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE || x <= 0 || x > (1 << 20))
        throw npu::ScheduleError("schedule knob " + knob + " must be an integer in [1, 1048576], got '" + v + "'");
    return static_cast<int>(x);
}

std::string parse_choice(const std::string& knob, const std::string& v, std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
        if (v == a) return v;
        list += std::string(list.empty() ? "" : ", ") + a;
    }
    throw npu::ScheduleError("schedule knob " + knob + " must be one of " + list + ", got '" + v + "'");
}

}  // namespace

GemmSchedule GemmSchedule::from_map(const std::map<std::string, std::string>& knobs) {
    GemmSchedule s;
    for (const auto& [k, v] : knobs) {
        if (k == "tile_m")
            s.tile_m = parse_positive(k, v);
        else if (k == "tile_n")
            s.tile_n = parse_positive(k, v);
        else if (k == "tile_k")
            s.tile_k = parse_positive(k, v);
        else if (k == "order")
            s.order = parse_choice(k, v, {"mn", "nm"});
        else if (k == "stage_a")
            s.stage_a = parse_choice(k, v, {"k", "panel"});
        else if (k == "stage_b")
            s.stage_b = parse_choice(k, v, {"k", "panel"});
        else if (k == "double_buffer")
            s.double_buffer = parse_choice(k, v, {"0", "1"}) == "1";
        else if (k == "overlap_out")
            s.overlap_out = parse_choice(k, v, {"0", "1"}) == "1";
        else if (k == "parallel")
            s.parallel = parse_choice(k, v, {"0", "1"}) == "1";
        else if (k == "native_w")
            s.native_w = parse_choice(k, v, {"0", "1"}) == "1";
        else
            throw npu::ScheduleError("unknown GEMM schedule knob '" + k + "' (knobs: " + kKnobs + ")");
    }
    return s;
}

GemmSchedule GemmSchedule::parse(const std::string& text) {
    std::map<std::string, std::string> knobs;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        auto eq = item.find('=');
        if (eq == std::string::npos)
            throw npu::ScheduleError("schedule item '" + item + "' is not knob=value (knobs: " + kKnobs + ")");
        std::string k = item.substr(0, eq);
        if (knobs.count(k)) throw npu::ScheduleError("schedule knob " + k + " is given twice");
        knobs[k] = item.substr(eq + 1);
    }
    return from_map(knobs);
}

std::string GemmSchedule::to_string() const {
    return "tile_m=" + std::to_string(tile_m) + ",tile_n=" + std::to_string(tile_n) +
           ",tile_k=" + std::to_string(tile_k) + ",order=" + order + ",stage_a=" + stage_a + ",stage_b=" + stage_b +
           ",double_buffer=" + (double_buffer ? "1" : "0") + ",overlap_out=" + (overlap_out ? "1" : "0") +
           ",parallel=" + (parallel ? "1" : "0") + ",native_w=" + (native_w ? "1" : "0");
}

std::map<std::string, std::string> GemmSchedule::to_map() const {
    return {{"tile_m", std::to_string(tile_m)},
            {"tile_n", std::to_string(tile_n)},
            {"tile_k", std::to_string(tile_k)},
            {"order", order},
            {"stage_a", stage_a},
            {"stage_b", stage_b},
            {"double_buffer", double_buffer ? "1" : "0"},
            {"overlap_out", overlap_out ? "1" : "0"},
            {"parallel", parallel ? "1" : "0"},
            {"native_w", native_w ? "1" : "0"}};
}

void GemmSchedule::validate() const {
    from_map({{"tile_m", std::to_string(tile_m)},
              {"tile_n", std::to_string(tile_n)},
              {"tile_k", std::to_string(tile_k)},
              {"order", order},
              {"stage_a", stage_a},
              {"stage_b", stage_b}});
}

void apply_gemm_schedule(kernels::Gemm& g, const GemmSchedule& s, int m, int n, int k) {
    s.validate();
    const int tm = std::min(s.tile_m, m), tn = std::min(s.tile_n, n), tk = std::min(s.tile_k, k);
    Var no("no"), mo("mo"), ni("ni"), mi("mi");
    RVar ko("ko"), ki("ki");
    g.out.tile(g.n, g.m, no, mo, ni, mi, tn, tm);
    if (s.order == "mn")
        g.out.reorder(ni, mi, no, mo);
    else
        g.out.reorder(ni, mi, mo, no);
    const Var& inner = s.order == "mn" ? no : mo;  // the tile loop each output tile is computed at
    const Var& outer = s.order == "mn" ? mo : no;
    const int inner_extent = s.order == "mn" ? n : m, inner_tile = s.order == "mn" ? tn : tm;
    // Outer tiles on different cores: each core runs its share of the tile loop with its own SRAM.
    if (s.parallel) g.out.parallel(outer);

    // The result tile is staged on chip so a DMA copies it out; the accumulator tile lives in the
    // accumulator SRAM for the whole K loop.
    g.result.compute_at(g.out, inner).store_in(MemoryType::VTCM);
    if (s.overlap_out) {
        if (inner_extent % inner_tile)
            throw npu::ScheduleError("overlap_out=1 needs the inner tile loop to divide evenly (" +
                                     std::string(s.order == "mn" ? "n" : "m") + " = " + std::to_string(inner_extent) +
                                     " by " + std::to_string(inner_tile) +
                                     "): Halide cannot fold a ragged tail's storage");
        // The result (with the whole K loop of acc inside it) runs in a producer thread one tile
        // ahead, so the copy-out of tile i overlaps the MatMuls of tile i + 1.
        const int along = s.order == "mn" ? 0 : 1;
        g.result.store_at(g.out, outer).fold_storage(g.result.args()[along], 2 * inner_tile).async();
        g.acc.compute_at(g.result, Var::outermost()).store_in(MemoryType::LockedCache);
    } else {
        g.acc.compute_at(g.out, inner).store_in(MemoryType::LockedCache);
    }
    g.acc.update().split(g.k.x, ko, ki, tk).reorder(ki, g.n, g.m, ko);

    // Per-channel tables (requantization, weight scales), staged where the result is computed (in
    // its thread if async).
    for (ImageParam p : g.epilogue) {
        Func t = p.in();
        if (s.overlap_out)
            t.compute_at(g.result, Var::outermost()).store_in(MemoryType::VTCM);
        else
            t.compute_at(g.out, inner).store_in(MemoryType::VTCM);
    }

    // One-element tensors (a static activation scale) are loaded once, before the tiles.
    for (ImageParam p : g.constants)
        p.in().compute_root().store_in(MemoryType::VTCM);

    const bool several_k_steps = k > tk;
    // One operand side: its DRAM tensors staged by DMA (per K step or as a panel) and the Funcs
    // that turn the staged tiles into the MAC operand (unpack, dequantize, quantize), computed
    // beside them on the vector unit.
    auto stage = [&](const std::vector<ImageParam>& sources, const std::vector<Func>& prep, bool needs_row,
                     const std::string& where, const Var& panel_loop, const char* knob) {
        if (needs_row && where != "panel")
            throw npu::ScheduleError(std::string(knob) + "=k cannot stage " + prep.front().name() +
                                     ": it reduces over all of K before the MatMuls; use " + knob + "=panel");
        // A panel of the inner tile loop is consumed inside the result's producer thread when that
        // runs ahead (overlap_out): it must be loaded there too, or the MatMuls would not wait for it.
        const bool panel_in_producer = s.overlap_out && &panel_loop == &inner;
        auto at_panel = [&](Func f) {
            if (panel_in_producer)
                f.compute_at(g.result, Var::outermost()).store_in(MemoryType::VTCM);
            else
                f.compute_at(g.out, panel_loop).store_in(MemoryType::VTCM);
        };
        for (ImageParam p : sources) {
            Func f = p.in();
            if (where == "panel") {
                at_panel(f);
                continue;
            }
            f.compute_at(g.acc, ko).store_in(MemoryType::VTCM);
            // Two K steps of storage and a producer running ahead: the DMA of step ko+1 overlaps
            // the MatMul of step ko (Halide lowers this to Fork/Acquire, i.e. Signal/Wait). A
            // tensor packing or grouping K (int4 pairs, per-group scales) has tile_k / k_per_row
            // rows per step; when that is not whole (a scale group spans several steps) Halide
            // would need a semaphore per tail, so that tensor is loaded in step instead.
            const auto packed = g.k_per_row.find(p.name());
            const int k_per_row = packed == g.k_per_row.end() ? 1 : packed->second;
            if (s.double_buffer && several_k_steps && tk % k_per_row == 0) {
                const bool across_tiles = s.overlap_out && &panel_loop == &inner;
                if (across_tiles) {
                    // The stream continues from one output tile into the next: two tiles' worth of
                    // K steps in flight, so the next tile's loads run during this tile's epilogue.
                    f.store_at(g.out, outer)
                        .fold_storage(f.args()[0], 2 * (tk / k_per_row))
                        .fold_storage(f.args()[1], 2 * inner_tile)
                        .async();
                } else {
                    f.store_at(g.out, inner).fold_storage(f.args()[0], 2 * (tk / k_per_row)).async();
                }
            } else if (s.double_buffer && !several_k_steps && &panel_loop == &inner && f.dimensions() == 2 &&
                       inner_extent % inner_tile == 0 && inner_extent > inner_tile) {
                // One K step per output tile: the next tile's operand loads during this tile's
                // MatMuls instead (two tiles of storage, the loads a tile ahead).
                f.store_at(g.out, outer).fold_storage(f.args()[1], 2 * inner_tile).async();
            }
        }
        for (Func f : prep) {
            // Weights the array reads as stored: the unpack stays inline in the MatMul's operand.
            if (s.native_w && &prep == &g.w_prep) continue;
            if (where == "panel")
                at_panel(f);
            else
                f.compute_at(g.acc, ko).store_in(MemoryType::VTCM);
        }
    };
    stage(g.a_sources, g.a_prep, g.a_prep_needs_row, s.stage_a, mo, "stage_a");
    stage(g.w_sources, g.w_prep, false, s.stage_b, no, "stage_b");
}

void apply_gemm_host_schedule(kernels::Gemm& g) {
    constexpr int kLanes = 16, kRows = 32, kCols = 256;
    Var mo("mo"), mi("mi"), no("no"), ni("ni");
    g.out.tile(g.n, g.m, no, mo, ni, mi, kCols, kRows, TailStrategy::GuardWithIf)
        .reorder(ni, mi, no, mo)
        .parallel(mo)
        .vectorize(ni, kLanes, TailStrategy::GuardWithIf);
    g.acc.compute_at(g.out, no).vectorize(g.n, kLanes, TailStrategy::GuardWithIf);
    g.acc.update().reorder(g.n, g.k.x, g.m).vectorize(g.n, kLanes, TailStrategy::GuardWithIf);
    // The operand prep per block of rows (a dynamic scale reduces over all of K first).
    for (Func f : g.a_prep)
        f.compute_at(g.out, mo);
    // W as (n, k) in memory: computed (unpacked, dequantized) once, stored channel-innermost.
    auto transpose = [&](Func f) {
        f.compute_root()
            .reorder_storage(f.args()[1], f.args()[0])
            .vectorize(f.args()[0], kLanes, TailStrategy::GuardWithIf);
    };
    if (g.w_prep.empty()) {
        for (ImageParam p : g.w_sources)
            transpose(p.in(g.acc));
    } else {
        for (Func f : g.w_prep)
            transpose(f);
    }
}

}  // namespace npusim::schedules
