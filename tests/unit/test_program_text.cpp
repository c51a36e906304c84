// npu::Program text form: hand-written programs parse, and print -> parse -> print is the identity.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/config_dir.h"
#include "flow/gemm_flow.h"
#include "sim/config/npu_config.h"
#include "sim/program.h"
#include "sim/simulator.h"

namespace {

const char* kHandWritten = R"(
program two_tiles   # a comment
param n value=4 min=1 max=4
tensor x int8 shape=[256, 4] strides=[1, 256] base=4096 input
tensor y int8 shape=[256, 4] strides=[1, 256] base=8192 output
sram buf int8 level=l1 bytes=512
token ready init=0
loop t min=0 extent=n {
  fork {
    thread {
      dma_in x offset=(t*256) box=[min(256, (1000 - (t*256))):1] -> buf offset=((t % 2)*256)
      signal ready count=1
    }
    thread {
      wait ready count=1
      if select((t < 3), 1, 0) {
        vector copy elements=256 dtype=int8 in=[buf] out=buf
      } else {
        vector fill elements=(256 - 16) dtype=int8 in=[] out=buf
      }
      dma_out buf offset=((t % 2)*256) -> y offset=(t*256) box=[256:1]
    }
  }
}
)";

TEST(ProgramText, ParsesHandWrittenProgram) {
    npu::Program p = npu::parse_program(kHandWritten);
    EXPECT_EQ(p.name, "two_tiles");
    ASSERT_EQ(p.params.size(), 1u);
    EXPECT_EQ(p.params[0].name, "n");
    EXPECT_EQ(p.params[0].max, 4);
    ASSERT_EQ(p.tensors.size(), 2u);
    EXPECT_EQ(p.tensors[0].base, 4096u);
    EXPECT_TRUE(p.tensors[1].is_output);
    ASSERT_EQ(p.body.size(), 2u);
    EXPECT_EQ(std::get<npu::Token>(p.body[0]).name, "ready");
    const auto& loop = std::get<npu::Loop>(p.body[1]);
    EXPECT_EQ(loop.var, "t");
    const auto& fork = std::get<npu::Fork>(loop.body[0]);
    ASSERT_EQ(fork.threads.size(), 2u);
    const auto& dma = std::get<npu::DmaIn>(fork.threads[0][0]);
    EXPECT_EQ(dma.box[0].extent.to_string(), "min(256, (1000 - (t*256)))");
}

TEST(ProgramText, RoundTripOfHandWrittenProgram) {
    npu::Program p = npu::parse_program(kHandWritten);
    std::string once = npu::to_text(p);
    std::string twice = npu::to_text(npu::parse_program(once));
    EXPECT_EQ(once, twice);
}

TEST(ProgramText, ParameterBindsPerRun) {
    // The loop runs `n` tiles: binding n = 2 moves half the bytes of n = 4, with no other change.
    npu::Program p = npu::parse_program(kHandWritten);
    const npu::NpuConfig cfg = npu::load_preset("default");
    const npu::Report four = npu::simulate(p, cfg);
    p.params[0].value = 2;
    const npu::Report two = npu::simulate(p, cfg);
    EXPECT_EQ(four.dram_bytes_written, 4u * 256u);
    EXPECT_EQ(two.dram_bytes_written, 2u * 256u);
    EXPECT_LT(two.cycles, four.cycles);
}

TEST(ProgramText, RoundTripOfCompiledGemm) {
    npusim::flow::GemmProblem g;
    g.m = 100;
    g.n = 96;
    g.k = 80;
    g.schedule = npusim::schedules::GemmSchedule::parse("tile_m=32,tile_n=32,tile_k=32");
    npu::Program p = npusim::flow::compile_gemm(g);
    std::string once = npu::to_text(p);
    npu::Program back = npu::parse_program(once);
    EXPECT_EQ(once, npu::to_text(back));
    EXPECT_EQ(back.sram.size(), p.sram.size());
}

TEST(ProgramText, ExampleInTheDocsRuns) {
    std::ifstream in(npu::config_dir() + "/../docs/program.md");
    std::stringstream doc;
    doc << in.rdbuf();
    std::string text = doc.str();
    auto start = text.find("program double_buffered");
    ASSERT_NE(start, std::string::npos);
    text = text.substr(start, text.find("```", start) - start);
    npu::Report r = npu::simulate(npu::parse_program(text, "docs/program.md"), npu::load_preset("default"));
    EXPECT_EQ(r.dram_bytes_read, 1024u);
    EXPECT_EQ(r.dram_bytes_written, 1024u);
    EXPECT_GE(r.cycles, r.roofline_cycles);
}

TEST(Expr, FloorSemanticsMatchHalide) {
    EXPECT_EQ(npu::floor_div(-7, 2), -4);
    EXPECT_EQ(npu::floor_mod(-7, 2), 1);
    npu::Expr e =
        npu::Expr::binary(npu::Expr::Kind::Mod, npu::Expr::var("i") - npu::Expr(int64_t{9}), npu::Expr(int64_t{4}));
    npu::BoundExpr b(e, {"i"}, "test");
    int64_t env[1] = {2};
    bool overflow = false;
    EXPECT_EQ(b.eval(env, overflow), 1);  // (2 - 9) mod 4 = 1
    EXPECT_FALSE(overflow);
    npu::BoundExpr big(npu::Expr::var("i") * npu::Expr(int64_t{1} << 62), {"i"}, "test");
    big.eval(env, overflow);
    EXPECT_TRUE(overflow);
    EXPECT_EQ(npu::floor_mod(INT64_MIN, 3), 1);
}

}  // namespace
