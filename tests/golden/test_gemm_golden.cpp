// Golden cycle counts: the preset's default schedule on the default preset for three shapes. The model is
// deterministic, so a change means the model or the schedule changed; the tolerance (1 %) lets a
// deliberate small recalibration through while catching an accidental one. Update the numbers in
// the same commit that changes the model, and say why.
#include <gtest/gtest.h>

#include "flow/gemm_flow.h"
#include "sim/config/npu_config.h"

namespace {

struct Golden {
    int64_t m, n, k;
    uint64_t cycles, roofline;
};

// Measured with: build/bin/npusim gemm --m M --n N --k K --json. Last changed when the default
// preset gained a weight FIFO (mac.weight_buffers 2) and decode got its own default tiles
// (was 190,624 / 1,590,584 / 2,766,648).
constexpr Golden kGolden[] = {
    {512, 512, 512, 169568, 131072},
    {1, 4096, 4096, 688834, 526208},
    {2048, 1024, 1024, 2429752, 2097152},
};

TEST(GemmGolden, DefaultScheduleOnDefaultPreset) {
    for (const Golden& g : kGolden) {
        const npu::NpuConfig cfg = npu::load_preset("default");
        auto r = npusim::flow::simulate_kernel(npusim::flow::gemm_call(g.m, g.n, g.k, {}, {}, cfg), cfg);
        EXPECT_EQ(r.roofline_cycles, g.roofline) << g.m << "x" << g.n << "x" << g.k;
        EXPECT_NEAR(static_cast<double>(r.cycles), static_cast<double>(g.cycles), 0.01 * static_cast<double>(g.cycles))
            << g.m << "x" << g.n << "x" << g.k;
    }
}

}  // namespace
