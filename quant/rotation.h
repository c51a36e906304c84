#pragma once
// Offline rotation of a decoder's residual stream (QuaRot, Ashkboos et al. 2024; SpinQuant's R1):
// with Q orthogonal, the residual x becomes x Q everywhere, and the weights absorb it, so the
// float model computes the same logits while the activations the linears see are spread over all
// channels (an outlier channel's energy is shared by every channel: smaller max/RMS, easier to
// quantize). The steps:
//   1. each RMSNorm gain is folded into the linears that read the norm (W <- W diag(g), g <- 1),
//      since RMSNorm commutes with an orthogonal Q only without a per-channel gain;
//   2. the embedding rows and every linear reading the residual (q, k, v, gate, up, lm_head) are
//      rotated on the input side: E <- E Q, W <- W Q;
//   3. every linear writing to the residual (o, down) on the output side: W <- Q^T W.
// Q is a randomized Hadamard matrix, H_n diag(+-1) / sqrt(n), for n a power of two.
#include <cstdint>

#include "models/llama_reference.h"

namespace npusim::quant {

// H_n (Sylvester) with its columns' signs drawn from `seed`, scaled to be orthogonal. UserError
// if n is not a power of two.
models::Matrix randomized_hadamard(int64_t n, uint64_t seed);

models::LlamaWeights rotate(const models::LlamaWeights& w, const models::Matrix& q);

// max |x| / RMS(x) over all elements: how far the largest activation stands out.
double peak_to_rms(const models::Matrix& x);

}  // namespace npusim::quant
