#pragma once
// npu::Program: the instruction set of the simulated NPU and the one interface between the
// compiler and the simulator (docs/architecture.md, Contracts). A program declares
//   - DRAM tensors: shape and strides (elements, innermost dimension first, as in Halide), dtype,
//     byte base address; alignment and burst costs follow from these real addresses;
//   - SRAM buffers: bytes and on-chip level (`l1` operand SRAM, `acc` accumulator SRAM,
//     `shared` SRAM shared by the cores);
// and a body: a tree of loops, forks and counter-predicated ifs whose leaves are instructions.
// Each thread of the tree runs in order, one instruction at a time; threads of a `fork` run
// concurrently and synchronise only through tokens (counting semaphores, created by a `token`
// statement for the rest of its block); the iterations of a `parallel` loop are spread over the
// NPU's cores. Engines therefore overlap exactly where the program says they may.
//
// The text form (program_text.cpp) prints and parses back; see docs/program.md for its grammar.
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "sim/program/expr.h"

namespace npu {

enum class DType { Int4, Int8, Int16, Int32, Int64, Fp16, Fp32 };
int dtype_bits(DType t);
// Bytes that `elements` values of `t` occupy, packed (two int4 per byte), rounded up.
inline uint64_t packed_bytes(uint64_t elements, DType t) {
    return (elements * static_cast<uint64_t>(dtype_bits(t)) + 7) / 8;
}
const char* dtype_name(DType t);
// Throws ProgramError naming `where` for an unknown name.
DType parse_dtype(const std::string& name, const std::string& where);

struct Tensor {
    std::string name;
    DType dtype = DType::Int8;
    std::vector<int64_t> shape;    // elements, innermost first
    std::vector<int64_t> strides;  // elements, innermost first
    uint64_t base = 0;             // byte address in DRAM
    bool is_output = false;
};

struct SramBuffer {
    std::string name;
    std::string level;  // "l1", "acc" or "shared"
    DType dtype = DType::Int8;
    int64_t bytes = 0;
};

// Creates a counting semaphore, visible to the rest of the enclosing block and the threads it
// forks. Executed again (in a loop, on another core) it creates a fresh one, as Halide does.
struct Token {
    std::string name;
    int64_t init = 0;
};

// One dimension of a strided DRAM box: `extent` elements, `stride` bytes apart.
struct BoxDim {
    Expr extent;
    int64_t stride = 0;
};

// Copies a strided box of a DRAM tensor into an SRAM buffer. `func` on any instruction names the
// Halide Func it came from, for traces; it may be empty.
struct DmaIn {
    std::string tensor;
    Expr offset;              // bytes from the tensor base to the box's first element
    std::vector<BoxDim> box;  // innermost first
    std::string sram;
    Expr sram_offset;  // bytes into the SRAM buffer
    // A gather: the box's rows come from rows of the tensor named by indices held in this SRAM
    // buffer (data, unknown to the model). `offset` and `box` then describe the transfer as if
    // every index were 0, so each gathered row is priced at row 0's address: exact when the row
    // pitch is a multiple of the DRAM burst.
    std::string gather;
    std::string func;
};

// Copies an SRAM buffer region out to a strided box of a DRAM tensor.
struct DmaOut {
    std::string sram;
    Expr sram_offset;
    std::string tensor;
    Expr offset;
    std::vector<BoxDim> box;
    std::string func;
};

// C[M,N] += A[M,K] * B[K,N] on the MAC array, operands and accumulator on chip.
struct MatMul {
    Expr m, n, k;
    std::string a, b, acc;
    DType a_type = DType::Int8, b_type = DType::Int8, acc_type = DType::Int32;
    std::string func;
};

// The vector unit's operations; each has a cost per lane-vector in the preset (vector.cost.<op>).
enum class VectorOp {
    Fill,
    Copy,
    Add,
    Sub,
    Mul,
    Max,
    Min,
    Exp,
    Rsqrt,
    Div,
    ReduceSum,
    ReduceMax,
    Quantize,
    Dequantize,
    Lut,
    Requantize,
    Select,  // compare and pick (also abs, comparisons)
    Alu      // single-cycle lane ops without a class of their own: shifts, bit logic, float rounding
};
constexpr int kVectorOpCount = 18;
const char* vector_op_name(VectorOp op);
VectorOp parse_vector_op(const std::string& name, const std::string& where);
// "exp+mul+add" for a chain.
std::string vector_ops_name(const std::vector<VectorOp>& ops);

// A fused chain of elementwise operations of the vector unit over `elements` results of type
// `dtype`: the inputs are read once, each op runs over every element in turn (intermediates stay in
// the unit's registers), and the output is written once.
struct Vector {
    std::vector<VectorOp> ops{VectorOp::Copy};
    Expr elements;
    DType dtype = DType::Int8;
    std::vector<std::string> inputs;  // SRAM buffers read
    std::string output;               // SRAM buffer written
    std::string func;
};

// Counts are expressions: Halide's folding semaphores count elements, and a tail tile has fewer.
struct Signal {
    std::string token;
    Expr count = Expr(int64_t{1});
};

struct Wait {
    std::string token;
    Expr count = Expr(int64_t{1});
};

struct Loop;
struct Fork;
struct If;
// A new instruction is a new alternative here; the code that must handle every instruction (the
// text printer, the preparation for the controller, the controller) visits a Node with
// `std::visit(Overloaded{...}, node)`, one lambda per alternative, so it does not compile until the
// new one is handled.
using Node = std::variant<Loop, Fork, If, Token, DmaIn, DmaOut, MatMul, Vector, Signal, Wait>;

// Lambdas as one visitor: std::visit(Overloaded{[](const Loop&) {...}, ...}, node).
template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
using Block = std::vector<Node>;

struct Loop {
    std::string var;
    Expr min, extent;
    bool parallel = false;  // iterations spread over the cores
    Block body;
};

struct Fork {
    std::vector<Block> threads;
};

// A block predicated on loop counters (never on data): Halide guards first and last iterations
// of pipelined loops this way.
struct If {
    Expr cond;
    Block then_body, else_body;
};

// A run-time parameter: a size the program was compiled for up to `max` (the KV cache length of
// attention), read as a variable by every expression. SRAM buffers are sized for `max`; each run
// binds `value`, so one program serves a sweep over the parameter.
struct Param {
    std::string name;
    int64_t value = 0, min = 0, max = 0;
};

struct Program {
    std::string name;
    std::vector<Param> params;
    std::vector<Tensor> tensors;
    std::vector<SramBuffer> sram;
    Block body;
};

// Text form. `to_text` then `parse_program` gives back an equal program; `source` names the
// text in error messages (a file path, or "<string>").
std::string to_text(const Program& p);
Program parse_program(const std::string& text, const std::string& source = "<string>");

}  // namespace npu
