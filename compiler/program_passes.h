#pragma once
// Passes over a lowered npu::Program (after compiler/lower_to_program has mapped the Halide IR).
#include "sim/program.h"

namespace npusim::compiler {

// MAC arrays start an accumulation by overwriting their accumulators, so zeroing an accumulator
// buffer right before MatMuls accumulate into it is no work of its own: a `vector fill` whose
// buffer is next used (in program order) as the accumulator of a MatMul is removed.
void drop_accumulator_fills(npu::Block& b);

}  // namespace npusim::compiler
