#pragma once
// Latency of a vector instruction: one pipeline fill, then ceil(elements / lanes) lane-vectors
// at the op's cost per lane-vector (from the preset).
#include <cstdint>

#include "sim/config/npu_config.h"
#include "sim/program.h"

namespace npu {

uint64_t vector_op_cycles_per_lane_vector(const NpuConfig& cfg, VectorOp op);
uint64_t vector_cycles(const NpuConfig& cfg, VectorOp op, int64_t elements);

}  // namespace npu
