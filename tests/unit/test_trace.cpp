// The Chrome/Perfetto trace: valid JSON structure, and its slices add up to the report.
#include <gtest/gtest.h>

#include <regex>

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
        std::smatch m;
        if (std::regex_search(s.args, m, std::regex("\"macs\": (\\d+)"))) macs += std::stoull(m[1]);
        if (std::regex_search(s.args, m, std::regex("\"bytes\": (\\d+)"))) bytes += std::stoull(m[1]);
        EXPECT_NE(s.args.find("\"func\": "), std::string::npos) << s.name;
        EXPECT_NE(s.args.find("\"loops\": "), std::string::npos) << s.name;
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
    EXPECT_EQ(json.rfind("{\"displayTimeUnit\"", 0), 0u);
    EXPECT_NE(json.find("\"ph\": \"X\""), std::string::npos);
    EXPECT_NE(json.find("\"thread_name\""), std::string::npos);
}

}  // namespace
