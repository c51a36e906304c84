#pragma once
// Questions the compiler asks of lowered Halide IR.
#include <Halide.h>

#include <string>
#include <utility>
#include <vector>

#include "sim/program.h"

namespace npusim::compiler {

// True if a statement holds anything that makes a loop a control loop of the program rather than
// the body of one instruction (a producer, an allocation, a fork, a semaphore).
bool has_control(const Halide::Internal::Stmt& s);

// True if `var` sets the bounds of a loop nested in `s` (a ragged tail): such a loop must stay a
// program loop, since one instruction has a single size. `lets` are enclosing LetStmts.
bool bounds_inner_loops(const Halide::Internal::Stmt& s, const std::string& var,
                        std::vector<std::pair<std::string, Halide::Expr>> lets = {});

// Every Load in `e`, loads inside indices included, in visiting order.
std::vector<const Halide::Internal::Load*> collect_loads(const Halide::Expr& e);

// The NPU element type of a Halide type; ScheduleError "<what>: element type T is not an NPU type".
npu::DType npu_dtype(const Halide::Type& t, const std::string& what);

}  // namespace npusim::compiler
