// The compute-engine extension point (sim/control/compute_engine.h, docs/adding-an-engine.md): a
// toy engine written against it, as a new engine would be, queues requests in order, contends for
// the SRAM ports it shares with other engines, and gets its counters, trace and completion
// notification from the base. The expected cycles are worked out by hand below.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "sim/control/compute_engine.h"

namespace {

using npu::ComputeEngine;
using npu::SramLevel;

// A copy engine: streams `bytes` out of L1 after a 10-cycle start-up at 32 bytes per cycle.
struct CopyRequest {
    uint64_t bytes = 0;
    nlohmann::ordered_json trace_args;
    sc_core::sc_event* done = nullptr;
};

class CopyEngine : public ComputeEngine<CopyRequest> {
public:
    CopyEngine(const sc_core::sc_module_name& name, int core) : ComputeEngine(name, core, "copy") {}

private:
    Served serve(const CopyRequest& r, uint64_t start) override {
        Served s{start + 10 + (r.bytes + 31) / 32, "copy", ""};
        s.done = std::max(s.done, ctx().port(SramLevel::L1, false).complete_at(start, r.bytes));
        ctx().stats->sram_read[static_cast<int>(SramLevel::L1)] += r.bytes;
        if (tracing()) s.trace_args = {{"bytes", r.bytes}};
        return s;
    }
};

TEST(ComputeEngine, AToyEngineQueuesContendsCountsAndTraces) {
    npu::NpuConfig cfg;
    npu::RunStats stats;
    npu::TraceRecorder trace;
    npu::SramPorts ports;
    ports.l1_read.configure(16);  // bytes per cycle, shared by both engines of the core
    npu::CoreContext ctx{&cfg, &stats, &trace, nullptr, &ports, nullptr, nullptr, 0};

    CopyEngine first("first", 0), second("second", 0);
    first.configure(&ctx, &stats.engines["first"]);
    second.configure(&ctx, &stats.engines["second"]);

    std::map<std::string, uint64_t> finished;
    auto issue = [&](CopyEngine& e, uint64_t at, uint64_t bytes, const std::string& who) {
        sc_core::sc_spawn([&e, &finished, at, bytes, who] {
            sc_core::sc_event done;
            sc_core::wait(npu::cycles(at));
            e.queue.push({bytes, {{"who", who}}, &done});
            sc_core::wait(done);
            finished[who] = npu::now_cycles();
        });
    };
    issue(first, 0, 1600, "a");   // engine 10 + 50 cycles, but the port needs 1600 / 16 = 100: done 100
    issue(first, 10, 320, "c");   // waits for `first` until 100; the port is booked until 150 by b: 150 + 20 = 170
    issue(second, 20, 800, "b");  // port free at 100 (a), then 800 / 16 = 50: done 150 (55 alone)
    npu::start_run_clock();
    sc_core::sc_start();

    EXPECT_EQ(finished, (std::map<std::string, uint64_t>{{"a", 100}, {"b", 150}, {"c", 170}}));
    EXPECT_EQ(stats.engines["first"].instructions, 2u);
    EXPECT_EQ(stats.engines["first"].busy_cycles, 100u + 70u);
    EXPECT_EQ(stats.engines["second"].instructions, 1u);
    EXPECT_EQ(stats.engines["second"].busy_cycles, 130u);
    EXPECT_EQ(stats.sram_read[static_cast<int>(SramLevel::L1)], 1600u + 320u + 800u);
    EXPECT_EQ(stats.compute_first, 0u);
    EXPECT_EQ(stats.compute_last, 170u);

    ASSERT_EQ(trace.slices().size(), 3u);
    std::vector<std::string> args;
    for (const auto& s : trace.slices()) {
        EXPECT_EQ(s.track, "copy");
        EXPECT_EQ(s.name, "copy");
        args.push_back(s.args.dump());
    }
    EXPECT_EQ(trace.slices()[2].start, 100u);  // c, queued behind a
    EXPECT_EQ(trace.slices()[2].cycles, 70u);
    EXPECT_EQ(args, (std::vector<std::string>{R"({"bytes":1600,"who":"a"})", R"({"bytes":800,"who":"b"})",
                                              R"({"bytes":320,"who":"c"})"}));
}

}  // namespace
