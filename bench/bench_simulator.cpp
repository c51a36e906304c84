// Speed of the simulator itself: instructions simulated per second, and the cost of lowering.
// Run: build/bin/bench_simulator
#include <benchmark/benchmark.h>

#include "schedules/gemm/gemm_flow.h"
#include "sim/config/npu_config.h"
#include "sim/simulator.h"

namespace {

void BM_SimulateGemm(benchmark::State& state) {
    npusim::schedules::GemmProblem p;
    p.m = p.n = p.k = state.range(0);
    p.schedule = npusim::schedules::GemmSchedule::parse("tile_m=32,tile_n=32,tile_k=32");
    npu::Program prog = npusim::schedules::compile_gemm(p);
    npu::NpuConfig cfg = npu::load_preset("default");
    uint64_t instructions = 0;
    for (auto _ : state)
        instructions += npu::simulate(prog, cfg).instructions;
    state.counters["instructions/s"] =
        benchmark::Counter(static_cast<double>(instructions), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimulateGemm)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

void BM_LowerGemm(benchmark::State& state) {
    int i = 0;
    for (auto _ : state) {
        npusim::schedules::GemmProblem p;
        p.m = 256 + 32 * (i++ % 1000);  // a new shape each time: no cache hits
        p.n = p.k = 256;
        benchmark::DoNotOptimize(npusim::schedules::compile_gemm(p));
    }
}
BENCHMARK(BM_LowerGemm)->Unit(benchmark::kMillisecond);

}  // namespace
