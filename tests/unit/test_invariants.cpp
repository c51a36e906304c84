// Invariants of every registered kernel on every shipped preset, at the kernel's default shape and
// schedule (docs/architecture.md, Contracts):
//  - determinism: a second run, after other programs ran in between, reproduces the report bit
//    for bit (cycles, traffic, work and energy);
//  - energy is the sum of its parts;
//  - conservation: the output bytes written and the MACs equal the analytic counts from the shape
//    and the tiles, and every input byte is read at least once (for kernels that are not gathers);
//  - time is never below either roofline.
// The shapes, types and MAC counts come from the kernel's algorithm (Kernel::build and the shape
// dimensions), not from the lowered program the simulator runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "base/errors.h"
#include "flow/kernel_flow.h"
#include "sim/config/npu_config.h"
#include "sim/mac/mac_array.h"

namespace {

using namespace npusim::schedules;
using namespace npusim::flow;

struct Sized {
    uint64_t input_bytes = 0, output_bytes = 0;
};

Sized analytic_bytes(const KernelCall& c) {
    const KernelInstance inst = c.kernel->build(c.shape, c.knobs);
    auto bytes = [](const std::vector<int64_t>& shape, const Halide::Type& t) {
        uint64_t n = static_cast<uint64_t>(t.bytes());
        for (int64_t d : shape)
            n *= static_cast<uint64_t>(d);
        return n;
    };
    Sized s;
    for (size_t i = 0; i < inst.inputs.size(); ++i)
        s.input_bytes += bytes(inst.input_shapes[i], inst.inputs[i].type());
    s.output_bytes = bytes(inst.output_shape, inst.output.output_types().front());
    return s;
}

// A GEMM dimension as computed: a tile that does not divide it is shifted inwards (Halide's
// TailStrategy::ShiftInwards), so the last tile recomputes and rewrites part of the one before.
uint64_t computed(int64_t extent, const Knobs& knobs, const char* tile) {
    const int64_t t = std::min<int64_t>(std::stoll(knobs.at(tile)), extent);
    return static_cast<uint64_t>((extent + t - 1) / t * t);
}

// The output bytes written and the multiply-accumulates, from the shape and the tiles: a GEMM is
// m x n x k, the output projection t x vocab x d; decode attention (one query token) is q.k and
// p.v over the context for every head; the rest are vector kernels that write their output once.
std::pair<uint64_t, uint64_t> analytic_output_and_macs(const KernelCall& c, uint64_t output_bytes) {
    const Shape& s = c.shape;
    auto at = [&](const char* d) { return static_cast<uint64_t>(s.at(d)); };
    const std::string& name = c.kernel->name();
    if (s.count("m") && s.count("n") && s.count("k")) {
        const uint64_t m = computed(s.at("m"), c.knobs, "tile_m"), n = computed(s.at("n"), c.knobs, "tile_n");
        return {output_bytes / (at("m") * at("n")) * m * n, m * n * at("k")};
    }
    if (name == "lm_head") {
        const uint64_t t = computed(s.at("t"), c.knobs, "tile_m"), v = computed(s.at("vocab"), c.knobs, "tile_n");
        return {output_bytes / (at("t") * at("vocab")) * t * v, t * v * at("d")};
    }
    if (name == "attention") return {output_bytes, 2 * at("t") * at("ctx") * at("h") * at("d")};
    return {output_bytes, 0};
}

bool same_bits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

void expect_identical(const npu::Report& a, const npu::Report& b) {
    EXPECT_EQ(a.cycles, b.cycles);
    EXPECT_EQ(a.mac_ops, b.mac_ops);
    EXPECT_EQ(a.vector_ops, b.vector_ops);
    EXPECT_EQ(a.instructions, b.instructions);
    EXPECT_EQ(a.dram_bytes_read, b.dram_bytes_read);
    EXPECT_EQ(a.dram_bytes_written, b.dram_bytes_written);
    EXPECT_EQ(a.dram_bus_bytes_read, b.dram_bus_bytes_read);
    EXPECT_EQ(a.sram_bytes_read, b.sram_bytes_read);
    EXPECT_EQ(a.sram_bytes_written, b.sram_bytes_written);
    EXPECT_TRUE(same_bits(a.energy_j, b.energy_j)) << a.energy_j << " vs " << b.energy_j;
    ASSERT_EQ(a.energy_j_by_component.size(), b.energy_j_by_component.size());
    for (const auto& [k, e] : a.energy_j_by_component)
        EXPECT_TRUE(same_bits(e, b.energy_j_by_component.at(k))) << k;
    ASSERT_EQ(a.engines.size(), b.engines.size());
    for (size_t i = 0; i < a.engines.size(); ++i)
        EXPECT_EQ(a.engines[i].busy_cycles, b.engines[i].busy_cycles) << a.engines[i].name;
}

class KernelOnPreset : public testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(KernelOnPreset, IsDeterministicConservesWorkAndRespectsTheRoofline) {
    const auto& [kernel, preset] = GetParam();
    const npu::NpuConfig cfg = npu::load_preset(preset);
    // 16-bit integer activations need an a16 pair in the matrix unit: elsewhere the kernel is
    // refused, saying so.
    const bool a16i = kernel == "gemm_w8a16i" || kernel == "gemm_w4a16i";
    if (a16i && !npu::unsupported_pair(cfg, npu::DType::Int16, npu::DType::Int8).empty() &&
        (kernel == "gemm_w8a16i" || !npu::unsupported_pair(cfg, npu::DType::Int16, npu::DType::Int4).empty())) {
        try {
            KernelCall(kernel, {}, {}, cfg);
            ADD_FAILURE() << kernel << " mapped on " << preset << ", which has no a16 pair";
        } catch (const npu::ScheduleError& e) {
            EXPECT_NE(std::string(e.what()).find("runs on no matrix path"), std::string::npos) << e.what();
        }
        return;
    }
    const KernelCall call(kernel, {}, {}, cfg);
    const npu::Report first = simulate_kernel(call, cfg);

    // Another program in between, on another preset: no state may carry over.
    const npu::NpuConfig other = npu::load_preset("default");
    simulate_kernel(KernelCall("rms_norm", {{"t", 8}, {"d", 256}}, {}, other), other);
    expect_identical(first, simulate_kernel(call, cfg));

    double parts = 0;
    for (const auto& [component, joules] : first.energy_j_by_component)
        parts += joules;
    EXPECT_NEAR(first.energy_j, parts, 1e-12 * first.energy_j);

    const Sized want = analytic_bytes(call);
    const auto [written, macs] = analytic_output_and_macs(call, want.output_bytes);
    EXPECT_EQ(first.dram_bytes_written, written);
    if (kernel == "embedding")  // a gather reads only the rows it looks up
        EXPECT_LT(first.dram_bytes_read, want.input_bytes);
    else
        EXPECT_GE(first.dram_bytes_read, want.input_bytes);
    EXPECT_EQ(first.mac_ops, macs);

    EXPECT_GE(first.cycles, first.roofline_cycles);
    EXPECT_GE(first.cycles, first.kernel_roofline_cycles);
    EXPECT_GT(first.cycles, 0u);
}

std::vector<std::string> kernel_names() {
    std::vector<std::string> v;
    for (const Kernel* k : all_kernels())
        v.push_back(k->name());
    return v;
}

INSTANTIATE_TEST_SUITE_P(AllKernelsAllPresets, KernelOnPreset,
                         testing::Combine(testing::ValuesIn(kernel_names()),
                                          testing::ValuesIn(npu::spec_preset_names())),
                         [](const auto& i) { return std::get<0>(i.param) + "_on_" + std::get<1>(i.param); });

}  // namespace
