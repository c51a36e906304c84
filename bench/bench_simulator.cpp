// Speed of the simulator itself: instructions simulated per wall second on tiled GEMMs, and the
// cost of lowering a schedule. Run: make bench (or build/bin/bench_simulator).
#include <benchmark/benchmark.h>

#include "flow/gemm_flow.h"
#include "sim/config/npu_config.h"
#include "sim/simulator.h"

namespace {

npusim::flow::GemmProblem square(int64_t size, int tile) {
    npusim::flow::GemmProblem p;
    p.m = p.n = p.k = size;
    p.schedule.tile_m = p.schedule.tile_n = p.schedule.tile_k = tile;
    return p;
}

void simulate(benchmark::State& state, const npusim::flow::GemmProblem& p) {
    const npu::Program prog = npusim::flow::compile_gemm(p);
    const npu::NpuConfig cfg = npu::load_preset("default");
    uint64_t instructions = 0;
    for (auto _ : state)
        instructions += npu::simulate(prog, cfg).instructions;
    state.counters["instructions/s"] =
        benchmark::Counter(static_cast<double>(instructions), benchmark::Counter::kIsRate);
}

void BM_SimulateGemm(benchmark::State& state) {
    simulate(state, square(state.range(0), 32));
}
BENCHMARK(BM_SimulateGemm)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

// The target: a 2048^3 INT8 GEMM with 64x64x64 tiles in under a second of wall time.
void BM_SimulateGemm2048Tiles64(benchmark::State& state) {
    simulate(state, square(2048, 64));
}
BENCHMARK(BM_SimulateGemm2048Tiles64)->Unit(benchmark::kMillisecond);

void BM_LowerGemm(benchmark::State& state) {
    int i = 0;
    for (auto _ : state) {
        npusim::flow::GemmProblem p = square(256, 64);
        p.m = 256 + 32 * (i++ % 1000);  // a new shape each time: no cache hits
        benchmark::DoNotOptimize(npusim::flow::compile_gemm(p));
    }
}
BENCHMARK(BM_LowerGemm)->Unit(benchmark::kMillisecond);

}  // namespace
