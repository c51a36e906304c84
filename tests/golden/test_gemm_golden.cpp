// Golden cycle counts: the default schedule on the default preset for three shapes. The model is
// deterministic, so a change means the model or the schedule changed; the tolerance (1 %) lets a
// deliberate small recalibration through while catching an accidental one. Update the numbers in
// the same commit that changes the model, and say why.
#include <gtest/gtest.h>

#include "schedules/gemm/gemm_flow.h"
#include "sim/config/npu_config.h"

namespace {

struct Golden {
    int64_t m, n, k;
    uint64_t cycles, roofline;
};

// Measured with: build/bin/npusim gemm --m M --n N --k K --json
constexpr Golden kGolden[] = {
    {512, 512, 512, 190624, 131072},
    {1, 4096, 4096, 1590584, 530048},
    {2048, 1024, 1024, 2766648, 2097152},
};

TEST(GemmGolden, DefaultScheduleOnDefaultPreset) {
    for (const Golden& g : kGolden) {
        npusim::schedules::GemmProblem p;
        p.m = g.m;
        p.n = g.n;
        p.k = g.k;
        auto r = npusim::schedules::simulate_gemm(p, npu::load_preset("default"));
        EXPECT_EQ(r.roofline_cycles, g.roofline) << g.m << "x" << g.n << "x" << g.k;
        EXPECT_NEAR(static_cast<double>(r.cycles), static_cast<double>(g.cycles), 0.01 * static_cast<double>(g.cycles))
            << g.m << "x" << g.n << "x" << g.k;
    }
}

}  // namespace
