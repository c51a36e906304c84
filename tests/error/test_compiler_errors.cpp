// Schedules the NPU cannot run: the compiler names the Func, the loop, and what would make it
// mappable.
#include <gtest/gtest.h>

#include <functional>

#include "base/errors.h"
#include "compiler/lower_to_program.h"
#include "tests/support/expect_message.h"

namespace {

using namespace Halide;
using npusim::test::expect_contains;
using npusim::test::message_of;

struct Gemm {
    ImageParam a{Int(8), 2, "a"}, w{Int(8), 2, "w"};
    Var n{"n"}, m{"m"}, no{"no"}, mo{"mo"}, ni{"ni"}, mi{"mi"};
    RDom k{0, 64, "k"};
    Func acc{"acc"}, out{"out"};
    Gemm() {
        acc(n, m) = 0;
        acc(n, m) += cast<int32_t>(a(k, m)) * cast<int32_t>(w(k, n));
        out(n, m) = acc(n, m);
        a.dim(0).set_bounds(0, 64).set_stride(1);
        a.dim(1).set_bounds(0, 64).set_stride(64);
        w.dim(0).set_bounds(0, 64).set_stride(1);
        w.dim(1).set_bounds(0, 64).set_stride(64);
        out.output_buffer().dim(0).set_bounds(0, 64).set_stride(1);
        out.output_buffer().dim(1).set_bounds(0, 64).set_stride(64);
        out.tile(n, m, no, mo, ni, mi, 32, 32);
    }
    std::string lower() {
        std::vector<npusim::compiler::BufferBinding> buffers = {
            {"a", {"a", npu::DType::Int8, {64, 64}, {1, 64}, 0, false}},
            {"w", {"w", npu::DType::Int8, {64, 64}, {1, 64}, 4096, false}},
            {out.name(), {"out", npu::DType::Int32, {64, 64}, {1, 64}, 8192, true}},
        };
        return message_of<npu::ScheduleError>([&] {
            npusim::compiler::lower_to_program(Pipeline(out), {a, w}, buffers, "t");
        });
    }
};

TEST(CompilerErrors, MacOperandsLeftInDram) {
    Gemm g;
    g.acc.compute_at(g.out, g.no).store_in(MemoryType::LockedCache);
    const std::string msg = g.lower();
    expect_contains(msg, "Func acc reads 'a' from DRAM inside its compute loops");
    expect_contains(msg, "Stage it, e.g. a.in().compute_at(...).store_in(MemoryType::VTCM)");
    expect_contains(msg, "[in program loop out.s0.n.no");
}

TEST(CompilerErrors, IntermediateFuncOffChip) {
    Gemm g;
    g.acc.compute_at(g.out, g.no);  // no store_in: heap or stack
    const std::string msg = g.lower();
    expect_contains(msg, "Func acc is stored in");
    expect_contains(msg, "place it on chip with .store_in(MemoryType::VTCM)");
}

// A 64-element int32 pipeline x -> out in tiles of 16, x staged per tile; `define` writes out (and
// any Func between, placed on chip per tile). Returns the compiler's error.
std::string lower_elementwise(const std::function<void(ImageParam&, Func&, Var&, Var&)>& define) {
    ImageParam x(Int(32), 1, "x");
    Var i("i"), io("io"), ii("ii");
    Func out("out");
    define(x, out, i, io);
    x.dim(0).set_bounds(0, 64).set_stride(1);
    out.output_buffer().dim(0).set_bounds(0, 64).set_stride(1);
    out.split(i, io, ii, 16);
    x.in().compute_at(out, io).store_in(MemoryType::VTCM);
    std::vector<npusim::compiler::BufferBinding> buffers = {
        {"x", {"x", npu::DType::Int32, {64}, {1}, 0, false}},
        {out.name(), {"out", npu::DType::Int32, {64}, {1}, 4096, true}},
    };
    return message_of<npu::ScheduleError>(
        [&] { npusim::compiler::lower_to_program(Pipeline(out), {x}, buffers, "t"); });
}

TEST(CompilerErrors, OutputComputedInDram) {
    const std::string msg = lower_elementwise([](ImageParam& x, Func& out, Var& i, Var&) { out(i) = x(i) * 2; });
    expect_contains(msg, "output out is computed directly in DRAM; compute it in an on-chip Func");
    expect_contains(msg, "[in program loop out.s0.i.io");
}

TEST(CompilerErrors, OperationTheVectorUnitLacks) {
    const std::string msg = lower_elementwise([](ImageParam& x, Func& out, Var& i, Var& io) {
        Func f("f");
        f(i) = popcount(x(i));
        out(i) = f(i);
        f.compute_at(out, io).store_in(MemoryType::VTCM);
    });
    expect_contains(msg, "Func f: the call 'popcount' is not an operation of the NPU's vector unit");
    expect_contains(msg, "[in program loop out.s0.i.io");
}

TEST(CompilerErrors, DataDependentAddress) {
    ImageParam table(Int(8), 2, "table"), ids(Int(32), 1, "ids");
    Var d("d"), t("t"), to("to"), ti("ti");
    Func out("out");
    out(d, t) = table(d, clamp(ids(t), 0, 99));
    table.dim(0).set_bounds(0, 64).set_stride(1);
    table.dim(1).set_bounds(0, 100).set_stride(64);
    ids.dim(0).set_bounds(0, 16).set_stride(1);
    out.output_buffer().dim(0).set_bounds(0, 64).set_stride(1);
    out.output_buffer().dim(1).set_bounds(0, 16).set_stride(64);
    out.split(t, to, ti, 4);
    Func rows = table.in();
    rows.compute_at(out, to).store_in(MemoryType::VTCM);
    ids.in().compute_at(out, to).store_in(MemoryType::VTCM);
    std::vector<npusim::compiler::BufferBinding> buffers = {
        {"table", {"table", npu::DType::Int8, {64, 100}, {1, 64}, 0, false}},
        {"ids", {"ids", npu::DType::Int32, {16}, {1}, 8192, false}},
        {out.name(), {"out", npu::DType::Int8, {64, 16}, {1, 64}, 12288, true}},
    };
    const std::string msg = message_of<npu::ScheduleError>([&] {
        npusim::compiler::lower_to_program(Pipeline(out), {table, ids}, buffers, "t");
    });
    expect_contains(msg, "Func out: the expression");
    expect_contains(msg, "avoid data-dependent bounds");
}

}  // namespace
