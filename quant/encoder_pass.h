#pragma once
// A BERT encoder quantized by a recipe, as the NPU runs it: every op is a kernel of the library
// run on the host (flow::run_kernel_host with its host CPU schedule: the algorithm the simulator
// lowers, bit-identical to the NPU schedule's host JIT), in the op order of models/workload's encoder layer.
// Activations are fp16 between ops.
//
// The sentences are stacked into one batch of tokens for the token-wise ops (linears, norms,
// GELU, residuals, the KV quantization); attention runs per sentence, on one program compiled for
// the longest sentence (the context is a run-time parameter; padded query rows are dropped).
#include <functional>
#include <string>
#include <vector>

#include "models/bert_reference.h"
#include "quant/calibration.h"
#include "quant/host_kernels.h"
#include "recipes/recipe.h"
#include "sim/config/npu_config.h"

namespace npusim::quant {

// Hidden states of a batch: the embeddings' output and each layer's, tokens x hidden, with
// sentence s in rows [offsets[s], offsets[s + 1]).
struct EncoderStates {
    std::vector<int64_t> offsets;
    std::vector<models::Matrix> hidden;
    models::Vector sentence_embedding(size_t s) const;  // mean of the last layer's rows, L2-normalised
};

EncoderStates float_pass(const models::BertReference& ref, const std::vector<std::vector<int32_t>>& ids);

// Observes every linear's input and output over the calibration sentences (float pass) and sets
// the recipe's static scales: "<linear>.in" and "<linear>.out" (q, k and v observed as the fused
// qkv_proj). With +mpP, the P % of linears whose input loses the most to 8-bit quantization
// (TensorObserver::relative_error) are listed in `promoted`.
Calibration calibrate(const models::BertReference& ref, const Recipe& r, const std::vector<std::vector<int32_t>>& ids);

EncoderStates quantized_pass(const models::BertReference& ref, const Recipe& r, const Calibration& c,
                             const npu::NpuConfig& npu, const std::vector<std::vector<int32_t>>& ids,
                             const Progress& progress = {}, ShadowStats* shadow = nullptr);

}  // namespace npusim::quant
