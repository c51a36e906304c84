// The SystemC model on hand-written programs: exact cycle counts from the documented formulas,
// overlap only where forks allow, shared DRAM bandwidth, deadlock detection, determinism.
#include <gtest/gtest.h>

#include "base/errors.h"
#include "sim/config/npu_config.h"
#include "sim/simulator.h"

namespace {

npu::NpuConfig preset() {
    return npu::load_preset("default");
}

npu::Report run(const std::string& body, const npu::NpuConfig& cfg = preset()) {
    std::string text = R"(program t
tensor x int8 shape=[4096] strides=[1] base=0 input
tensor y int8 shape=[4096] strides=[1] base=8192 output
sram a int8 level=l1 bytes=4096
sram b int8 level=l1 bytes=4096
sram c int32 level=acc bytes=16384
token tk init=0
)" + body;
    return npu::simulate(npu::parse_program(text), cfg);
}

// Bus occupancy of one transfer: overhead + bytes / sustained bandwidth.
uint64_t bus(const npu::NpuConfig& c, uint64_t bytes) {
    return static_cast<uint64_t>(c.dram_transfer_overhead_cycles) +
           static_cast<uint64_t>(static_cast<double>(bytes) / (c.dram_bytes_per_cycle * c.dram_efficiency));
}

// issue + setup + bus occupancy + latency, from the default preset's values.
uint64_t one_dma(const npu::NpuConfig& c, uint64_t bytes) {
    return static_cast<uint64_t>(c.control_issue_cycles + c.dma_setup_cycles + c.dram_latency_cycles) + bus(c, bytes);
}

TEST(Simulator, SingleDmaFollowsTheFormula) {
    auto c = preset();
    auto r = run("dma_in x offset=0 box=[2048:1] -> a offset=0\n");
    EXPECT_EQ(r.cycles, one_dma(c, 2048));
    EXPECT_EQ(r.dram_bytes_read, 2048u);
    EXPECT_EQ(r.dram_bus_bytes_read, 2048u);
    EXPECT_EQ(r.sram_bytes_written.at("l1"), 2048u);
}

TEST(Simulator, OneThreadRunsInOrder) {
    auto c = preset();
    auto r = run("dma_in x offset=0 box=[2048:1] -> a offset=0\ndma_in x offset=2048 box=[2048:1] -> b offset=0\n");
    EXPECT_EQ(r.cycles, 2 * one_dma(c, 2048));
}

TEST(Simulator, ForkedDmasOverlapButShareDramBandwidth) {
    auto c = preset();
    auto r = run(R"(fork {
  thread { dma_in x offset=0 box=[2048:1] -> a offset=0 }
  thread { dma_in x offset=2048 box=[2048:1] -> b offset=0 }
})");
    // Both start together; the second waits for the bus behind the first: one extra transfer time.
    EXPECT_EQ(r.cycles, one_dma(c, 2048) + bus(c, 2048));
    EXPECT_LT(r.cycles, 2 * one_dma(c, 2048));
    EXPECT_GE(r.cycles, r.roofline_cycles);
}

TEST(Simulator, MatMulFollowsWeightStationaryTiming) {
    auto c = preset();                         // 32 x 32 array
    c.set("mac.weight_buffers", "1", "test");  // SCALE-Sim's model: no weight FIFO
    auto r = run("matmul m=64 n=64 k=64 a=a:int8 b=b:int8 acc=c:int32\n", c);
    // Weight-stationary, as SCALE-Sim: 2 K-folds x 2 N-folds, each loading weights (rows), streaming
    // M rows and draining the skew (rows + cols - 2).
    const uint64_t fold = 32 + 64 + 32 + 32 - 2;
    EXPECT_EQ(r.cycles, static_cast<uint64_t>(c.control_issue_cycles) + 4 * fold);
    EXPECT_EQ(r.mac_ops, 64u * 64u * 64u);
    EXPECT_EQ(r.compute_bound_cycles, 64u * 64u * 64u / 1024u);
    // INT4 doubles the K covered per fold.
    auto r4 = run("matmul m=64 n=64 k=64 a=a:int4 b=b:int4 acc=c:int32\n", c);
    EXPECT_EQ(r4.cycles, static_cast<uint64_t>(c.control_issue_cycles) + 2 * fold);
}

TEST(Simulator, TokensOrderThreads) {
    auto c = preset();
    // The consumer's vector op cannot start before the producer's DMA signals.
    auto r = run(R"(fork {
  thread { dma_in x offset=0 box=[2048:1] -> a offset=0
           signal tk count=1 }
  thread { wait tk count=1
           vector copy elements=2048 dtype=int8 in=[a] out=b }
})");
    uint64_t vec = static_cast<uint64_t>(c.control_issue_cycles + c.vector_pipeline_cycles) +
                   2048 / static_cast<uint64_t>(c.vector_lanes) *
                       static_cast<uint64_t>(c.vector_cost[static_cast<int>(npu::VectorOp::Copy)]);
    EXPECT_EQ(r.cycles, one_dma(c, 2048) + vec);
}

TEST(Simulator, IfPredicatesOnLoopCounters) {
    auto c = preset();
    // Only iterations 0 and 3 of 4 transfer.
    auto r = run(R"(loop i min=0 extent=4 {
  if ((i == 0) + (i == 3)) { dma_in x offset=(i*512) box=[512:1] -> a offset=0 }
})");
    EXPECT_EQ(r.dram_bytes_read, 1024u);
    EXPECT_EQ(r.cycles, 2 * one_dma(c, 512));
}

TEST(Simulator, DeadlockIsReportedAndTheModelStaysUsable) {
    try {
        run("wait tk count=1\n");
        FAIL() << "expected a deadlock";
    } catch (const npu::ProgramError& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("deadlocked"), std::string::npos) << msg;
        EXPECT_NE(msg.find("token 'tk'"), std::string::npos) << msg;
    }
    // A fork whose threads wait on each other: a cycle of waits.
    EXPECT_THROW(run(R"(fork {
  thread { wait tk count=1
           signal tk count=1 }
  thread { wait tk count=2 }
})"),
                 npu::ProgramError);
    auto r = run("dma_in x offset=0 box=[2048:1] -> a offset=0\n");
    EXPECT_EQ(r.cycles, one_dma(preset(), 2048));
}

TEST(Simulator, EnergyIsTheSumOfItsParts) {
    auto r = run(R"(dma_in x offset=0 box=[2048:1] -> a offset=0
matmul m=32 n=32 k=64 a=a:int8 b=b:int8 acc=c:int32
dma_out a offset=0 -> y offset=0 box=[1024:1]
)");
    double sum = 0;
    for (const auto& [k, e] : r.energy_j_by_component) {
        EXPECT_GE(e, 0) << k;
        sum += e;
    }
    EXPECT_DOUBLE_EQ(sum, r.energy_j);
    auto c = preset();
    EXPECT_NEAR(r.energy_j_by_component.at("mac"), 32 * 32 * 64 * c.energy_mac_int8_pj * 1e-12, 1e-18);
    EXPECT_NEAR(r.energy_j_by_component.at("dram"), (2048 + 1024) * c.energy_dram_pj_per_byte * 1e-12, 1e-18);
    EXPECT_NEAR(r.energy_j_by_component.at("static"), c.energy_static_mw * 1e-3 * r.seconds, 1e-18);
}

TEST(Simulator, SameRunTwiceIsIdentical) {
    const char* body = R"(loop i min=0 extent=8 {
  fork {
    thread { dma_in x offset=(i*256) box=[256:1] -> a offset=0 }
    thread { matmul m=16 n=32 k=64 a=a:int8 b=b:int8 acc=c:int32 }
  }
})";
    auto r1 = run(body), r2 = run(body);
    EXPECT_EQ(r1.cycles, r2.cycles);
    EXPECT_EQ(r1.to_json(), r2.to_json());
}

TEST(Simulator, ParametersAreRunTimeData) {
    auto slow = preset();
    auto fast = preset();
    fast.set("dram.bytes_per_cycle", "64", "test");
    auto a = run("dma_in x offset=0 box=[4096:1] -> a offset=0\n", slow);
    auto b = run("dma_in x offset=0 box=[4096:1] -> a offset=0\n", fast);
    EXPECT_EQ(a.cycles - b.cycles, bus(slow, 4096) - bus(fast, 4096));
}

}  // namespace
