// The scheduled W8A8 GEMM lowered from Halide and simulated: roofline, conservation of bytes and
// MACs against the tiling's analytic counts, double buffering, alignment, repeated runs.
#include <gtest/gtest.h>

#include "base/errors.h"
#include "flow/gemm_flow.h"
#include "sim/config/npu_config.h"

namespace {

using npusim::flow::GemmLayout;
using npusim::flow::GemmProblem;
using npusim::schedules::GemmSchedule;

GemmProblem problem(int64_t m, int64_t n, int64_t k, const std::string& sched = "", const std::string& layout = "") {
    GemmProblem p;
    p.m = m;
    p.n = n;
    p.k = k;
    p.schedule = GemmSchedule::parse(sched);
    p.layout = GemmLayout::parse(layout);
    return p;
}

npu::Report sim(const GemmProblem& p) {
    return npusim::flow::simulate_gemm(p, npu::load_preset("default"));
}

uint64_t dma_busy(const npu::Report& r) {
    uint64_t b = 0;
    for (const auto& e : r.engines)
        if (e.name.rfind("dma", 0) == 0) b += e.busy_cycles;
    return b;
}

TEST(GemmSim, NeverBelowRooflineAndMacsConserved) {
    for (auto [m, n, k] : {std::tuple{64, 64, 64}, {128, 256, 512}, {100, 96, 80}, {1, 512, 512}, {512, 512, 512}}) {
        for (const char* s :
             {"", "tile_m=32,tile_n=32,tile_k=32,double_buffer=0", "tile_m=64,tile_n=128,tile_k=64,order=nm"}) {
            auto r = sim(problem(m, n, k, s));
            EXPECT_GE(r.cycles, r.roofline_cycles) << m << "x" << n << "x" << k << " " << s;
            EXPECT_GE(r.roofline_cycles, r.compute_bound_cycles);
            EXPECT_GE(r.roofline_cycles, r.memory_bound_cycles);
            // Tiles shifted inwards at ragged edges recompute a few outputs, never fewer.
            EXPECT_GE(r.mac_ops, static_cast<uint64_t>(m) * n * k) << m << "x" << n << "x" << k << " " << s;
        }
    }
}

TEST(GemmSim, DividingTilesDoExactlyMNKMacs) {
    auto r = sim(problem(256, 128, 384, "tile_m=64,tile_n=64,tile_k=128"));
    EXPECT_EQ(r.mac_ops, 256u * 128u * 384u);
    EXPECT_EQ(r.mac_ops_by_type.at("int8"), r.mac_ops);
}

TEST(GemmSim, ComputeBoundShapeWithGoodScheduleIsNearRoofline) {
    auto r = sim(problem(512, 512, 2048));
    EXPECT_EQ(r.roofline_cycles, r.compute_bound_cycles);
    EXPECT_LE(static_cast<double>(r.cycles), 1.5 * static_cast<double>(r.roofline_cycles))
        << r.cycles << " vs roofline " << r.roofline_cycles;
}

TEST(GemmSim, DramBytesMatchTheTiling) {
    const uint64_t M = 256, N = 384, K = 512, tm = 64, tn = 128, tk = 128;
    auto r = sim(problem(M, N, K, "tile_m=64,tile_n=128,tile_k=128"));
    // A is re-read for every column of tiles, W for every row of tiles; each output tile stages
    // its tile_n x 3 int32 requantization parameters once; the output is written once.
    uint64_t a = M * K * (N / tn), w = N * K * (M / tm), qp = (M / tm) * (N / tn) * tn * 3 * 4;
    EXPECT_EQ(r.dram_bytes_read, a + w + qp);
    EXPECT_EQ(r.dram_bytes_written, M * N);
    // Dense, 4 KiB-aligned tensors whose rows are whole bursts: nothing wasted on the bus.
    EXPECT_EQ(r.dram_bus_bytes_read, r.dram_bytes_read);
    (void)tk;
    // Staging A as a tile_m x K panel reused across the n tiles reads A exactly once.
    auto panel = sim(problem(M, N, K, "tile_m=64,tile_n=128,tile_k=128,stage_a=panel"));
    EXPECT_EQ(panel.dram_bytes_read, M * K + w + qp);
}

TEST(GemmSim, DoubleBufferingOverlapsDmaAndCostsSram) {
    // 64x64 tiles, K steps of 128: per step the DMAs (16 KiB) and the MatMul are comparable.
    auto single = sim(problem(256, 256, 1024, "tile_m=64,tile_n=64,tile_k=128,double_buffer=0"));
    auto dbl = sim(problem(256, 256, 1024, "tile_m=64,tile_n=64,tile_k=128,double_buffer=1"));
    EXPECT_LT(dbl.cycles, single.cycles);
    EXPECT_LT(static_cast<double>(dbl.cycles), 0.9 * static_cast<double>(single.cycles));
    // A second buffer for the A tile and for the W tile.
    EXPECT_EQ(dbl.sram_peak_bytes - single.sram_peak_bytes, 64u * 128u + 64u * 128u);
    EXPECT_EQ(dbl.mac_ops, single.mac_ops);
    EXPECT_EQ(dbl.dram_bytes_read, single.dram_bytes_read);
}

TEST(GemmSim, MisalignedRowsCostMoreDmaCycles) {
    const std::string s = "tile_m=64,tile_n=64,tile_k=64";
    auto aligned = sim(problem(256, 64, 64, s, "a_pitch=64"));
    auto pitch65 = sim(problem(256, 64, 64, s, "a_pitch=65"));
    auto shifted = sim(problem(256, 64, 64, s, "base_offset=1"));
    EXPECT_EQ(aligned.dram_bytes_read, pitch65.dram_bytes_read);  // same useful bytes
    EXPECT_GT(pitch65.dram_bus_bytes_read, aligned.dram_bus_bytes_read);
    EXPECT_GT(shifted.dram_bus_bytes_read, aligned.dram_bus_bytes_read);
    EXPECT_GT(dma_busy(pitch65), dma_busy(aligned));
    EXPECT_GT(dma_busy(shifted), dma_busy(aligned));
    EXPECT_GE(pitch65.cycles, aligned.cycles);
}

TEST(GemmSim, ScheduleChangesTheProgram) {
    auto a = npu::to_text(npusim::flow::compile_gemm(problem(256, 256, 256, "tile_m=64,tile_n=64,tile_k=64")));
    auto b = npu::to_text(npusim::flow::compile_gemm(problem(256, 256, 256, "tile_m=128,tile_n=64,tile_k=64")));
    auto c = npu::to_text(
        npusim::flow::compile_gemm(problem(256, 256, 256, "tile_m=64,tile_n=64,tile_k=64,double_buffer=0")));
    EXPECT_NE(a, b);
    EXPECT_NE(a, c);
    EXPECT_NE(a.find("fork"), std::string::npos);
    EXPECT_EQ(c.find("fork"), std::string::npos);  // no async producers, no threads
    EXPECT_NE(a.find("matmul m=64 n=64 k=64"), std::string::npos);
    EXPECT_NE(b.find("matmul m=128 n=64 k=64"), std::string::npos);
}

TEST(GemmSim, SameRunTwiceGivesIdenticalCycles) {
    auto p = problem(192, 160, 320, "tile_m=64,tile_n=32,tile_k=64");
    auto r1 = sim(p), r2 = sim(p);
    EXPECT_EQ(r1.cycles, r2.cycles);
    EXPECT_EQ(r1.to_json(), r2.to_json());
}

TEST(GemmSim, ResultsDoNotDependOnEarlierRuns) {
    // A, then a long run B (fractional bandwidth, so time is far from any round number), then A:
    // every run measures from its own start.
    auto a = problem(100, 96, 80, "tile_m=32,tile_n=32,tile_k=32");
    auto first = sim(a);
    auto cfg = npu::load_preset("default");
    cfg.set("dram.bytes_per_cycle", "3.3", "test");
    npusim::flow::simulate_gemm(problem(1024, 512, 512, "tile_m=64,tile_n=64,tile_k=64"), cfg);
    EXPECT_EQ(sim(a).to_json(), first.to_json());
}

TEST(GemmSim, TwoHundredRunsWithDifferentPresetsAndShapes) {
    const std::vector<std::tuple<int, int, int>> shapes = {
        {64, 64, 64}, {128, 64, 256}, {96, 160, 64}, {256, 128, 128}, {33, 65, 97}};
    std::map<std::string, uint64_t> first;
    for (int i = 0; i < 200; ++i) {
        auto cfg = npu::load_preset("default");
        cfg.set("dram.bytes_per_cycle", std::to_string(8 + 8 * (i % 8)), "test");
        cfg.set("mac.rows", std::to_string(16 << (i % 3)), "test");
        cfg.set("dma.channels", std::to_string(1 + i % 4), "test");
        auto [m, n, k] = shapes[static_cast<size_t>(i) % shapes.size()];
        auto r = npusim::flow::simulate_gemm(problem(m, n, k, "tile_m=32,tile_n=32,tile_k=32"), cfg);
        ASSERT_GE(r.cycles, r.roofline_cycles);
        ASSERT_GE(r.mac_ops, static_cast<uint64_t>(m) * n * k);
        std::string key = std::to_string(i % 24) + "/" + std::to_string(i % 5);
        auto [it, fresh] = first.emplace(key, r.cycles);
        if (!fresh) {
            ASSERT_EQ(it->second, r.cycles) << "run " << i << " differs from an identical earlier run";
        }
    }
}

}  // namespace
