#include "sim/program.h"

#include "base/errors.h"

namespace npu {

namespace {
struct DTypeInfo {
    DType type;
    const char* name;
    int bits;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::Int4, "int4", 4},    {DType::Int8, "int8", 8},  {DType::Int16, "int16", 16}, {DType::Int32, "int32", 32},
    {DType::Int64, "int64", 64}, {DType::Fp16, "fp16", 16}, {DType::Fp32, "fp32", 32},
};
constexpr const char* kVectorOps[kVectorOpCount] = {
    "fill", "copy",       "add",        "sub",      "mul",        "max", "min",        "exp",    "rsqrt",
    "div",  "reduce_sum", "reduce_max", "quantize", "dequantize", "lut", "requantize", "select", "alu"};
}  // namespace

int dtype_bits(DType t) {
    return kDTypes[static_cast<int>(t)].bits;
}
const char* dtype_name(DType t) {
    return kDTypes[static_cast<int>(t)].name;
}

DType parse_dtype(const std::string& name, const std::string& where) {
    std::string allowed;
    for (const auto& d : kDTypes) {
        if (name == d.name) return d.type;
        allowed += std::string(allowed.empty() ? "" : ", ") + d.name;
    }
    throw ProgramError(where + ": unknown dtype '" + name + "' (allowed: " + allowed + ")");
}

const char* vector_op_name(VectorOp op) {
    return kVectorOps[static_cast<int>(op)];
}

VectorOp parse_vector_op(const std::string& name, const std::string& where) {
    std::string allowed;
    for (int i = 0; i < static_cast<int>(std::size(kVectorOps)); ++i) {
        if (name == kVectorOps[i]) return static_cast<VectorOp>(i);
        allowed += std::string(allowed.empty() ? "" : ", ") + kVectorOps[i];
    }
    throw ProgramError(where + ": unknown vector op '" + name + "' (allowed: " + allowed + ")");
}

std::string vector_ops_name(const std::vector<VectorOp>& ops) {
    std::string s;
    for (VectorOp op : ops)
        s += std::string(s.empty() ? "" : "+") + vector_op_name(op);
    return s;
}

}  // namespace npu
