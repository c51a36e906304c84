#include "quant/smoothing.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/errors.h"
#include "quant/weight_grid.h"

namespace npusim::quant {

using models::Matrix;
using models::Vector;

namespace {

void check_inputs(const char* what, const Matrix& w, const Matrix& x) {
    if (x.rows() == 0) throw npu::UserError(std::string(what) + ": no calibration tokens reached this linear");
    if (x.cols() != w.cols())
        throw npu::UserError(std::string(what) + ": the calibration inputs have " + std::to_string(x.cols()) +
                             " features, the weights " + std::to_string(w.cols()));
    if (!x.allFinite()) throw npu::UserError(std::string(what) + ": the calibration inputs hold a NaN or an infinity");
}

// At most kSearchTokens rows of x, evenly strided, in double.
Eigen::MatrixXd search_rows(const Matrix& x) {
    const Eigen::Index step = std::max<Eigen::Index>(1, (x.rows() + kSearchTokens - 1) / kSearchTokens);
    Eigen::MatrixXd out((x.rows() + step - 1) / step, x.cols());
    for (Eigen::Index r = 0, i = 0; r < x.rows(); r += step, ++i)
        out.row(i) = x.row(r).cast<double>();
    return out;
}

}  // namespace

ChannelScaling smooth_quant(const Matrix& w, const Matrix& x, int w_bits, double alpha) {
    check_inputs("SmoothQuant", w, x);
    const Vector xmax = x.cwiseAbs().colwise().maxCoeff().transpose();
    const Vector wmax = w.cwiseAbs().colwise().maxCoeff().transpose();
    auto factors = [&](double a) {
        Vector s(x.cols());
        for (Eigen::Index j = 0; j < s.size(); ++j)
            // A channel with no activation or no weight has nothing to migrate.
            s(j) = xmax(j) > 0 && wmax(j) > 0
                       ? static_cast<float>(std::clamp(std::pow(xmax(j), a) / std::pow(wmax(j), 1 - a), 1e-5, 1e5))
                       : 1.0f;
        return s;
    };
    if (alpha > 0) return {factors(alpha), alpha};
    const Eigen::MatrixXd xs = search_rows(x);
    const Eigen::MatrixXd ref = xs * w.cast<double>().transpose();
    ChannelScaling best;
    double best_err = -1;
    for (int i = 1; i <= 19; ++i) {
        const double a = i / 20.0;
        const Vector s = factors(a);
        // int8 activations, one scale for the tensor (its max), as the static quantize does.
        Eigen::MatrixXd xq = xs * s.cast<double>().cwiseInverse().asDiagonal();
        const double scale = std::max(xq.cwiseAbs().maxCoeff(), 1e-12) / 127.0;
        xq = (xq / scale).array().round().max(-128.0).min(127.0) * scale;
        const Matrix wq = fake_quantize_rows(w * s.asDiagonal(), w_bits, w.cols(), false);
        const double err = (xq * wq.cast<double>().transpose() - ref).squaredNorm();
        if (best_err < 0 || err < best_err) best_err = err, best = {s, a};
    }
    return best;
}

ChannelScaling awq(const Matrix& w, const Matrix& x, int w_bits, int64_t group) {
    check_inputs("AWQ", w, x);
    if (group < 1 || w.cols() % group != 0)
        throw npu::UserError("AWQ: a group of " + std::to_string(group) + " does not divide " +
                             std::to_string(w.cols()));
    const Eigen::VectorXd mean = x.cast<double>().cwiseAbs().colwise().mean().transpose();
    const Eigen::MatrixXd xs = search_rows(x);
    const Eigen::MatrixXd ref = xs * w.cast<double>().transpose();
    ChannelScaling best;
    double best_err = -1;
    for (int i = 0; i < 20; ++i) {
        const double a = i / 20.0;
        Eigen::VectorXd sd = mean.array().pow(a).max(1e-4);
        sd /= std::sqrt(sd.maxCoeff() * sd.minCoeff());
        const Vector s = sd.cast<float>();
        const Matrix wq = fake_quantize_rows(w * s.asDiagonal(), w_bits, group, true) * s.cwiseInverse().asDiagonal();
        const double err = (xs * wq.cast<double>().transpose() - ref).squaredNorm() / static_cast<double>(ref.size());
        if (best_err < 0 || err < best_err) best_err = err, best = {s, a};
    }
    return best;
}

}  // namespace npusim::quant
