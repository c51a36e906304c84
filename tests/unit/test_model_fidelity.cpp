// The NPU model's parts against their formulas: DRAM sharing and efficiency, SRAM ports, MAC
// dataflows (small-M waste, W4A8 unpack, partial-sum spills), vector op costs, multiple cores.
#include <gtest/gtest.h>

#include "flow/gemm_flow.h"
#include "sim/config/npu_config.h"
#include "sim/mac/mac_timing.h"
#include "sim/simulator.h"

namespace {

npu::NpuConfig preset(std::initializer_list<std::pair<const char*, const char*>> overrides = {}) {
    npu::NpuConfig c = npu::load_preset("default");
    c.set("mac.weight_buffers", "1", "test");  // SCALE-Sim's fold model unless a test says otherwise
    for (const auto& [k, v] : overrides)
        c.set(k, v, "test");
    c.validate();
    return c;
}

const char* kHeader = R"(program t
tensor x int8 shape=[4194304] strides=[1] base=0 input
tensor y int8 shape=[4194304] strides=[1] base=8388608 output
sram a int8 level=l1 bytes=524288
sram b int8 level=l1 bytes=524288
sram c int32 level=acc bytes=262144
)";

npu::Report run(const std::string& body, const npu::NpuConfig& cfg) {
    return npu::simulate(npu::parse_program(std::string(kHeader) + body), cfg);
}

uint64_t engine_busy(const npu::Report& r, const std::string& name) {
    for (const auto& e : r.engines)
        if (e.name == name) return e.busy_cycles;
    ADD_FAILURE() << "no engine " << name;
    return 0;
}

TEST(Dram, DmaBoundTransferIsBytesOverBandwidthPlusLatency) {
    auto c = preset();
    auto r = run("dma_in x offset=0 box=[524288:1] -> a offset=0\n", c);
    const double ideal =
        524288 / (c.dram_bytes_per_cycle * c.dram_efficiency) + static_cast<double>(c.dram_latency_cycles);
    EXPECT_NEAR(static_cast<double>(r.cycles), ideal, 0.05 * ideal);
    EXPECT_GE(r.cycles, static_cast<uint64_t>(ideal));
}

TEST(Dram, ChannelsShareTheBusAndNeverBeatPeakBandwidth) {
    for (const char* eff : {"1.0", "0.5"}) {
        auto c = preset({{"dma.channels", "4"}, {"dram.efficiency", eff}});
        auto r = run(R"(fork {
  thread { dma_in x offset=0 box=[262144:1] -> a offset=0 }
  thread { dma_in x offset=262144 box=[262144:1] -> b offset=0 }
  thread { dma_in x offset=524288 box=[262144:1] -> a offset=262144 }
  thread { dma_in x offset=786432 box=[262144:1] -> b offset=262144 }
})",
                     c);
        const double at_peak = 1048576 / c.dram_bytes_per_cycle;
        EXPECT_GE(static_cast<double>(r.cycles), at_peak);
        EXPECT_GE(static_cast<double>(r.cycles), at_peak / c.dram_efficiency);
        EXPECT_LE(static_cast<double>(r.cycles), 1.05 * at_peak / c.dram_efficiency + 500);
    }
}

TEST(Dram, ReadWriteTurnaroundCosts) {
    auto c = preset({{"dram.turnaround_cycles", "100"}});
    auto same = run(R"(dma_in x offset=0 box=[4096:1] -> a offset=0
dma_in x offset=4096 box=[4096:1] -> a offset=4096
dma_out b offset=0 -> y offset=0 box=[4096:1]
dma_out b offset=4096 -> y offset=4096 box=[4096:1]
)",
                    c);
    auto mixed = run(R"(dma_in x offset=0 box=[4096:1] -> a offset=0
dma_out b offset=0 -> y offset=0 box=[4096:1]
dma_in x offset=4096 box=[4096:1] -> a offset=4096
dma_out b offset=4096 -> y offset=4096 box=[4096:1]
)",
                     c);
    EXPECT_EQ(mixed.cycles - same.cycles, 2u * 100u);  // three direction changes instead of one
}

TEST(Sram, WritePortLimitsDma) {
    auto c = preset({{"sram.l1_banks", "1"}, {"sram.l1_bank_bytes", "2"}});  // 2 B/cycle into l1
    auto r = run("dma_in x offset=0 box=[65536:1] -> a offset=0\n", c);
    EXPECT_GE(r.cycles, 65536u / 2u);
    auto fast = run("dma_in x offset=0 box=[65536:1] -> a offset=0\n", preset());
    EXPECT_LT(fast.cycles, r.cycles / 4);
}

// MAC-array cycles of one MatMul with everything on chip and ample SRAM bandwidth.
uint64_t matmul_cycles(const npu::NpuConfig& c, int m, int n, int k, const char* a = "int8", const char* b = "int8") {
    auto r = run("matmul m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k) + " a=a:" + a +
                     " b=b:" + b + " acc=c:int32\n",
                 c);
    return engine_busy(r, "mac");
}

TEST(MacArray, DataflowsFollowTheirFormulas) {
    const auto ample = {
        std::pair{"sram.l1_banks", "64"}, {"sram.l1_bank_bytes", "64"}, {"sram.acc_bytes_per_cycle", "65536"}};
    auto ws = preset(ample), os = preset(ample), dot = preset(ample);
    os.set("mac.dataflow", "os", "test");
    dot.set("mac.dataflow", "dot", "test");
    // 100 x 96 x 80 on 32 x 32 (SCALE-Sim 3.0.0 gives 1745 for ws, 1703 for os: one less, it counts from 0).
    EXPECT_EQ(matmul_cycles(ws, 100, 96, 80), 9u * (32 + 100 + 32 + 32 - 2));
    EXPECT_EQ(matmul_cycles(os, 100, 96, 80), 12u * (80 + 32 + 32 - 2));
    // dot: 32 units of 32 lanes: ceil(80/32) = 3 steps per output, 100 x ceil(96/32) output groups, + log2(32).
    EXPECT_EQ(matmul_cycles(dot, 100, 96, 80), 3u * 100u * 3u + 5u);
    // A weight FIFO overlaps each fold's weight load with the previous fold's stream: one load,
    // max(load, stream) per fold, one drain.
    auto fifo = ws;
    fifo.set("mac.weight_buffers", "2", "test");
    EXPECT_EQ(matmul_cycles(fifo, 100, 96, 80), 32u + 9u * 100 + (32 + 32 - 2));
    EXPECT_EQ(matmul_cycles(fifo, 1, 96, 80), 32u + 9u * 32 + (32 + 32 - 2));  // decode: load-bound
}

TEST(MacArray, SmallMWastesALargeArray) {
    auto c = preset({{"mac.rows", "128"}, {"mac.cols", "128"}});
    auto util = [&](int m) {
        const double ideal = static_cast<double>(m) * 4096 * 4096 / (128.0 * 128.0);
        return ideal / static_cast<double>(npu::mac_timing(c, {m, 4096, 4096, 1.0, false}).cycles);
    };
    EXPECT_LT(util(1), 0.01);  // decode: one row per weight fold
    EXPECT_LT(util(16), 0.06);
    EXPECT_LT(util(64), 0.25);
    EXPECT_GT(util(2048), 0.8);  // prefill amortises weight loads and skew
}

TEST(MacArray, W4A8PaysItsUnpackAndInt4Doubles) {
    auto c = preset({{"mac.int4_unpack_cycles", "20"}, {"mac.a8w4_per_pe_cycle", "1"}});
    const uint64_t w8a8 = matmul_cycles(c, 64, 64, 64);
    const uint64_t w4a8 = matmul_cycles(c, 64, 64, 64, "int8", "int4");
    const uint64_t w4a4 = matmul_cycles(c, 64, 64, 64, "int4", "int4");
    EXPECT_EQ(w4a8, w8a8 + 4u * 20u);  // four folds, each unpacked
    EXPECT_LT(w4a4, w8a8);             // two K-elements per PE per cycle: half the K folds
    // The a8w4 pair at two weights per PE per cycle: half the K folds, each still unpacked.
    auto fast = preset({{"mac.int4_unpack_cycles", "20"}, {"mac.a8w4_per_pe_cycle", "2"}});
    EXPECT_LT(matmul_cycles(fast, 64, 64, 64, "int8", "int4"), w4a8);
}

TEST(MacArray, PartialSumsSpillWhenTheAccumulatorsOverflow) {
    auto fits = preset({{"mac.accumulator_rows", "256"}});
    auto spills = preset({{"mac.accumulator_rows", "32"}});
    const char* mm = "matmul m=64 n=32 k=256 a=a:int8 b=b:int8 acc=c:int32\n";
    auto r1 = run(mm, fits), r2 = run(mm, spills);
    // 8 K folds: 7 extra round trips of the 64 x 32 int32 partial sums.
    EXPECT_EQ(r2.sram_bytes_written.at("acc") - r1.sram_bytes_written.at("acc"), 7u * 64u * 32u * 4u);
    EXPECT_GT(r2.energy_j_by_component.at("acc"), r1.energy_j_by_component.at("acc"));
}

TEST(VectorUnit, OpsCostWhatThePresetSays) {
    auto c = preset();
    auto add = run("vector add elements=4096 dtype=int8 in=[a] out=b\n", c);
    auto exp = run("vector exp elements=4096 dtype=int8 in=[a] out=b\n", c);
    const uint64_t vectors = 4096 / static_cast<uint64_t>(c.vector_lanes);
    EXPECT_EQ(engine_busy(add, "vector"), static_cast<uint64_t>(c.vector_pipeline_cycles) +
                                              vectors * static_cast<uint64_t>(c.vector_cost[int(npu::VectorOp::Add)]));
    EXPECT_EQ(engine_busy(exp, "vector"), static_cast<uint64_t>(c.vector_pipeline_cycles) +
                                              vectors * static_cast<uint64_t>(c.vector_cost[int(npu::VectorOp::Exp)]));
    EXPECT_GT(exp.cycles, add.cycles);
}

TEST(MultiCore, ParallelLoopSpreadsIterationsOverCores) {
    const char* body = R"(loop i min=0 extent=8 parallel {
  matmul m=64 n=64 k=64 a=a:int8 b=b:int8 acc=c:int32
})";
    auto one = run(body, preset());
    auto four = run(body, preset({{"cores", "4"}}));
    EXPECT_EQ(one.mac_ops, four.mac_ops);
    EXPECT_EQ(four.cycles * 4, one.cycles);  // compute only: perfect scaling
    for (const char* e : {"core0.mac", "core1.mac", "core2.mac", "core3.mac"})
        EXPECT_EQ(engine_busy(four, e) * 4, engine_busy(one, "mac"));
}

TEST(MultiCore, CoresShareDram) {
    const char* body = R"(loop i min=0 extent=8 parallel {
  dma_in x offset=(i*262144) box=[262144:1] -> a offset=0
})";
    auto one = run(body, preset()), four = run(body, preset({{"cores", "4"}}));
    EXPECT_GE(four.cycles, four.memory_bound_cycles);
    EXPECT_GT(static_cast<double>(four.cycles), 0.9 * static_cast<double>(one.cycles));  // bandwidth-bound either way
}

TEST(MultiCore, ParallelGemmScheduleUsesEveryCore) {
    npusim::flow::GemmProblem p;
    p.m = 1024;
    p.n = 256;
    p.k = 512;
    p.schedule = npusim::schedules::GemmSchedule::parse("tile_m=128,tile_n=128,tile_k=64,parallel=1");
    auto cfg = preset({{"cores", "4"}, {"dram.bytes_per_cycle", "256"}});
    auto four = npusim::flow::simulate_gemm(p, cfg);
    p.schedule.parallel = false;
    auto one = npusim::flow::simulate_gemm(p, cfg);
    EXPECT_EQ(four.mac_ops, one.mac_ops);
    EXPECT_EQ(four.dram_bytes_read, one.dram_bytes_read);
    EXPECT_LT(static_cast<double>(four.cycles), 0.4 * static_cast<double>(one.cycles));
    EXPECT_GE(four.cycles, four.roofline_cycles);
    for (const char* e : {"core0.mac", "core1.mac", "core2.mac", "core3.mac"})
        EXPECT_GT(engine_busy(four, e), 0u);
}

TEST(Presets, EveryShippedPresetLoadsAndSimulates) {
    auto names = npu::preset_names();
    for (const char* want :
         {"default", "hexagon_8gen3", "intel_mtl_npu", "ethos_u55_256", "ethos_u65_512", "edge_tpu", "rk3588"})
        EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
    npusim::flow::GemmProblem p;
    p.m = p.n = p.k = 128;
    p.schedule = npusim::schedules::GemmSchedule::parse("tile_m=32,tile_n=32,tile_k=32");
    for (const auto& n : names) {
        auto r = npusim::flow::simulate_gemm(p, npu::load_preset(n));
        EXPECT_GE(r.cycles, r.roofline_cycles) << n;
        EXPECT_EQ(r.mac_ops, 128u * 128u * 128u) << n;
    }
}

}  // namespace
