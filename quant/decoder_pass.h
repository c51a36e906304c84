#pragma once
// A Llama-architecture decoder quantized by a recipe, measured by perplexity: the float32
// reference (models/llama_reference.h) against the ops of models/workload's decoder layer run as
// kernels of the library on the host (RMSNorm, the fused q/k/v projection, RoPE, the KV-cache
// quantization, causal attention, the output projection, residuals, the fused gate/up projection,
// SwiGLU, the down projection, the final norm and lm_head), fp16 between ops.
//
// Text is scored in windows: each window of `window + 1` tokens predicts its last `window` tokens
// from the ones before (the same windows scripts/train_tiny_llama.py scores).
#include <string>
#include <vector>

#include "models/llama_reference.h"
#include "quant/calibration.h"
#include "quant/host_kernels.h"
#include "recipes/recipe.h"

namespace npusim::quant {

// Byte-level windows of a text (the tiny LM's vocabulary is the 256 byte values), at most `max`.
std::vector<std::vector<int32_t>> byte_windows(const std::string& text, int64_t window, size_t max);

double float_perplexity(const models::LlamaReference& ref, const std::vector<std::vector<int32_t>>& windows);

// Static scales of every linear's input and output over the calibration windows (float pass);
// with +mpP the most sensitive linears are promoted, as for the encoder. With +rot, both this and
// quantized_perplexity work on the rotated model (quant/rotation.h, seed 1).
Calibration calibrate_decoder(const models::LlamaReference& ref, const Recipe& r,
                              const std::vector<std::vector<int32_t>>& windows);

double quantized_perplexity(const models::LlamaReference& ref, const Recipe& r, const Calibration& c,
                            const npu::NpuConfig& npu, const std::vector<std::vector<int32_t>>& windows,
                            const Progress& progress = {}, ShadowStats* shadow = nullptr);

}  // namespace npusim::quant
