// Bad program texts and programs that cannot run: ProgramError with the place and the reason.
#include <gtest/gtest.h>

#include "base/errors.h"
#include "sim/config/npu_config.h"
#include "sim/simulator.h"
#include "tests/support/expect_message.h"

namespace {

using npusim::test::expect_contains;
using npusim::test::message_of;

const char* kHeader = R"(program p
tensor x int8 shape=[1024] strides=[1] base=0 input
tensor y int8 shape=[1024] strides=[1] base=4096 output
sram a int8 level=l1 bytes=1024
token t init=0
)";

std::string error_of(const std::string& body) {
    return message_of<npu::ProgramError>(
        [&] { npu::simulate(npu::parse_program(std::string(kHeader) + body, "p.npu"), npu::load_preset("default")); });
}

TEST(ProgramErrors, Syntax) {
    expect_contains(error_of("loop i min=0 extent=4 {\n"), "p.npu:7: expected '}'");
    expect_contains(error_of("dma_in x offset=0 box=[] -> a offset=0\n"), "expected at least one box dimension");
    expect_contains(error_of("jump 3\n"), "p.npu:6: expected a statement");
    expect_contains(error_of("matmul m=1 n=1 k=1 a=a:int3 b=a:int8 acc=a:int32\n"), "unknown dtype 'int3'");
    expect_contains(error_of("vector sqrt elements=4 dtype=int8 in=[a] out=a\n"), "unknown vector op 'sqrt'");
    expect_contains(error_of("signal t count=@\n"), "unexpected character '@'");
    expect_contains(error_of("signal t count=99999999999999999999\n"), "at most 18 digits");
}

TEST(ProgramErrors, DeepNestingIsRefusedNotACrash) {
    std::string deep;
    for (int i = 0; i < 10000; ++i)
        deep += "if 1 {\n";
    expect_contains(error_of(deep), "expected at most 200 levels of nesting");
    std::string expr = "signal t count=";
    for (int i = 0; i < 10000; ++i)
        expr += "(1 + ";
    expect_contains(error_of(expr + "1\n"), "expected at most 200 levels of nesting");
}

TEST(ProgramErrors, RunawayLoopsStopWithAnError) {
    expect_contains(error_of("loop i min=0 extent=1000000000000 {\n signal t count=1\n}\n"),
                    "ran more than 100000000 statements");
    expect_contains(error_of("loop i min=0 extent=999999999999999999 {\n}\n"), "ran more than 100000000");
    expect_contains(error_of("loop i min=(922337203685477580*10) extent=100 {\n}\n"), "overflows 64-bit integers");
}

TEST(ProgramErrors, ArithmeticOverflowIsAnErrorNotACrash) {
    expect_contains(error_of("vector copy elements=(((-922337203685477580*10) - 8) / -1) dtype=int8 in=[a] out=a\n"),
                    "an expression overflows 64-bit integers");
    expect_contains(error_of("loop i min=0 extent=2 {\n vector copy elements=((i + (461168601842738790*10)) * 3) "
                             "dtype=int8 in=[a] out=a\n}\n"),
                    "an expression overflows 64-bit integers");
    expect_contains(error_of("dma_in x offset=0 box=[1:1, 4294967297:0, 2147483648:0, 1:3] -> a offset=0\n"),
                    "the box is larger than 2^40 elements");
    expect_contains(error_of("matmul m=(1073741824*4294967296) n=1 k=4 a=a:int8 b=a:int8 acc=a:int32\n"),
                    "beyond 2^40 elements per operand");
    expect_contains(error_of("vector copy elements=(2147483648*1073741824) dtype=int8 in=[a] out=a\n"),
                    "do not fit SRAM buffer 'a'");
    expect_contains(error_of("dma_in x offset=0 box=[1:1, 1024:65] -> a offset=0\n"), "spans [0, 1024)");
}

TEST(ProgramErrors, DanglingNames) {
    expect_contains(error_of("signal nope count=1\n"), "unknown token 'nope'");
    expect_contains(error_of("dma_in z offset=0 box=[4:1] -> a offset=0\n"), "unknown tensor 'z'");
    expect_contains(error_of("dma_in x offset=0 box=[4:1] -> b offset=0\n"), "unknown SRAM buffer 'b'");
    expect_contains(error_of("dma_in x offset=j box=[4:1] -> a offset=0\n"),
                    "variable 'j' is not an enclosing loop variable");
    expect_contains(error_of("dma_in y offset=0 box=[4:1] -> a offset=0\n"), "tensor 'y' is an output");
    expect_contains(error_of("wait t count=-1\n"), "count must not be negative, got -1");
}

std::string param_error_of(const std::string& params, const std::string& body) {
    return message_of<npu::ProgramError>([&] {
        npu::simulate(npu::parse_program("program p\n" + params + std::string(kHeader).substr(10) + body, "p.npu"),
                      npu::load_preset("default"));
    });
}

TEST(ProgramErrors, RunTimeParameters) {
    expect_contains(param_error_of("param n value=2000 min=1 max=1024\n", ""),
                    "program 'p', param n = 2000 is outside [1, 1024], the range the program was compiled for");
    expect_contains(param_error_of("param n value=1 min=8 max=4\n", ""), "param n: min 8 exceeds max 4");
    expect_contains(param_error_of("param n value=1 min=1 max=4\nparam n value=2 min=1 max=4\n", ""),
                    "param n is declared twice");
    // A parameter bounds what the program reads: past the tensor it is an out-of-bounds box.
    expect_contains(
        param_error_of("param n value=2048 min=1 max=4096\n", "dma_in x offset=0 box=[n:1] -> a offset=0\n"),
        "spans [0, 1024)");
}

TEST(ProgramErrors, OutOfBoundsBoxes) {
    expect_contains(error_of("loop i min=0 extent=5 {\n dma_in x offset=(i*256) box=[256:1] -> a offset=0\n}\n"),
                    "box covers bytes [1024, 1280) of tensor 'x', which spans [0, 1024)");
    expect_contains(error_of("dma_in x offset=0 box=[1024:1] -> a offset=1\n"),
                    "do not fit SRAM buffer 'a' of 1024 bytes");
    expect_contains(error_of("matmul m=64 n=64 k=64 a=a:int8 b=a:int8 acc=a:int32\n"), "operand a needs 4096 bytes");
}

TEST(ProgramErrors, DeadlockNamesTheTokens) {
    expect_contains(error_of("fork {\n thread { wait t count=1 }\n thread { wait t count=1\n signal t count=1 }\n}\n"),
                    "deadlocked");
    expect_contains(error_of("wait t count=3\n"), "a thread waits for 3 on token 't' (has 0)");
}

TEST(ProgramErrors, BadDeclarations) {
    auto run = [](const char* text) {
        return message_of<npu::ProgramError>(
            [&] { npu::simulate(npu::parse_program(text), npu::load_preset("default")); });
    };
    expect_contains(run("program q\nsram s int8 level=l9 bytes=8\n"), "unknown level 'l9' (allowed: l1, acc, shared)");
    expect_contains(run("program q\ntensor x int8 shape=[0] strides=[1] base=0 input\n"),
                    "extent 0 of dimension 0 is outside [1, 2^40]");
    expect_contains(run("program q\ntensor x int8 shape=[1099511627776, 1099511627776] "
                        "strides=[1099511627776, 1099511627776] base=0 input\n"),
                    "spans more than 2^56 bytes");
    expect_contains(run("program q\ntensor x int4 shape=[16] strides=[1] base=0 input\n"),
                    "int4 DRAM tensors are not modelled yet");
}

}  // namespace
