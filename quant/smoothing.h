#pragma once
// Per-input-channel scaling of a linear before its weights are quantized: y = x W^T is computed as
// (x / s)(W diag(s))^T, which is the same product in exact arithmetic, while the quantization grids
// of x / s and W diag(s) lose less than those of x and W.
//
// SmoothQuant (Xiao et al., "SmoothQuant: Accurate and Efficient Post-Training Quantization for
// Large Language Models", ICML 2023, eq. 4): s_j = max|X_j|^alpha / max|W_j|^(1 - alpha) moves the
// activation outliers of static int8 linears into the weights; alpha is the paper's migration
// strength. Searched here (the paper fixes it per model) over 0.05, 0.10, ..., 0.95 for the least
// output error of the simulated quantized linear: int8 activations with one scale (max |x / s|),
// weights round-to-nearest per output channel.
//
// AWQ (Lin et al., "AWQ: Activation-aware Weight Quantization for LLM Compression and
// Acceleration", MLSys 2024, section 3.2 and its reference implementation's auto_scale): for weight
// quantization only. s = mean|X_j|^alpha, normalised by sqrt(max(s) min(s)), alpha = i / 20 for
// i = 0..19, the one whose group-quantized W diag(s), divided back by s, gives the least mean
// squared output error on the calibration inputs (alpha = 0 is plain rounding, so AWQ never loses
// to it there). The reference's weight-clipping search is not applied.
//
// Both search on at most kSearchTokens calibration rows, evenly strided.
#include <cstdint>

#include "models/bert_reference.h"

namespace npusim::quant {

constexpr int64_t kSearchTokens = 256;

struct ChannelScaling {
    models::Vector s;  // the input divides by s, the weight columns multiply by it
    double alpha = 0;
};

// `w` is n x k, `x` tokens x k. alpha in (0, 1), or 0 to search. UserError for mismatched shapes,
// no tokens, or a NaN or infinity in x.
ChannelScaling smooth_quant(const models::Matrix& w, const models::Matrix& x, int w_bits, double alpha = 0);
// `group` divides k (k: per channel); the scales are rounded to fp16, as the weight-only kernels hold them.
ChannelScaling awq(const models::Matrix& w, const models::Matrix& x, int w_bits, int64_t group);

}  // namespace npusim::quant
