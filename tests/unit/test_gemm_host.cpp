// Host execution of the scheduled pipeline against an independent plain-loop reference: bit-exact.
#include <gtest/gtest.h>

#include <random>

#include "base/errors.h"
#include "flow/gemm_flow.h"
#include "schedules/gemm/requant_params.h"

namespace {

using npusim::schedules::GemmSchedule;

// The reference: int64 throughout, round half up, saturate to int8.
std::vector<int8_t> reference(const std::vector<int8_t>& a, const std::vector<int8_t>& w,
                              const std::vector<int32_t>& bias, const std::vector<int32_t>& mult,
                              const std::vector<int32_t>& shift, int M, int N, int K) {
    std::vector<int8_t> out(static_cast<size_t>(M) * N);
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
            int64_t acc = 0;
            for (int k = 0; k < K; ++k)
                acc += int64_t{a[static_cast<size_t>(i) * K + k]} * w[static_cast<size_t>(j) * K + k];
            int64_t v = (acc + bias[j]) * mult[j];
            v = (v + (int64_t{1} << (shift[j] - 1))) >> shift[j];
            out[static_cast<size_t>(i) * N + j] =
                static_cast<int8_t>(std::min<int64_t>(127, std::max<int64_t>(-128, v)));
        }
    return out;
}

void check(int M, int N, int K, const std::string& sched, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> i8(-128, 127), b(-5000, 5000);
    std::uniform_real_distribution<double> scale(0.5e-4, 4e-3);
    std::vector<int8_t> a(static_cast<size_t>(M) * K), w(static_cast<size_t>(N) * K);
    for (auto& x : a)
        x = static_cast<int8_t>(i8(rng));
    for (auto& x : w)
        x = static_cast<int8_t>(i8(rng));
    std::vector<int32_t> bias(static_cast<size_t>(N)), mult(static_cast<size_t>(N)), shift(static_cast<size_t>(N));
    for (int j = 0; j < N; ++j) {
        bias[static_cast<size_t>(j)] = b(rng);
        auto fp = npusim::schedules::quantize_multiplier(scale(rng));
        mult[static_cast<size_t>(j)] = fp.multiplier;
        shift[static_cast<size_t>(j)] = fp.shift;
    }
    std::vector<int8_t> out(static_cast<size_t>(M) * N, 0);
    npusim::flow::gemm_host(a.data(), w.data(), bias.data(), mult.data(), shift.data(), out.data(), M, N, K,
                            GemmSchedule::parse(sched));
    auto ref = reference(a, w, bias, mult, shift, M, N, K);
    int saturated = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        ASSERT_EQ(static_cast<int>(out[i]), static_cast<int>(ref[i]))
            << "element " << i << " of " << M << "x" << N << "x" << K << " " << sched;
        saturated += (ref[i] == 127 || ref[i] == -128);
    }
    // The scales are chosen so most outputs are in range: the test exercises rounding, not clamps.
    EXPECT_LT(saturated, static_cast<int>(out.size()) / 2);
}

TEST(GemmHost, BitExactOnDividingShapes) {
    check(128, 128, 256, "tile_m=64,tile_n=64,tile_k=64", 1);
    check(64, 96, 128, "tile_m=32,tile_n=32,tile_k=128,double_buffer=0", 2);
}

TEST(GemmHost, BitExactOnShapesTheTilesDoNotDivide) {
    check(100, 96, 80, "tile_m=32,tile_n=32,tile_k=32", 3);
    check(37, 53, 71, "tile_m=16,tile_n=32,tile_k=16,order=nm", 4);
    check(1, 75, 130, "", 5);  // a decode-like single row with the default schedule
    check(70, 33, 200, "tile_m=32,tile_n=16,tile_k=64,stage_a=panel,stage_b=panel", 6);
}

TEST(GemmHost, RejectsValuesTheKernelCannotRepresent) {
    std::vector<int8_t> a(4, 1), w(4, 1), out(4);
    std::vector<int32_t> bias(2, 0), mult(2, 1 << 30), shift(2, 0);
    try {
        npusim::flow::gemm_host(a.data(), w.data(), bias.data(), mult.data(), shift.data(), out.data(), 2, 2, 2, {});
        FAIL();
    } catch (const npu::ShapeError& e) {
        EXPECT_NE(std::string(e.what()).find("shift[0] = 0 is outside [1, 62]"), std::string::npos) << e.what();
    }
}

TEST(RequantParams, MultiplierReproducesTheScale) {
    for (double s : {1e-5, 3.7e-3, 0.25, 0.9999999, 1.0, 7.5}) {
        auto fp = npusim::schedules::quantize_multiplier(s);
        EXPECT_GE(fp.multiplier, 1 << 30);
        EXPECT_GE(fp.shift, 1);
        EXPECT_LE(fp.shift, 62);
        EXPECT_NEAR(std::ldexp(static_cast<double>(fp.multiplier), -fp.shift), s, s * 1e-9);
    }
    EXPECT_THROW(npusim::schedules::quantize_multiplier(0.0), npu::ShapeError);
    EXPECT_THROW(npusim::schedules::quantize_multiplier(std::nan("")), npu::ShapeError);
}

}  // namespace
