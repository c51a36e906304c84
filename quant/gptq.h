#pragma once
// GPTQ (Frantar et al., "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained
// Transformers", ICLR 2023, Algorithm 1): a linear's weights quantized one input column at a
// time, each column's rounding error spread over the columns not yet quantized through the
// inverse Hessian of the layer's calibration inputs, H = 2 X^T X (plus a damping of 1 % of its
// mean diagonal). The grid is the project's symmetric one (+-qmax, a scale per row and group of
// columns, absmax / qmax of the weights as they stand when the group's first column is reached),
// so the result runs on the same kernels as round-to-nearest weights.
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "models/bert_reference.h"

namespace npusim::quant {

// Sum of x^T x over calibration tokens (rows of x) for one linear's input.
struct InputGram {
    Eigen::MatrixXd xtx;
    int64_t tokens = 0;
    void add(const models::Matrix& x);  // throws UserError for a NaN or infinity
};

struct GptqResult {
    std::vector<int8_t> ints;   // [n][k], row-major
    std::vector<float> scales;  // [n][k / group], row-major
};

// `w` is [n][k]; `group` divides k (k: one scale per row). Throws UserError when `gram` has fewer
// than k / 8 tokens (its rank bounds how much of the Hessian the data determines) or does not
// match k.
GptqResult gptq(const models::Matrix& w, const InputGram& gram, int bits, int64_t group, bool fp16_scales,
                double damp = 0.01);

}  // namespace npusim::quant
