// Ops placed on the NPU or the CPU (soc/placement.h), priced on the CPU from what they compute
// (models/op_work.h), and scheduled across both devices (soc/device_schedule.h, flow/model_run.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "base/errors.h"
#include "flow/kernel_flow.h"
#include "flow/model_run.h"
#include "models/model_config.h"
#include "models/op_work.h"
#include "soc/device.h"
#include "soc/device_schedule.h"
#include "soc/placement.h"

namespace {

using npusim::flow::OpResult;
using npusim::flow::PassResult;
using npusim::flow::run_pass;
using npusim::models::Op;
using npusim::models::op_work;
using npusim::soc::Device;
using npusim::soc::PlacementPolicy;

// A two-layer decoder small enough to simulate every op in a unit test.
npusim::models::ModelConfig tiny() {
    return npusim::models::parse_model(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 128,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 256, "vocab_size": 512,
        "num_hidden_layers": 2, "max_position_embeddings": 1024, "hidden_act": "silu",
        "tie_word_embeddings": true, "rms_norm_eps": 1e-5})",
                                       "tiny.json", "tiny");
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

TEST(Placement, GlobsMatchWholeNames) {
    using npusim::quant::glob_match;
    EXPECT_TRUE(glob_match("layer.attention", "layer.attention"));
    EXPECT_TRUE(glob_match("*_norm", "layer.input_norm"));
    EXPECT_TRUE(glob_match("layer.*_proj", "layer.qkv_proj"));
    EXPECT_TRUE(glob_match("layer.*_cache_*", "layer.k_cache_append"));
    EXPECT_FALSE(glob_match("*_norm", "layer.input_norm.x"));
    EXPECT_FALSE(glob_match("layer.attention", "layer.attention_out"));
    EXPECT_FALSE(glob_match("", "x"));
}

TEST(Placement, AnOpWithoutAnNpuKernelGoesToTheCpu) {
    const npu::NpuConfig cfg = npu::load_preset("hexagon_8gen3");
    // The CPU's half of shadow outliers: a sparse float MatMul, which the kernel library lacks.
    const Op shadow{"layer.o_proj.shadow", "gemm_shadow", {{"m", 1}, {"n", 64}, {"k", 64}, {"nnz", 2}}, 1};
    const auto placed = npusim::soc::place(shadow, op_work(shadow), cfg, false, {});
    EXPECT_EQ(placed.device, Device::Cpu);
    EXPECT_EQ(placed.why, "no NPU kernel");
    // ... and forcing it onto the NPU says why not.
    EXPECT_EQ(message_of([&] {
                  npusim::soc::place(shadow, op_work(shadow), cfg, false, PlacementPolicy::parse("*.shadow=npu"));
              }),
              "placement rule *.shadow=npu: op 'layer.o_proj.shadow' (kernel gemm_shadow) has no NPU kernel");
}

TEST(Placement, FloatOpsLeaveAnIntegerOnlyNpu) {
    npu::NpuConfig cfg = npu::load_preset("edge_tpu");
    ASSERT_EQ(cfg.runtime_float_ops, "cpu");
    const Op norm{"layer.input_norm", "rms_norm", {{"t", 1}, {"d", 128}}, 1};
    const Op gemm{"layer.qkv_proj", "gemm_w8a8", {{"m", 1}, {"n", 256}, {"k", 128}}, 1};
    EXPECT_EQ(npusim::soc::place(norm, op_work(norm), cfg, true, {}).device, Device::Cpu);
    EXPECT_EQ(npusim::soc::place(gemm, op_work(gemm), cfg, true, {}).device, Device::Npu);
    cfg.runtime_float_ops = "npu";
    EXPECT_EQ(npusim::soc::place(norm, op_work(norm), cfg, true, {}).device, Device::Npu);
}

TEST(Placement, RulesAreObeyedFirstMatchFirst) {
    const npu::NpuConfig cfg = npu::load_preset("default");
    const auto policy = PlacementPolicy::parse("layer.attention=cpu,layer.*=npu,*=cpu");
    EXPECT_EQ(policy.text(), "layer.attention=cpu,layer.*=npu,*=cpu");
    const std::vector<Op> ops = npusim::models::decode_ops(tiny(), npusim::models::QuantRecipe::parse("w8a8"), 8);
    const PassResult p = run_pass(ops, cfg, policy);
    for (const OpResult& o : p.ops) {
        const std::string want = o.op.name == "layer.attention"      ? "cpu"
                                 : o.op.name.rfind("layer.", 0) == 0 ? "npu"
                                                                     : "cpu";
        EXPECT_EQ(o.device, want) << o.op.name;
    }
    const std::string typo = message_of([] {
        npusim::soc::check_rules_match(
            PlacementPolicy::parse("layer.atention=cpu"),
            npusim::models::decode_ops(tiny(), npusim::models::QuantRecipe::parse("w8a8"), 8));
    });
    EXPECT_EQ(typo.rfind("placement rule layer.atention=cpu matches no op of the model (its ops: embedding, "
                         "layer.input_norm, ",
                         0),
              0u)
        << typo;
    EXPECT_EQ(message_of([] { PlacementPolicy::parse("layer.attention=gpu", "--place"); }),
              "--place: 'layer.attention=gpu' is not PATTERN=DEVICE (a glob over op names, device npu or cpu)");
}

TEST(DeviceSchedule, NoDeviceRunsTwoTasksAtOnce) {
    using npusim::soc::Task;
    // Two chains, one per device, joined at the end: they overlap, but never on one device.
    std::vector<Task> tasks = {{Device::Npu, 3, {}, 10},
                               {Device::Cpu, 2, {}, 10},
                               {Device::Npu, 4, {0}, 10},
                               {Device::Cpu, 5, {1}, 10},
                               {Device::Npu, 1, {2, 3}, 10}};
    const auto s = npusim::soc::schedule_tasks(tasks, [](int64_t bytes) { return 0.5 + bytes * 0.01; });
    EXPECT_DOUBLE_EQ(s.busy_s.at("npu"), 8);
    EXPECT_DOUBLE_EQ(s.busy_s.at("cpu"), 7);
    EXPECT_DOUBLE_EQ(s.makespan, 7 + 0.6 + 1);  // the CPU chain, its hand-off, the join
    EXPECT_EQ(s.handoffs, 1);
    for (size_t i = 0; i < tasks.size(); ++i)
        for (size_t j = i + 1; j < tasks.size(); ++j)
            if (tasks[i].device == tasks[j].device) {
                EXPECT_TRUE(s.finish[i] <= s.start[j] || s.finish[j] <= s.start[i]) << i << " " << j;
            }
}

TEST(DeviceSchedule, RejectsADependencyOnALaterTask) {
    std::vector<npusim::soc::Task> tasks = {{Device::Npu, 1, {1}, 0}, {Device::Cpu, 1, {}, 0}};
    EXPECT_EQ(message_of([&] { npusim::soc::schedule_tasks(tasks, [](int64_t) { return 0.0; }); }),
              "task 0 depends on a later task");
}

// The CPU's cost of an op comes from models/op_work.h, the NPU's from simulating its program: the
// multiply-accumulates must agree, and the bytes must be those of the op's tensors.
TEST(OpWork, AgreesWithTheSimulatedProgram) {
    const npu::NpuConfig cfg = npu::load_preset("default");
    const auto m = tiny();
    for (const char* recipe : {"w8a8", "w4a16", "w8a8-dynamic"}) {
        const auto q = npusim::models::QuantRecipe::parse(recipe);
        std::vector<Op> ops = npusim::models::prefill_ops(m, q, 64, 32, 96);
        for (const Op& op : npusim::models::decode_ops(m, q, 70, 96))
            ops.push_back(op);
        for (const Op& op : ops) {
            const auto w = op_work(op);
            const npu::Report r =
                npusim::flow::simulate_kernel(npusim::flow::KernelCall(op.kernel, op.shape, {}, cfg), cfg);
            EXPECT_EQ(static_cast<uint64_t>(w.macs), r.mac_ops) << recipe << " " << op.name;
            EXPECT_NEAR(static_cast<double>(w.bytes()), static_cast<double>(r.compulsory_dram_bytes),
                        0.1 * static_cast<double>(r.compulsory_dram_bytes))
                << recipe << " " << op.name;
        }
    }
}

// With attention on the CPU, a chunked prefill overlaps a later chunk's NPU ops with an earlier
// chunk's attention: faster than the two devices one after the other, never faster than either
// device alone (its busy time) or the CPU's roofline for its ops.
TEST(DeviceSchedule, ChunkedPrefillOverlapsButNotBelowEitherDevice) {
    const npu::NpuConfig cfg = npu::load_preset("hexagon_8gen3");
    const auto m = tiny();
    const auto q = npusim::models::QuantRecipe::parse("w8a8");
    const std::vector<Op> ops = npusim::models::prefill_ops(m, q, 256, 64, 256);
    const PassResult p = run_pass(ops, cfg, PlacementPolicy::parse("layer.attention=cpu"));
    ASSERT_FALSE(p.runs.empty());
    const double npu = p.device_busy_s.at("npu"), cpu = p.device_busy_s.at("cpu");
    EXPECT_GE(p.seconds, std::max(npu, cpu));
    EXPECT_LT(p.seconds, npu + cpu + p.handoff_s);
    double cpu_roofline = 0;
    for (const OpResult& o : p.ops)
        if (o.device == "cpu")
            cpu_roofline += npusim::soc::device_cost(npusim::soc::DeviceParams::cpu(cfg), op_work(o.op)).roofline_s *
                            static_cast<double>(o.op.count);
    EXPECT_GT(cpu, cpu_roofline);
    // Every hand-off crosses devices: as many as the schedule's runs change device along a dependency.
    EXPECT_GT(p.handoffs, 0);
    // A decode step is one chain: no overlap, so its time is both devices' busy time and the hand-offs.
    const PassResult d =
        run_pass(npusim::models::decode_ops(m, q, 257, 300), cfg, PlacementPolicy::parse("layer.attention=cpu"));
    EXPECT_NEAR(d.seconds, d.device_busy_s.at("npu") + d.device_busy_s.at("cpu") + d.handoff_s, 1e-12);
}

// Shadow outliers: the float MatMul of the outliers has no NPU kernel, so it runs on the CPU,
// beside the quantize and int8 MatMul whose input it reads; the add after the dequantize waits
// for both.
// (The tiny model's NPU ops are shorter than a hand-off, so the check is on the start time.)
TEST(DeviceSchedule, ShadowOutliersRunBesideTheIntegerMatMul) {
    const npu::NpuConfig cfg = npu::load_preset("hexagon_8gen3");
    const auto q = npusim::models::QuantRecipe::parse("w8a8+shadow0.1");
    const PassResult p = run_pass(npusim::models::decode_ops(tiny(), q, 8), cfg);
    ASSERT_FALSE(p.runs.empty());
    int shadows = 0;
    for (size_t i = 0; i < p.runs.size(); ++i) {
        const OpResult& o = p.ops[p.runs[i].op];
        if (o.op.kernel != "gemm_shadow") continue;
        ++shadows;
        EXPECT_EQ(o.device, "cpu");
        EXPECT_EQ(o.placed_why, "no NPU kernel");
        const auto& gemm = p.runs[i - 1];
        const auto& quantize = p.runs[i - 2];
        const auto& merge = p.runs[i + 2];
        EXPECT_EQ(p.ops[quantize.op].op.kernel, "quantize");
        // It starts when its input (the run before the quantize) has been handed over, not after
        // the MatMul: the CPU is otherwise idle.
        const auto& input = p.runs[i - 3];
        const double handed = input.start_s + input.seconds +
                              npusim::soc::handoff_seconds(cfg, op_work(p.ops[input.op].op).bytes_written);
        EXPECT_NEAR(p.runs[i].start_s, handed, 1e-12);
        EXPECT_EQ(p.ops[merge.op].op.name, p.ops[gemm.op].op.name + ".shadow_add");
        EXPECT_GE(merge.start_s, std::max(gemm.start_s + gemm.seconds, p.runs[i].start_s + p.runs[i].seconds));
    }
    EXPECT_EQ(shadows, 2 * 4 + 1);  // four linears per layer, and the lm_head
}

TEST(OpWork, UnknownKernelsAreNamed) {
    EXPECT_EQ(message_of([] {
                  op_work(Op{"layer.x", "conv2d", {{"t", 1}}, 1});
              }),
              "op 'layer.x': kernel 'conv2d' has no work model");
}

}  // namespace
