#pragma once
// Which vector-unit ops compute an elementwise Halide expression: the chain the compiler emits as
// one fused `vector` instruction.
#include <Halide.h>

#include <string>
#include <vector>

#include "sim/program.h"

namespace npusim::compiler {

// The ops of `value` in evaluation order (address arithmetic inside Loads is not vector work).
// Fixed-point requantization (a <=8-bit result of a 64-bit multiply and a rounding shift) is one
// `requantize`; float-to-int casts are `quantize`, int-to-float `dequantize`; widening and
// narrowing casts between floats or between ints are free. Throws ScheduleError naming `func`
// for an operation the vector unit does not have.
std::vector<npu::VectorOp> vector_ops(const Halide::Expr& value, const std::string& func);

}  // namespace npusim::compiler
