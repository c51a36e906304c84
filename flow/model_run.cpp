#include "flow/model_run.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>

#include "flow/kernel_flow.h"
#include "flow/runtime_cost.h"
#include "models/op_work.h"
#include "soc/device.h"
#include "soc/device_schedule.h"

using namespace npusim::schedules;

namespace npusim::flow {

namespace {

bool in_layer(const OpResult& r) {
    return r.op.name.rfind("layer.", 0) == 0;
}

// The time of `next` hidden under `prev` when they run back to back in one graph of pass `p`: the
// DRAM bus is idle during `prev` at its start and end, and between its transfers.
double hidden_before(const PassResult& p, const OpResult& prev, const OpResult& next) {
    if (!p.graph) return 0;
    const auto bus = prev.engine_busy_s.find("dram");
    const double idle = prev.seconds - (bus == prev.engine_busy_s.end() ? 0 : bus->second);
    return std::min(next.fill_s, std::max(0.0, idle));
}

}  // namespace

void walk_runs(const PassResult& p, int64_t n_layers,
               const std::function<void(const OpResult& op, double times, int64_t layer, double hidden)>& run) {
    const OpResult* prev = nullptr;
    auto visit = [&](const OpResult& o, double times, int64_t layer) {
        const double hidden = (prev ? hidden_before(p, *prev, o) : 0) + (times - 1) * hidden_before(p, o, o);
        run(o, times, layer, hidden);
        prev = &o;
    };
    // A block: consecutive layer ops of one count (consecutive layers at the same precisions),
    // each op once, run once per layer.
    int64_t next_layer = 0;
    for (size_t i = 0; i < p.ops.size();) {
        if (!in_layer(p.ops[i])) {
            visit(p.ops[i], static_cast<double>(p.ops[i].op.count), -1);
            ++i;
            continue;
        }
        std::set<std::string> seen;
        size_t end = i;
        while (end < p.ops.size() && in_layer(p.ops[end]) && p.ops[end].op.count == p.ops[i].op.count &&
               seen.insert(p.ops[end].op.name).second)
            ++end;
        for (int64_t l = next_layer; l < next_layer + p.ops[i].op.count; ++l)
            for (size_t j = i; j < end; ++j)
                visit(p.ops[j], 1, l);
        next_layer = (next_layer + p.ops[i].op.count) % std::max<int64_t>(n_layers, 1);
        i = end;
    }
}

namespace {

// The NPU's result for one op: simulated once per process for each distinct op, schedule and NPU (a
// layer's ops repeat in every layer, and decode steps repeat all but attention).
OpResult simulate_on_npu(const models::Op& op, const npu::NpuConfig& cfg) {
    static std::mutex lock;
    static std::map<std::string, OpResult> cache;
    const KernelCall call(op.kernel, op.shape, {}, cfg);
    // The call's key leaves out run-time dimensions (one program serves them all); a result does not.
    std::string key = call.key() + "|" + npu::params_text(cfg);
    for (const auto& [dim, v] : call.shape)
        key += "|" + dim + "=" + std::to_string(v);
    {
        std::lock_guard<std::mutex> g(lock);
        auto it = cache.find(key);
        if (it != cache.end()) return it->second;
    }
    const npu::Report rep = simulate_kernel(call, cfg);
    OpResult r;
    r.cycles = rep.cycles;
    r.seconds = rep.seconds;
    r.energy_j = rep.energy_j;
    r.dram_bytes = rep.dram_bytes_read + rep.dram_bytes_written;
    r.mac_ops = rep.mac_ops;
    r.vector_ops = rep.vector_ops;
    for (const npu::EngineUse& e : rep.engines)
        r.engine_busy_s[e.name] += static_cast<double>(e.busy_cycles) / (cfg.clock_mhz * 1e6);
    r.energy_j_by_component = rep.energy_j_by_component;
    r.fill_s = static_cast<double>(rep.fill_cycles) * cfg.cycle_seconds();
    r.drain_s = static_cast<double>(rep.drain_cycles) * cfg.cycle_seconds();
    r.schedule = fields_text(call.knobs);
    std::lock_guard<std::mutex> g(lock);
    cache[key] = r;
    return r;
}

// The CPU's result for one op: its roofline plus overhead (soc/device.h).
OpResult run_on_cpu(const models::OpWork& w, const npu::NpuConfig& cfg) {
    const soc::DeviceCost c = soc::device_cost(soc::DeviceParams::cpu(cfg), w);
    OpResult r;
    r.seconds = c.seconds;
    r.energy_j = c.energy_j;
    r.dram_bytes = static_cast<uint64_t>(w.bytes());
    r.mac_ops = static_cast<uint64_t>(w.macs);
    r.vector_ops = static_cast<uint64_t>(w.vector_ops);
    r.engine_busy_s["cpu"] = c.seconds;
    r.energy_j_by_component["cpu"] = c.energy_j;
    return r;
}

bool npu_has_kernel(const std::string& kernel) {
    for (const Kernel* k : all_kernels())
        if (k->name() == kernel) return true;
    return false;
}

// A pass whose ops run on both devices, scheduled across them. Each op run depends on the runs of
// its chunk it reads (Op::inputs; by default the one before it), the first run of a later chunk
// on the pass's first run (the embedding), and a chunk's attention also on the previous chunk's
// attention of that layer (its KV cache). Each run of consecutive NPU ops in program order is
// priced by the runtime as a pass of its own (runtime_cost.h: a graph, split when long, or a
// graph per op), the cost charged before its first op.
void schedule_across_devices(PassResult& pass, const npu::NpuConfig& cfg) {
    std::vector<soc::Task> tasks;
    std::vector<RunSlot> slots;
    std::map<int64_t, std::vector<size_t>> history;  // per chunk: its tasks in run order
    std::map<int64_t, int64_t> first_layer;
    std::map<std::pair<int64_t, int64_t>, size_t> attention_at;  // (chunk, layer) -> task
    // The current run of consecutive NPU ops: its first task, op executions and time.
    struct Segment {
        size_t first = 0;
        int64_t ops = 0;
        double seconds = 0;
    } segment;
    auto close_segment = [&] {
        if (segment.ops == 0) return;
        const RuntimeCost rt = runtime_cost(cfg, segment.ops, segment.seconds);
        tasks[segment.first].seconds += rt.seconds;  // submitted before its first op
        slots[segment.first].seconds += rt.seconds;
        pass.runtime_s += rt.seconds;
        pass.graphs += rt.graphs;
        segment = {};
    };
    pass.overlap_s = 0;
    pass.runtime_s = 0;
    pass.graphs = 0;
    const OpResult* prev = nullptr;
    walk_runs(pass, std::numeric_limits<int64_t>::max(),
              [&](const OpResult& o, double times, int64_t layer, double hidden) {
                  const bool npu = o.device == "npu";
                  soc::Task t;
                  t.device = npu ? soc::Device::Npu : soc::Device::Cpu;
                  // Only a run that follows an NPU run in the same graph hides its fill under it.
                  if (!npu || !prev || prev->device != "npu") hidden = 0;
                  t.seconds = o.seconds * times - hidden;
                  pass.overlap_s += hidden;
                  if (!npu) close_segment();
                  if (npu && segment.ops == 0) segment.first = tasks.size();
                  if (npu) {
                      segment.ops += static_cast<int64_t>(times);
                      segment.seconds += t.seconds;
                  }
                  t.out_bytes = static_cast<int64_t>(static_cast<double>(o.output_bytes) * times);
                  // The walk numbers layers on across chunks; the chunk's first layer is its layer 0.
                  const int64_t chunk = o.op.chunk;
                  if (layer >= 0) layer -= first_layer.try_emplace(chunk, layer).first->second;
                  std::vector<size_t>& before = history[chunk];
                  const std::vector<int64_t> back = o.op.inputs.empty() ? std::vector<int64_t>{1} : o.op.inputs;
                  for (int64_t b : back) {
                      if (b >= 1 && static_cast<size_t>(b) <= before.size())
                          t.deps.push_back(before[before.size() - static_cast<size_t>(b)]);
                      else if (!tasks.empty())
                          t.deps.push_back(0);
                  }
                  if (o.op.kernel == "attention") {
                      const auto earlier = attention_at.find({chunk - 1, layer});
                      if (earlier != attention_at.end()) t.deps.push_back(earlier->second);
                      attention_at[{chunk, layer}] = tasks.size();
                  }
                  before.push_back(tasks.size());
                  slots.push_back({static_cast<size_t>(&o - pass.ops.data()), layer, o.device, 0, t.seconds});
                  tasks.push_back(std::move(t));
                  prev = &o;
              });
    close_segment();
    const soc::Schedule s = soc::schedule_tasks(tasks, [&](int64_t bytes) { return soc::handoff_seconds(cfg, bytes); });
    for (size_t i = 0; i < slots.size(); ++i)
        slots[i].start_s = s.start[i];
    pass.runs = std::move(slots);
    pass.seconds = s.makespan;
    pass.device_busy_s = s.busy_s;
    pass.handoffs = s.handoffs;
    pass.handoff_bytes = s.handoff_bytes;
    pass.handoff_s = s.handoff_s;
    pass.handoff_list = s.handoff_list;
}

}  // namespace

PassResult run_pass(const std::vector<models::Op>& ops, const npu::NpuConfig& cfg,
                    const soc::PlacementPolicy& placement, const std::function<void(size_t, size_t)>& progress) {
    PassResult pass;
    size_t done = 0;
    bool on_cpu = false;
    for (const models::Op& op : ops) {
        const models::OpWork work = models::op_work(op);
        const soc::Placed placed = soc::place(op, work, cfg, npu_has_kernel(op.kernel), placement);
        OpResult r = placed.device == soc::Device::Npu ? simulate_on_npu(op, cfg) : run_on_cpu(work, cfg);
        r.op = op;
        r.output_bytes = static_cast<uint64_t>(work.bytes_written);
        r.device = soc::device_name(placed.device);
        r.placed_why = placed.why;
        on_cpu = on_cpu || placed.device == soc::Device::Cpu;
        pass.seconds += r.seconds * static_cast<double>(op.count);
        pass.energy_j += r.energy_j * static_cast<double>(op.count);
        pass.dram_bytes += r.dram_bytes * static_cast<uint64_t>(op.count);
        pass.ops.push_back(r);
        if (progress) progress(++done, ops.size());
    }
    pass.graph = cfg.runtime_deployment == "graph";
    if (on_cpu) {
        schedule_across_devices(pass, cfg);
        return pass;
    }
    int64_t executions = 0;
    for (const models::Op& op : ops)
        executions += op.count;
    walk_runs(pass, 1, [&](const OpResult&, double, int64_t, double hidden) { pass.overlap_s += hidden; });
    pass.seconds -= pass.overlap_s;
    const RuntimeCost rt = runtime_cost(cfg, executions, pass.seconds);
    pass.runtime_s = rt.seconds;
    pass.graphs = rt.graphs;
    pass.seconds += rt.seconds;
    pass.device_busy_s["npu"] = pass.seconds;
    return pass;
}

ModelReport run_model(const models::ModelConfig& m, const models::QuantRecipe& q, const npu::NpuConfig& cfg,
                      const ModelRunOptions& o,
                      const std::function<void(const std::string&, size_t, size_t)>& progress) {
    const std::string most = std::to_string(models::kMaxTokens);
    if (o.prefill < 1 || o.prefill > models::kMaxTokens)
        throw models::ModelError("prefill must be 1 to " + most + " tokens");
    if (o.decode < 0 || o.decode > models::kMaxTokens)
        throw models::ModelError("decode must be 0 to " + most + " tokens");
    if (o.kv_block < 1 || o.kv_block > (1 << 20)) throw models::ModelError("the KV block must be 1 to 1048576 tokens");
    if (o.skip_prefill && (o.decode < 1 || !m.decoder))
        throw models::ModelError("skipping the prefill leaves nothing to simulate without decode steps (decode >= 1, " +
                                 std::string("a decoder model)"));
    soc::check_rules_match(o.placement, m.decoder ? models::decode_ops(m, q, 1) : models::prefill_ops(m, q, 1, 1));
    const uint64_t lowered_before = compile_stats().lowerings;
    ModelReport r;
    r.model = m.name;
    r.architecture = m.architecture;
    r.preset = cfg.name;
    r.quant = q.name();
    r.runtime_deployment = cfg.runtime_deployment;
    r.placement = o.placement.text();
    r.parameters = m.parameter_count();
    r.layers = m.layers;
    r.prefill_tokens = o.prefill;
    r.decode_tokens = o.decode;
    r.chunk = o.chunk > 0 ? std::min(o.chunk, o.prefill) : o.prefill;
    auto pass = [&](const std::vector<models::Op>& ops, const std::string& what) {
        return run_pass(ops, cfg, o.placement, [&](size_t done, size_t total) {
            if (progress) progress(what, done, total);
        });
    };
    // The KV cache holds the whole run (and the drafted tokens a verification appends): attention
    // is compiled for that capacity once and bound to each context.
    const int64_t capacity = o.prefill + o.decode + (o.draft.empty() ? 0 : o.spec_k);
    r.prefill_simulated = !o.skip_prefill;
    if (r.prefill_simulated) {
        r.prefill = pass(models::prefill_ops(m, q, o.prefill, r.chunk, capacity), "prefill");
        r.ttft_s = r.prefill.seconds;
        r.prefill_tokens_per_s = static_cast<double>(o.prefill) / r.prefill.seconds;
    }
    // Decode steps: every step when few, else 9 contexts evenly spaced from the first step to the
    // last, with the time per step interpolated linearly in the context between them.
    const int64_t T = o.decode, S = o.prefill;
    if (T <= 16) {
        for (int64_t i = 1; i <= T; ++i)
            r.contexts.push_back(S + i);
    } else {
        for (int i = 0; i < 9; ++i)
            r.contexts.push_back(S + 1 + (T - 1) * i / 8);
    }
    for (int64_t c : r.contexts)
        r.steps.push_back(pass(models::decode_ops(m, q, c, capacity), "decode at context " + std::to_string(c)));
    // Every step: a simulated one as it is, the others interpolated linearly between the two
    // simulated contexts around them.
    double decode_j = 0, decode_bytes = 0;
    for (int64_t c = S + 1, i = 0; c <= S + T; ++c) {
        while (r.contexts[static_cast<size_t>(i)] < c)
            ++i;
        const PassResult& hi = r.steps[static_cast<size_t>(i)];
        DecodeStep step{c, hi.seconds, hi.energy_j, static_cast<double>(hi.dram_bytes), static_cast<int>(i)};
        if (r.contexts[static_cast<size_t>(i)] != c) {
            const PassResult& lo = r.steps[static_cast<size_t>(i - 1)];
            const int64_t c0 = r.contexts[static_cast<size_t>(i - 1)], c1 = r.contexts[static_cast<size_t>(i)];
            const double f = static_cast<double>(c - c0) / static_cast<double>(c1 - c0);
            step = {c, lo.seconds + f * (hi.seconds - lo.seconds), lo.energy_j + f * (hi.energy_j - lo.energy_j),
                    static_cast<double>(lo.dram_bytes) +
                        f * (static_cast<double>(hi.dram_bytes) - static_cast<double>(lo.dram_bytes)),
                    -1};
        }
        r.decode_s += step.seconds;
        decode_j += step.energy_j;
        decode_bytes += step.dram_bytes;
        r.decode_steps.push_back(step);
    }
    const double bw = cfg.dram_bytes_per_cycle * cfg.dram_efficiency * cfg.clock_mhz * 1e6;  // sustained B/s
    if (!r.steps.empty()) {
        r.last_step = r.steps.back();
        r.decode_tokens_per_s = static_cast<double>(T) / r.decode_s;
        r.decode_tokens_per_s_last = 1.0 / r.last_step.seconds;
        r.roofline_tokens_per_s_last = bw / static_cast<double>(r.last_step.dram_bytes);
        r.decode_dram_bytes_per_token = decode_bytes / static_cast<double>(T);
    }
    r.energy_j = r.prefill.energy_j + decode_j;
    r.energy_per_token_j = r.energy_j / static_cast<double>(r.prefill_simulated ? S + T : T);
    if (r.prefill_simulated) r.prefill_energy_per_token_j = r.prefill.energy_j / static_cast<double>(S);
    if (T > 0) r.decode_energy_per_token_j = decode_j / static_cast<double>(T);
    r.average_power_w = r.energy_j / (r.ttft_s + r.decode_s);
    r.kv_block = o.kv_block;
    const models::Footprint mem = models::footprint(m, q, S + T, r.chunk, o.kv_block);
    r.kv_pages = mem.kv_pages;
    r.weight_bytes = mem.weights;
    r.kv_cache_bytes = mem.kv_cache;
    r.activation_bytes = mem.activations;
    r.footprint_bytes = mem.total();
    r.budget_bytes = cfg.dram_capacity_bytes;
    r.fits_memory = r.footprint_bytes <= r.budget_bytes;
    if (o.max_context) r.max_context = models::max_context(m, q, r.chunk, o.kv_block, cfg.dram_capacity_bytes);
    // From a cold start: the weights from storage, read whole or faulted in, and the graphs prepared.
    if (r.prefill_simulated)
        for (soc::LoadPath path : {soc::LoadPath::Full, soc::LoadPath::Mmap})
            r.cold_start.push_back(cold_start(m, q, cfg, path, S, r.ttft_s, r.kv_cache_bytes + r.activation_bytes));
    // Speculative decoding at the last context: k draft steps, then the target verifies k + 1 tokens.
    if (!o.draft.empty()) {
        if (r.steps.empty()) throw models::ModelError("speculative decoding needs at least one decode token");
        if (o.spec_k < 1 || o.spec_k > 64) throw models::ModelError("the draft length k must be 1 to 64");
        if (!(o.accept >= 0 && o.accept <= 1)) throw models::ModelError("the acceptance rate must be in [0, 1]");
        const models::ModelConfig draft = models::load_model(o.draft);
        const models::QuantRecipe dq = models::QuantRecipe::parse(o.draft_quant.empty() ? q.name() : o.draft_quant);
        const int64_t ctx = r.contexts.back();
        r.draft = draft.name + " (" + dq.name() + ")";
        r.spec_draft_step_s = pass(models::decode_ops(draft, dq, ctx, capacity), "draft step").seconds;
        r.spec_verify_s = pass(models::verify_ops(m, q, o.spec_k + 1, ctx + o.spec_k, capacity), "verify").seconds;
        r.spec_tokens_per_step = models::expected_tokens_per_step(o.accept, o.spec_k);
        r.spec_speedup = r.spec_tokens_per_step * r.last_step.seconds /
                         (static_cast<double>(o.spec_k) * r.spec_draft_step_s + r.spec_verify_s);
    }
    r.kernels_lowered = compile_stats().lowerings - lowered_before;
    return r;
}

}  // namespace npusim::flow
