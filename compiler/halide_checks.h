#pragma once
// Halide's checks of a pipeline against its buffers (the AssertStmts of the lowered statement).
// They stay out of the program: they hold for every run of a program whose shapes are fixed,
// except those that fail for every run (an input read past the shape given for it, an output tile
// past the output's edge), which would otherwise simulate a program reading memory that is not
// the tensor's. A program never runs Halide's bounds queries, so a check only they would pass fails.
#include <Halide.h>

#include <functional>
#include <vector>

#include "compiler/lower_to_program.h"

namespace npusim::compiler {

// Throws ShapeError, naming the tensor and the ranges, when `check` fails on every run with these
// buffers. `resolve` substitutes the lets in scope at the check.
void refuse_failing_check(const Halide::Internal::AssertStmt* check,
                          const std::function<Halide::Expr(const Halide::Expr&)>& resolve,
                          const std::vector<BufferBinding>& buffers);

}  // namespace npusim::compiler
