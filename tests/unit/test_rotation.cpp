// The residual-stream rotation (QuaRot R1) leaves a float decoder's logits unchanged while it
// spreads an outlier channel over all channels.
#include <gtest/gtest.h>

#include <random>

#include "base/errors.h"
#include "models/llama_reference.h"
#include "quant/rotation.h"
#include "tests/support/expect_message.h"

namespace {

using namespace npusim;
using models::Matrix;
using models::Vector;

// A small Llama-architecture decoder with seeded random weights, norm gains away from 1, and
// residual channel 5 carrying outliers (as trained LLMs do).
models::LlamaReference random_llama() {
    models::ModelConfig c;
    c.family = models::Family::Llama;
    c.hidden = 64, c.intermediate = 128, c.layers = 2, c.heads = 4, c.kv_heads = 2, c.head_dim = 16, c.vocab = 97;
    c.norm_eps = 1e-6;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0, 0.1f);
    std::uniform_real_distribution<float> gain(0.5f, 1.5f);
    auto mat = [&](int64_t r, int64_t k) { return Matrix(Matrix::NullaryExpr(r, k, [&] { return normal(rng); })); };
    auto vec = [&](int64_t n) { return Vector(Vector::NullaryExpr(n, [&] { return gain(rng); })); };
    auto lin = [&](int64_t out, int64_t in) { return models::Linear{"", mat(out, in), Vector::Zero(out)}; };
    models::LlamaWeights w;
    w.embed = mat(c.vocab, c.hidden);
    w.embed.col(5) *= 40;
    for (int l = 0; l < c.layers; ++l)
        w.layers.push_back({vec(64), vec(64), lin(64, 64), lin(32, 64), lin(32, 64), lin(64, 64), lin(128, 64),
                            lin(128, 64), lin(64, 128)});
    w.final_norm = vec(64);
    w.lm_head = mat(c.vocab, c.hidden);
    return models::LlamaReference(c, std::move(w));
}

TEST(Rotation, HadamardIsOrthogonal) {
    const Matrix q = quant::randomized_hadamard(64, 1);
    EXPECT_LT((q.transpose() * q - Matrix::Identity(64, 64)).cwiseAbs().maxCoeff(), 1e-6);
    EXPECT_NE(quant::randomized_hadamard(64, 1), quant::randomized_hadamard(64, 2));
    test::expect_contains(test::message_of<npu::UserError>([] { quant::randomized_hadamard(384, 1); }),
                          "the Hadamard rotation needs a power-of-two hidden size, got 384");
}

TEST(Rotation, LogitsUnchangedOutliersSpread) {
    const models::LlamaReference base = random_llama();
    const models::LlamaReference rotated(base.config(),
                                         quant::rotate(base.weights(), quant::randomized_hadamard(64, 11)));
    const std::vector<int32_t> ids = {3, 17, 42, 8, 96, 0, 55, 23, 23, 71};
    const Matrix a = base.logits(ids), b = rotated.logits(ids);
    // Float tolerance: the same function, summed in another order.
    EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-4 * a.cwiseAbs().maxCoeff());
    // The residual the layers read: the outlier channel's energy is now shared by every channel.
    const std::vector<Matrix> ra = base.residuals(ids), rb = rotated.residuals(ids);
    for (size_t l = 0; l < ra.size(); ++l) {
        EXPECT_NEAR(ra[l].norm(), rb[l].norm(), 1e-3 * ra[l].norm());  // rotation keeps the energy
        EXPECT_LT(quant::peak_to_rms(rb[l]), quant::peak_to_rms(ra[l]) / 2) << "residual " << l;
    }
}

}  // namespace
