#pragma once
// What an op of a workload computes and moves, independent of the device it runs on: its
// multiply-accumulates (and their precision), its elementwise operations, and the bytes of its
// tensors, each once. A device without a cycle model (soc/device.h) prices an op from this; the
// NPU simulates the op's program instead, whose MAC count must agree (tests/unit/test_placement.cpp).
#include <cstdint>
#include <string>

#include "models/workload.h"

namespace npusim::models {

struct OpWork {
    int64_t macs = 0;
    std::string mac_precision = "fp16";  // of `macs`: int8 (a8 x w8/w4), int16 (a16 x w8/w4), fp16, fp32
    int64_t vector_ops = 0;              // elementwise operations (conversions, exp, reductions, ...)
    int64_t bytes_read = 0, bytes_written = 0;
    // Whether the op computes in floating point (fp16 activations in or out): a runtime whose NPU
    // compiler maps only integer ops (runtime.float_ops: cpu) runs it on the CPU.
    bool float_math = true;
    int64_t bytes() const { return bytes_read + bytes_written; }
};

// Throws ModelError naming the op and its kernel when the kernel is not one a workload emits.
OpWork op_work(const Op& op);

}  // namespace npusim::models
