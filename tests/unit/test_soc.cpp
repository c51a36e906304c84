// The device around the NPU (soc/) and what the flow builds on it: the lumped thermal model and its
// DVFS governor, storage reads for a cold start, and a sustained decode under heat.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "flow/cold_start.h"
#include "flow/sustained_run.h"
#include "models/model_config.h"
#include "soc/storage.h"
#include "soc/thermal.h"

namespace {

using npusim::soc::ThermalModel;
using npusim::soc::ThermalParams;

ThermalParams phone(double limit_c) {
    ThermalParams p;
    p.ambient_c = 25;
    p.resistance_c_per_w = 10;
    p.capacitance_j_per_c = 20;
    p.limit_c = limit_c;
    p.hysteresis_c = 3;
    p.dvfs_levels = 8;
    p.min_clock_fraction = 0.3;
    return p;
}

TEST(Thermal, SteadyStateIsPowerTimesResistancePlusAmbient) {
    ThermalModel t(phone(0));
    for (int i = 0; i < 100; ++i)
        t.step(3.0, 100);  // 50 time constants
    EXPECT_NEAR(t.temperature_c(), 25 + 3.0 * 10, 1e-9);
    EXPECT_DOUBLE_EQ(npusim::soc::steady_state_c(phone(0), 3.0), 55);
}

TEST(Thermal, TheStepLengthDoesNotChangeTheTemperature) {
    ThermalModel fine(phone(0)), coarse(phone(0));
    for (int i = 0; i < 100; ++i)
        fine.step(4.0, 1);
    coarse.step(4.0, 100);
    EXPECT_NEAR(fine.temperature_c(), coarse.temperature_c(), 1e-9);
    // 100 s of a 200 s time constant: 1 - e^-0.5 of the way to 65 C.
    EXPECT_NEAR(coarse.temperature_c(), 25 + 40 * (1 - std::exp(-0.5)), 1e-9);
}

TEST(Thermal, TheClockStaysInItsTableAndFollowsTheLimit) {
    const ThermalParams p = phone(60);
    const std::vector<double> table = npusim::soc::dvfs_table(p);
    ASSERT_EQ(table.size(), 8u);
    EXPECT_DOUBLE_EQ(table.front(), 1.0);
    EXPECT_DOUBLE_EQ(table.back(), 0.3);
    ThermalModel t(p);
    bool throttled = false;
    for (int i = 0; i < 2000; ++i) {
        // Power falls with the clock (cubically, as DVFS lowers the voltage with it).
        const double f = t.clock_fraction();
        t.step(1.0 + 6.0 * f * f * f, 1);
        EXPECT_LE(t.clock_fraction(), 1.0);
        EXPECT_GE(t.clock_fraction(), 0.3);
        EXPECT_NE(std::find(table.begin(), table.end(), t.clock_fraction()), table.end());
        throttled = throttled || t.level() > 0;
        if (i > 1000) {
            EXPECT_LT(t.temperature_c(), 62);  // the governor holds it near the limit
        }
    }
    EXPECT_TRUE(throttled);  // 7 W would settle at 95 C, over the 60 C limit
    // Cooling down: the clock returns to the top of the table.
    for (int i = 0; i < 3000; ++i)
        t.step(0.5, 1);
    EXPECT_EQ(t.level(), 0);
}

TEST(Thermal, NoLimitNeverThrottles) {
    ThermalModel t(phone(0));
    for (int i = 0; i < 1000; ++i)
        t.step(50, 1);
    EXPECT_EQ(t.level(), 0);
    EXPECT_GT(t.temperature_c(), 400);
}

TEST(Storage, FullLoadReadsTheFileAndMmapReadsWholeChunks) {
    const npusim::soc::StorageParams s{1e9, 131072, 100};
    const auto full = npusim::soc::full_load(s, 2e9);
    EXPECT_DOUBLE_EQ(full.bytes_read, 2e9);
    EXPECT_DOUBLE_EQ(full.seconds, 2.0);
    EXPECT_EQ(full.faults, 0);
    // 10 rows of 4 KiB scattered: each its own fault, each reading a whole 128 KiB chunk.
    const auto rows = npusim::soc::mmap_load(s, 10 * 4096, 10);
    EXPECT_EQ(rows.faults, 10);
    EXPECT_DOUBLE_EQ(rows.bytes_read, 10 * 131072.0);
    EXPECT_DOUBLE_EQ(rows.seconds, 10 * 131072.0 / 1e9 + 10 * 100e-6);
    const auto dense = npusim::soc::mmap_load(s, 131072 * 3 + 1, 1);
    EXPECT_EQ(dense.faults, 4);
}

TEST(ColdStart, MmapTouchesOnlyThePagesThePassUses) {
    const auto m = npusim::models::load_model("tinyllama-1.1b");  // untied: the table is gathered by row
    const auto q = npusim::models::QuantRecipe::parse("w4a8");
    const npu::NpuConfig cfg = npu::load_preset("hexagon_8gen3");
    const auto full = npusim::flow::cold_start(m, q, cfg, npusim::soc::LoadPath::Full, 16, 0.1, 0);
    const auto mmap = npusim::flow::cold_start(m, q, cfg, npusim::soc::LoadPath::Mmap, 16, 0.1, 0);
    const double file = static_cast<double>(npusim::models::weight_bytes(m, q));
    EXPECT_DOUBLE_EQ(full.load.bytes_read, file);
    EXPECT_DOUBLE_EQ(full.touched_bytes, file);
    const double table = static_cast<double>(m.vocab * m.hidden * 2), row = static_cast<double>(m.hidden * 2);
    EXPECT_DOUBLE_EQ(mmap.touched_bytes, file - table + 16 * row);
    EXPECT_GE(mmap.load.bytes_read, mmap.touched_bytes);
    EXPECT_LT(mmap.load.bytes_read, file);
    const double chunk = static_cast<double>(cfg.storage_fault_bytes);
    EXPECT_EQ(mmap.load.faults, static_cast<int64_t>(std::ceil((file - table) / chunk)) + 16);
    EXPECT_LT(mmap.peak_resident_bytes, full.peak_resident_bytes);
    EXPECT_DOUBLE_EQ(full.ttft_s, file / cfg.storage_read_bytes_per_s + cfg.runtime_prepare_s + 0.1);
}

// A decode step whose speed and energy scale with the clock as a compute-bound one would.
npusim::flow::ModelReport synthetic_step(const npu::NpuConfig& c, const npu::NpuConfig& top) {
    npusim::flow::ModelReport r;
    const double f = c.clock_mhz / top.clock_mhz;
    r.decode_tokens_per_s_last = 20 * f;
    r.last_step.seconds = 1 / r.decode_tokens_per_s_last;
    r.last_step.energy_j = 0.2;  // J per token at any clock (before the voltage scaling)
    return r;
}

TEST(Sustained, ThrottlesOnlyWithAThermalLimit) {
    npu::NpuConfig cfg = npu::load_preset("hexagon_8gen3");
    cfg.energy_static_mw = 0;
    cfg.thermal_other_w = 0;
    cfg.thermal_limit_c = 50;  // 4 W (0.2 J x 20 tokens/s) would settle at 65 C
    const auto step = [&](const npu::NpuConfig& c) { return synthetic_step(c, cfg); };
    const auto hot = npusim::flow::sustained_decode(cfg, 1200, step);
    EXPECT_GT(hot.throttled_after_s, 0);
    EXPECT_DOUBLE_EQ(hot.burst_tokens_per_s, 20);
    EXPECT_LT(hot.sustained_tokens_per_s, 0.95 * hot.burst_tokens_per_s);
    for (const auto& p : hot.points)
        EXPECT_LE(p.clock_fraction, 1.0);
    cfg.thermal_limit_c = 0;
    const auto free = npusim::flow::sustained_decode(cfg, 1200, step);
    EXPECT_LT(free.throttled_after_s, 0);
    EXPECT_DOUBLE_EQ(free.sustained_tokens_per_s, 20);
    EXPECT_NEAR(free.points.back().temperature_c, 25 + 4 * 10 * (1 - std::exp(-1200.0 / 200)), 1e-6);
}

}  // namespace
