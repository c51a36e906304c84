#pragma once
// Lowers a scheduled Halide pipeline to an npu::Program.
//
// A custom lowering pass captures the final statement (after storage flattening, before code
// generation) and the walker in lower_to_program.cpp maps it:
//   Allocate in MemoryType::VTCM / LockedCache  -> SRAM buffer at level l1 / acc
//   a loop nest copying a DRAM input into one   -> DmaIn  (strided box from the Load's strides)
//   a loop nest copying one into the output     -> DmaOut
//   acc[..] = acc[..] + A[..] * B[..] on chip   -> MatMul (M, N, K from which loops index what)
//   any other elementwise nest on chip          -> Vector: the fused chain of its ops (vector_ops.h);
//                                                  a fold over a loop that does not index the
//                                                  result ends in reduce_sum / reduce_max
//   For loops around any of these               -> Loop (also a loop that sets an inner
//                                                  loop's bounds: one instruction has one size)
//   IfThenElse on loop counters                 -> if
//   a fill of an accumulator just before MatMuls accumulate into it is dropped: the array's
//   first K fold overwrites its accumulators
//   Fork / Acquire / semaphore release          -> fork threads / Wait / Signal
// Anything else is a ScheduleError naming the Func and what would make it mappable.
#include <Halide.h>

#include <string>
#include <vector>

#include "sim/program.h"

namespace npusim::compiler {

// The target used for lowering: fixed, so the IR (and the program) does not depend on the host.
Halide::Target lowering_target();

// A DRAM tensor of the program and the Halide buffer it is (an ImageParam's name, or the output
// Func's name(), which Halide may have made unique with a $N suffix).
struct BufferBinding {
    std::string halide_name;
    npu::Tensor tensor;
};

// A Halide Param<int> of the pipeline that becomes an npu::Param of the program (same name
// unless Halide made it unique): the value is bound per run, buffers are sized for `param.max`.
struct ParamBinding {
    std::string halide_name;
    npu::Param param;
};

// `buffers` describes every buffer argument and the output: shapes, strides and DRAM base
// addresses. Shapes and strides must also be fixed on the ImageParams and the output buffer
// (set_bounds, set_stride), so the lowered IR has constant strides.
npu::Program lower_to_program(Halide::Pipeline pipeline, const std::vector<Halide::Argument>& args,
                              const std::vector<BufferBinding>& buffers, const std::string& name,
                              const std::vector<ParamBinding>& params = {});

}  // namespace npusim::compiler
