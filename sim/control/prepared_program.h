#pragma once
// An npu::Program checked and bound for execution: names resolved to indices, expressions
// compiled against loop-variable slots. Building one validates everything that does not depend
// on loop values; the controller checks the rest (box bounds, buffer sizes) per instruction.
#include <variant>
#include <vector>

#include "sim/program.h"

namespace npu {

struct XLoop;
struct XFork;
struct XIf;
struct XDma {
    bool to_dram = false;
    int tensor = 0, sram = 0;
    BoundExpr offset, sram_offset;
    std::vector<BoundExpr> extents;
    std::vector<int64_t> strides;
    std::string where;
};
struct XMatMul {
    BoundExpr m, n, k;
    int a = 0, b = 0, acc = 0;
    DType a_type{}, b_type{}, acc_type{};
    std::string where;
};
struct XVector {
    VectorOp op{};
    BoundExpr elements;
    DType dtype{};
    std::vector<int> inputs;
    int output = 0;
    std::string where;
};
struct XSync {
    bool signal = false;
    int token = 0;
    BoundExpr count;
    std::string where;
};
using XNode = std::variant<XLoop, XFork, XIf, XDma, XMatMul, XVector, XSync>;
using XBlock = std::vector<XNode>;
struct XLoop {
    int slot = 0;
    BoundExpr min, extent;
    XBlock body;
};
struct XFork {
    std::vector<XBlock> threads;
};
struct XIf {
    BoundExpr cond;
    XBlock then_body, else_body;
};

struct PreparedProgram {
    const Program* program = nullptr;
    XBlock body;
    int slots = 0;                      // deepest loop nesting = size of a thread's variable environment
    std::vector<uint64_t> tensor_span;  // bytes from each tensor's base to one past its last element
};

// Throws ProgramError naming the instruction for a dangling name, a bad level or dtype, a
// non-positive count, or nesting deeper than kMaxNesting.
PreparedProgram prepare_program(const Program& p);
constexpr int kMaxNesting = 64;

}  // namespace npu
