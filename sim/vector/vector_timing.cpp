#include "sim/vector/vector_timing.h"

namespace npu {

uint64_t vector_op_cycles_per_lane_vector(const NpuConfig& cfg, VectorOp op) {
    switch (op) {
        case VectorOp::Fill:
            return static_cast<uint64_t>(cfg.vector_fill_cycles);
        case VectorOp::Copy:
            return static_cast<uint64_t>(cfg.vector_copy_cycles);
        case VectorOp::Requantize:
            return static_cast<uint64_t>(cfg.vector_requantize_cycles);
    }
    return 1;
}

uint64_t vector_cycles(const NpuConfig& cfg, VectorOp op, int64_t elements) {
    if (elements <= 0) return 0;
    uint64_t vectors = static_cast<uint64_t>((elements + cfg.vector_lanes - 1) / cfg.vector_lanes);
    return static_cast<uint64_t>(cfg.vector_pipeline_cycles) + vectors * vector_op_cycles_per_lane_vector(cfg, op);
}

}  // namespace npu
