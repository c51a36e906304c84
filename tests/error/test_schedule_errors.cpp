// Schedules and shapes that cannot be mapped: errors name the Func or knob and the sizes.
#include <gtest/gtest.h>

#include "base/errors.h"
#include "flow/gemm_flow.h"
#include "sim/config/npu_config.h"
#include "tests/support/expect_message.h"

namespace {

using npusim::test::expect_contains;
using npusim::test::message_of;

using namespace npusim::schedules;
using namespace npusim::flow;

TEST(ScheduleErrors, TilesOverflowingSramNameTheFuncsAndSizes) {
    GemmProblem p;
    p.m = p.n = p.k = 1024;
    p.schedule = GemmSchedule::parse("tile_m=1024,tile_n=1024,tile_k=512");
    std::string msg = message_of<npu::ScheduleError>([&] { simulate_gemm(p, npu::load_preset("default")); });
    expect_contains(msg, "SRAM level 'l1' overflows: the schedule needs");
    expect_contains(msg, "preset 'default' has 1048576 B (sram.l1_bytes)");
    expect_contains(msg, "Func a_in 1048576 B");  // 1024 x 512 int8, double-buffered
    expect_contains(msg, "Func w_in 1048576 B");
    // The accumulator tile: 1024 x 256 int32 = 1 MiB in a 256 KiB accumulator.
    p.schedule = GemmSchedule::parse("tile_m=1024,tile_n=256,tile_k=16,double_buffer=0");
    msg = message_of<npu::ScheduleError>([&] { simulate_gemm(p, npu::load_preset("default")); });
    expect_contains(msg, "SRAM level 'acc' overflows");
    expect_contains(msg, "Func acc 1048576 B");
}

TEST(ScheduleErrors, BadKnobs) {
    auto msg = [](const std::string& s) { return message_of<npu::ScheduleError>([&] { GemmSchedule::parse(s); }); };
    expect_contains(msg("tile_m=0"), "schedule knob tile_m must be an integer in [1, 1048576], got '0'");
    expect_contains(msg("tile_x=4"), "unknown GEMM schedule knob 'tile_x' (knobs: tile_m");
    expect_contains(msg("order=km"), "schedule knob order must be one of mn, nm, got 'km'");
    expect_contains(msg("tile_m"), "schedule item 'tile_m' is not knob=value");
    expect_contains(msg("tile_m=4,tile_m=8"), "schedule knob tile_m is given twice");
}

TEST(ScheduleErrors, BadShapesAndLayouts) {
    GemmProblem p;
    p.m = 0;
    expect_contains(message_of<npu::ShapeError>([&] { compile_gemm(p); }), "GEMM m = 0 is outside [1, 1048576]");
    p.m = int64_t{1} << 40;
    expect_contains(message_of<npu::ShapeError>([&] { compile_gemm(p); }), "is outside [1, 1048576]");
    p.m = 64;
    p.layout = GemmLayout::parse("a_pitch=100");
    expect_contains(message_of<npu::ShapeError>([&] { compile_gemm(p); }),
                    "layout a_pitch = 100 is shorter than a row (512 elements)");
    expect_contains(message_of<npu::ShapeError>([] { GemmLayout::parse("pitch=3"); }), "unknown layout field 'pitch'");
    p.layout = GemmLayout{};
    p.m = p.n = 1 << 20;
    p.k = 65536;
    expect_contains(message_of<npu::ShapeError>([&] { compile_gemm(p); }), "statements, over the limit of 100000000");
}

}  // namespace
