#include "quant/rotation.h"

#include <cmath>
#include <random>

#include "base/errors.h"

namespace npusim::quant {

using models::Matrix;
using models::Vector;

Matrix randomized_hadamard(int64_t n, uint64_t seed) {
    if (n < 1 || (n & (n - 1)))
        throw npu::UserError("the Hadamard rotation needs a power-of-two hidden size, got " + std::to_string(n));
    Matrix h = Matrix::Ones(1, 1);
    while (h.rows() < n) {
        Matrix next(2 * h.rows(), 2 * h.cols());
        next << h, h, h, -h;
        h = next;
    }
    std::mt19937_64 rng(seed);
    for (Eigen::Index c = 0; c < h.cols(); ++c)
        if (rng() & 1) h.col(c) *= -1;
    return h / std::sqrt(static_cast<float>(n));
}

models::LlamaWeights rotate(const models::LlamaWeights& w, const Matrix& q) {
    const Eigen::Index d = q.rows();
    if (w.embed.cols() != d) throw npu::UserError("the rotation's size does not match the hidden size");
    models::LlamaWeights r = w;
    const Vector ones = Vector::Ones(d);
    auto read_side = [&](models::Linear& l, const Vector& gain) { l.w = (l.w * gain.asDiagonal()) * q; };
    auto write_side = [&](models::Linear& l) {
        l.w = q.transpose() * l.w;
        l.b = (l.b.transpose() * q).transpose();
    };
    r.embed = w.embed * q;
    for (models::LlamaLayer& L : r.layers) {
        for (models::Linear* l : {&L.q, &L.k, &L.v})
            read_side(*l, L.input_norm);
        for (models::Linear* l : {&L.gate, &L.up})
            read_side(*l, L.post_norm);
        write_side(L.o);
        write_side(L.down);
        L.input_norm = ones;
        L.post_norm = ones;
    }
    r.lm_head = (w.lm_head * w.final_norm.asDiagonal()) * q;
    r.final_norm = ones;
    return r;
}

double peak_to_rms(const Matrix& x) {
    const double rms = std::sqrt(x.cast<double>().squaredNorm() / static_cast<double>(x.size()));
    return rms > 0 ? x.cwiseAbs().maxCoeff() / rms : 0;
}

}  // namespace npusim::quant
