// The Chrome/Perfetto trace: valid JSON structure, and its slices add up to the report.
#include <gtest/gtest.h>

#include "flow/gemm_flow.h"
#include "sim/config/npu_config.h"

namespace {

TEST(Trace, SlicesAddUpToTheReport) {
    npusim::flow::GemmProblem p;
    p.m = 192;
    p.n = 128;
    p.k = 256;
    p.schedule = npusim::schedules::GemmSchedule::parse("tile_m=64,tile_n=64,tile_k=64");
    npu::NpuConfig cfg = npu::load_preset("default");
    npusim::flow::simulate_gemm(p, cfg);  // an earlier run must not shift this trace
    npu::TraceRecorder trace;
    npu::Report r = npusim::flow::simulate_gemm(p, cfg, &trace);
    uint64_t macs = 0, bytes = 0, busy = 0;
    for (const auto& s : trace.slices()) {
        busy += s.cycles;
        EXPECT_LE(s.start + s.cycles, r.cycles);
        macs += s.args.value("macs", uint64_t{0});
        bytes += s.args.value("bytes", uint64_t{0});
        EXPECT_TRUE(s.args.contains("func")) << s.name;
        EXPECT_TRUE(s.args.contains("loops")) << s.name;
    }
    EXPECT_EQ(trace.slices().size(), r.instructions);
    uint64_t first = UINT64_MAX;
    for (const auto& s : trace.slices())
        first = std::min(first, s.start);
    EXPECT_EQ(first, static_cast<uint64_t>(cfg.control_issue_cycles));  // the first instruction issues at once
    EXPECT_EQ(macs, r.mac_ops);
    EXPECT_EQ(bytes, r.dram_bytes_read + r.dram_bytes_written);
    uint64_t engine_busy = 0;
    for (const auto& e : r.engines)
        if (e.name != "dram") engine_busy += e.busy_cycles;
    EXPECT_EQ(busy, engine_busy);
    std::string json = trace.to_chrome_json(cfg.clock_mhz, r.program, r.preset);
    const auto doc = nlohmann::json::parse(json);
    EXPECT_EQ(doc["displayTimeUnit"], "ns");
    size_t slices = 0, threads = 0;
    for (const auto& e : doc["traceEvents"]) {
        slices += e["ph"] == "X";
        threads += e["name"] == "thread_name";
    }
    EXPECT_EQ(slices, trace.slices().size());
    EXPECT_GT(threads, 0u);
}

}  // namespace
