#pragma once
// An npu::Program checked and bound for execution: names resolved to indices, expressions
// compiled against loop-variable slots, tokens against token slots. Building one validates all
// that does not depend on loop values; the controller checks the rest (box bounds, buffer sizes,
// counts) per instruction.
#include <string>
#include <variant>
#include <vector>

#include "sim/program.h"
#include "sim/sram/sram_level.h"

namespace npu {

// Where an instruction came from, for errors and traces.
struct Origin {
    std::string where;                   // "program 'p', instruction 7 (dma_in a -> a_in)"
    std::string func;                    // Halide Func, if the compiler recorded it
    std::vector<std::string> loop_vars;  // enclosing loop variables, outermost first (slot i = var i)
};

struct XLoop;
struct XFork;
struct XIf;
struct XToken {
    int slot = 0;
    int64_t init = 0;
    std::string name;
};
struct XDma {
    bool to_dram = false;
    int tensor = 0, sram = 0;
    BoundExpr offset, sram_offset;
    std::vector<BoundExpr> extents;
    std::vector<int64_t> strides;
    Origin origin;
};
struct XMatMul {
    BoundExpr m, n, k;
    int a = 0, b = 0, acc = 0;
    DType a_type{}, b_type{}, acc_type{};
    Origin origin;
};
struct XVector {
    std::vector<VectorOp> ops;
    BoundExpr elements;
    DType dtype{};
    std::vector<int> inputs;
    int output = 0;
    Origin origin;
};
struct XSync {
    bool signal = false;
    int slot = 0;
    BoundExpr count;
    std::string where;
};
using XNode = std::variant<XLoop, XFork, XIf, XToken, XDma, XMatMul, XVector, XSync>;
using XBlock = std::vector<XNode>;
struct XLoop {
    std::string where;
    int slot = 0;
    bool parallel = false;
    BoundExpr min, extent;
    XBlock body;
};
struct XFork {
    std::vector<XBlock> threads;
};
struct XIf {
    std::string where;
    BoundExpr cond;
    XBlock then_body, else_body;
};

struct PreparedProgram {
    const Program* program = nullptr;
    XBlock body;
    int var_slots = 0;                  // deepest loop nesting = size of a thread's variable environment
    int token_slots = 0;                // most tokens in scope at once
    std::vector<int64_t> param_values;  // the first variable slots: the program's parameters
    std::vector<uint64_t> tensor_span;  // bytes from each tensor's base to one past its last element
    std::vector<SramLevel> sram_level;  // level of each SRAM buffer
};

// Throws ProgramError naming the instruction for a dangling name, a bad level or dtype, a
// non-positive constant count, or nesting deeper than kMaxNesting.
PreparedProgram prepare_program(const Program& p);
constexpr int kMaxNesting = 64;

}  // namespace npu
