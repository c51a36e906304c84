#include "quant/gptq.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/errors.h"
#include "quant/calibration.h"
#include "recipes/formats.h"

namespace npusim::quant {

void InputGram::add(const models::Matrix& x) {
    if (!x.allFinite()) throw npu::UserError("GPTQ: the calibration inputs hold a NaN or an infinity");
    const Eigen::MatrixXd xd = x.cast<double>();
    if (xtx.size() == 0) xtx = Eigen::MatrixXd::Zero(xd.cols(), xd.cols());
    xtx.noalias() += xd.transpose() * xd;
    tokens += xd.rows();
}

GptqResult gptq(const models::Matrix& w, const InputGram& gram, int bits, int64_t group, bool fp16_scales,
                double damp) {
    const Eigen::Index n = w.rows(), k = w.cols();
    if (gram.tokens == 0) throw npu::UserError("GPTQ: no calibration tokens reached this linear");
    // X^T X has rank at most `tokens`: with fewer than k / 8 of them, damping alone would stand for
    // most of the Hessian's directions and the error feedback would follow it, not the data.
    if (gram.tokens * 8 < k)
        throw npu::UserError("GPTQ: " + std::to_string(gram.tokens) + " calibration tokens for " + std::to_string(k) +
                             " input features: the Hessian needs at least " + std::to_string((k + 7) / 8) +
                             " (give more calibration text)");
    if (gram.xtx.rows() != k)
        throw npu::UserError("GPTQ: the calibration inputs have " + std::to_string(gram.xtx.rows()) +
                             " features, the weights " + std::to_string(k));
    if (group < 1 || k % group != 0)
        throw npu::UserError("GPTQ: a group of " + std::to_string(group) + " does not divide " + std::to_string(k));
    Eigen::MatrixXd W = w.cast<double>();
    Eigen::MatrixXd H = 2.0 * gram.xtx / static_cast<double>(gram.tokens);
    // A column no calibration input ever touched has no curvature: its weights quantize to zero.
    for (Eigen::Index i = 0; i < k; ++i)
        if (H(i, i) == 0) {
            H(i, i) = 1;
            W.col(i).setZero();
        }
    H.diagonal().array() += damp * H.diagonal().mean();
    // The upper Cholesky factor of H^-1: row i holds how column i's error moves the later ones.
    const Eigen::MatrixXd Hinv = H.llt().solve(Eigen::MatrixXd::Identity(k, k));
    const Eigen::MatrixXd U = Hinv.llt().matrixU();
    const double qmax = qmax_of(bits);
    GptqResult r;
    r.ints.assign(static_cast<size_t>(n * k), 0);
    r.scales.assign(static_cast<size_t>(n * (k / group)), 0);
    Eigen::VectorXd scale(n);
    for (Eigen::Index i = 0; i < k; ++i) {
        if (i % group == 0)
            for (Eigen::Index row = 0; row < n; ++row) {
                float s = static_cast<float>(std::max(W.row(row).segment(i, group).cwiseAbs().maxCoeff(), 1e-8) / qmax);
                if (fp16_scales) s = round_to_fp16(s);
                scale(row) = s;
                r.scales[static_cast<size_t>(row * (k / group) + i / group)] = s;
            }
        Eigen::VectorXd err(n);
        for (Eigen::Index row = 0; row < n; ++row) {
            const double q = std::clamp(std::nearbyint(W(row, i) / scale(row)), -qmax, qmax);
            r.ints[static_cast<size_t>(row * k + i)] = static_cast<int8_t>(q);
            err(row) = (W(row, i) - q * scale(row)) / U(i, i);
        }
        if (i + 1 < k) W.rightCols(k - i - 1).noalias() -= err * U.row(i).tail(k - i - 1);
    }
    return r;
}

}  // namespace npusim::quant
