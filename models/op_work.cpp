#include "models/op_work.h"

#include <algorithm>
#include <iterator>

namespace npusim::models {

namespace {

int64_t dim(const Op& op, const char* name) {
    const auto it = op.shape.find(name);
    if (it == op.shape.end())
        throw ModelError("op '" + op.name + "' (kernel " + op.kernel + ") has no shape dimension '" + name + "'");
    return it->second;
}

int64_t dim_or(const Op& op, const char* name, int64_t fallback) {
    const auto it = op.shape.find(name);
    return it == op.shape.end() ? fallback : it->second;
}

bool starts(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

// A linear's work: the MatMul and the per-channel or per-group constants beside its weights.
OpWork gemm_work(const Op& op) {
    const std::string& kn = op.kernel;
    const int64_t m = dim(op, "m"), n = dim(op, "n"), k = dim(op, "k");
    const bool w4 = kn.find("_w4") != std::string::npos;
    OpWork w;
    w.macs = m * n * k;
    w.bytes_read = n * k / (w4 ? 2 : 1);
    if (kn == "gemm_w8a8" || kn == "gemm_w4a8") {
        // int8 in and out; a 32-bit multiplier, shift and bias per output channel.
        w.mac_precision = "int8";
        w.float_math = false;
        w.bytes_read += m * k + n * 12;
        w.bytes_written = m * n;
        w.vector_ops = m * n * 3;  // requantization: multiply, shift, clamp
    } else if (kn == "gemm_w8a8_group") {
        const int64_t g = dim(op, "group");
        w.mac_precision = "int8";
        w.bytes_read += m * k + n * (k / g) * 4;  // fp32 scale per group and channel
        w.bytes_written = m * n * 2;
        w.vector_ops = m * n * (k / g) * 2;  // each group dequantized and summed in fp32
    } else if (kn == "gemm_w8a16" || kn == "gemm_w4a16") {
        const int64_t g = dim_or(op, "group", k);
        w.mac_precision = "fp16";
        w.bytes_read += m * k * 2 + n * (k / g) * 2;  // fp16 scale per group and channel
        w.bytes_written = m * n * 2;
        w.vector_ops = n * k;  // the weights dequantized once
    } else if (kn == "gemm_w8a8_dynamic" || kn == "gemm_w4a8_dynamic") {
        w.mac_precision = "int8";
        w.bytes_read += m * k * 2 + n * 4;  // fp32 weight scale per channel
        w.bytes_written = m * n * 2;
        w.vector_ops = m * k * 3 + m * n * 2;  // absmax and quantize per token; scale out
    } else if (kn == "gemm_w8a16i" || kn == "gemm_w4a16i") {
        w.mac_precision = "int16";
        w.bytes_read += m * k * 2 + 4 + n * 4;  // a static input scale, an fp32 output scale per channel
        w.bytes_written = m * n * 2;
        w.vector_ops = m * k * 2 + m * n;
    } else if (kn == "gemm_shadow") {
        // nnz outlier values of the m x k input (found by scanning it), each times its channel's
        // fp16 weight row, in fp32: a sparse MatMul reading at most nnz of the k rows.
        const int64_t nnz = dim(op, "nnz");
        w.macs = nnz * n;
        w.mac_precision = "fp32";
        w.bytes_read = m * k * 2 + std::min(nnz, k) * n * 2;
        w.bytes_written = m * n * 2;
        w.vector_ops = m * k;
    } else if (kn == "gemm_f16") {
        w.mac_precision = "fp16";
        w.bytes_read = n * k * 2 + m * k * 2;
        w.bytes_written = m * n * 2;
    } else {
        throw ModelError("op '" + op.name + "': kernel '" + kn + "' has no work model");
    }
    return w;
}

OpWork attention_work(const Op& op) {
    const int64_t t = dim(op, "t"), ctx = dim(op, "ctx"), h = dim(op, "h"), hk = dim(op, "hk"), d = dim(op, "d");
    const int64_t kv_bits = dim_or(op, "kv_bits", 16);
    // Every query against every key of the context: the causal mask sets scores to -inf rather than
    // skipping them, as the kernel's algorithm does.
    const int64_t keys = t * ctx;
    OpWork w;
    w.macs = 2 * h * d * keys;  // q k^T, then p v
    w.mac_precision = "fp16";
    w.vector_ops = h * keys * 4 + (kv_bits < 16 ? 2 * ctx * hk * d : 0);  // softmax; the cache dequantized
    const int64_t cache = 2 * ctx * hk * (d * kv_bits / 8 + (kv_bits < 16 ? 2 : 0));
    w.bytes_read = t * h * d * 2 + cache;
    w.bytes_written = t * h * d * 2;
    return w;
}

// Elementwise and row ops: operations per output element, the fp16 tensors in and out.
OpWork row_work(const Op& op) {
    const std::string& kn = op.kernel;
    OpWork w;
    w.mac_precision = "fp16";
    if (kn == "embedding") {
        const int64_t t = dim(op, "t"), d = dim(op, "d");
        w.bytes_read = t * d * 2 + t * 4;  // one gathered row per token, and the ids
        w.bytes_written = t * d * 2;
        return w;
    }
    if (kn == "kv_scale" || kn == "kv_quantize") {
        const int64_t t = dim(op, "t"), hk = dim(op, "hk"), d = dim(op, "d"), bits = dim(op, "kv_bits");
        const int64_t n = t * hk * d;
        w.bytes_read = n * 2 + (kn == "kv_quantize" ? t * hk * 2 : 0);
        w.bytes_written = kn == "kv_scale" ? t * hk * 2 : n * bits / 8;
        w.vector_ops = n * 2;
        return w;
    }
    if (kn == "rope") {
        const int64_t t = dim(op, "t"), h = dim(op, "h"), d = dim(op, "d");
        w.bytes_read = t * h * d * 2 + t * d * 2;  // the rows, and a cos/sin pair per rotated pair
        w.bytes_written = t * h * d * 2;
        w.vector_ops = t * h * d * 3;
        return w;
    }
    const int64_t t = dim(op, "t"), d = dim(op, "d"), n = t * d;
    if (kn == "residual_add") {
        w.bytes_read = 2 * n * 2;
        w.bytes_written = n * 2;
        w.vector_ops = n;
    } else if (kn == "rms_norm" || kn == "layer_norm") {
        const int64_t params = kn == "layer_norm" ? 2 : 1;  // gain (and bias)
        w.bytes_read = n * 2 + params * d * 2;
        w.bytes_written = n * 2;
        w.vector_ops = n * (kn == "layer_norm" ? 6 : 4);
    } else if (kn == "swiglu" || kn == "geglu") {
        w.bytes_read = 2 * n * 2;  // gate and up
        w.bytes_written = n * 2;
        w.vector_ops = n * 8;
    } else if (kn == "gelu") {
        w.bytes_read = n * 2;
        w.bytes_written = n * 2;
        w.vector_ops = n * 8;
    } else if (kn == "quantize" || kn == "quantize_channels") {
        w.bytes_read = n * 2 + (kn == "quantize" ? 4 : d * 4);  // the fp32 scale (per channel: a table)
        w.bytes_written = n;
        w.vector_ops = n * 3;
    } else if (kn == "dequantize" || kn == "dequantize_channels") {
        w.bytes_read = n + (kn == "dequantize" ? 4 : d * 4);
        w.bytes_written = n * 2;
        w.vector_ops = n * 2;
    } else if (kn == "scale_channels") {
        w.bytes_read = n * 2 + d * 4;
        w.bytes_written = n * 2;
        w.vector_ops = n;
    } else {
        throw ModelError("op '" + op.name + "': kernel '" + kn + "' has no work model");
    }
    return w;
}

}  // namespace

OpWork op_work(const Op& op) {
    static const char* const kRowKernels[] = {"embedding",
                                              "kv_scale",
                                              "kv_quantize",
                                              "rope",
                                              "residual_add",
                                              "rms_norm",
                                              "layer_norm",
                                              "swiglu",
                                              "geglu",
                                              "gelu",
                                              "quantize",
                                              "dequantize",
                                              "quantize_channels",
                                              "dequantize_channels",
                                              "scale_channels"};
    if (!starts(op.kernel, "gemm_") && op.kernel != "attention" &&
        std::find(std::begin(kRowKernels), std::end(kRowKernels), op.kernel) == std::end(kRowKernels))
        throw ModelError("op '" + op.name + "': kernel '" + op.kernel + "' has no work model");
    if (starts(op.kernel, "gemm_")) return gemm_work(op);
    if (op.kernel == "attention") return attention_work(op);
    return row_work(op);
}

}  // namespace npusim::models
