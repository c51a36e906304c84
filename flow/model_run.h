#pragma once
// Simulates a model's ops (models/workload.h) on an NPU: each op through the kernel library with
// the preset's default schedule, identical ops simulated once.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "flow/cold_start.h"
#include "models/workload.h"
#include "sim/config/npu_config.h"
#include "soc/device_schedule.h"
#include "soc/placement.h"

namespace npusim::flow {

struct OpResult {
    models::Op op;
    uint64_t cycles = 0;                                  // one run
    double seconds = 0, energy_j = 0;                     // one run
    uint64_t dram_bytes = 0;                              // one run, read + written
    uint64_t output_bytes = 0;                            // one run: what it writes (handed on)
    uint64_t mac_ops = 0, vector_ops = 0;                 // one run
    std::map<std::string, double> engine_busy_s;          // one run: each engine's busy time
    std::map<std::string, double> energy_j_by_component;  // one run: mac, vector, l1, acc, dram, static, ...
    double fill_s = 0, drain_s = 0;                       // one run: before the first / after the last compute
    std::string schedule;
    std::string device = "npu";  // where it ran (soc/placement.h), and why there
    std::string placed_why = "default";
};

// One op run of a pass that ran on more than one device: when it started on its device.
struct RunSlot {
    size_t op = 0;  // index into PassResult::ops
    int64_t layer = -1;
    std::string device;
    double start_s = 0, seconds = 0;
};

struct PassResult {
    std::vector<OpResult> ops;
    double seconds = 0, energy_j = 0;  // ops x counts, and the runtime's cost
    uint64_t dram_bytes = 0;
    double runtime_s = 0;  // of `seconds`: the vendor runtime's (runtime_cost.h)
    int64_t graphs = 0;    // graph executions the runtime made
    // Inside a graph (runtime.deployment: graph) each op's fill (its first loads: weights, with
    // the activations resident in SRAM) runs while the DRAM bus is idle during the previous op;
    // `seconds` is less by `overlap_s`, the hidden time walk_runs() gives over the pass's op runs.
    bool graph = false;
    double overlap_s = 0;
    // Each device's busy time (the NPU's includes the runtime's), and the tensors handed between
    // the NPU and the CPU. With ops on both, `runs` is the schedule (soc/device_schedule.h) and
    // `seconds` its length: each run of NPU ops between CPU ops is its own graph execution.
    std::map<std::string, double> device_busy_s;
    int64_t handoffs = 0, handoff_bytes = 0;
    double handoff_s = 0;
    std::vector<RunSlot> runs;
    std::vector<soc::Handoff> handoff_list;  // `from` and `to` index `runs`
};

// Visits a pass's op runs in run order: `run(op, times, layer, hidden)` for each op outside the
// layers (`times` = its count, `layer` -1) and, for each of the `n_layers` layers in turn, each of
// that layer's ops (`times` 1, `layer` its index). `hidden` is the time of those runs that ran
// under the run before them, in a graph (runtime.deployment: graph): the next op's fill (its first
// loads: weights, the activations staying in SRAM) while the DRAM bus is idle during the previous op.
void walk_runs(const PassResult& p, int64_t n_layers,
               const std::function<void(const OpResult& op, double times, int64_t layer, double hidden)>& run);

// Runs every op on the device `placement` puts it on. All on the NPU: each op count times, back
// to back. On both devices: scheduled across them (soc/device_schedule.h). `progress(done, total)`
// is called after each distinct op.
PassResult run_pass(const std::vector<models::Op>& ops, const npu::NpuConfig& cfg,
                    const soc::PlacementPolicy& placement = {},
                    const std::function<void(size_t, size_t)>& progress = {});

struct ModelRunOptions {
    int64_t prefill = 512, decode = 128;
    int64_t chunk = 0;      // prefill chunk in tokens; 0: the whole prompt
    int64_t kv_block = 16;  // tokens per KV cache page
    bool max_context = false;
    // Take the prompt's KV cache as given: only the decode steps are simulated (the decode speed
    // at a long context, whose prefill would take long to simulate). TTFT and prefill are then 0.
    bool skip_prefill = false;
    soc::PlacementPolicy placement;  // rules over the default placement (soc/placement.h)
    std::string draft, draft_quant;  // speculative decoding: the draft model ("" for none)
    int64_t spec_k = 4;
    double accept = 0.7;
};

// One decode step of the generation: simulated (`sample` indexes ModelReport::steps) or, between
// simulated contexts, interpolated linearly in the context.
struct DecodeStep {
    int64_t context = 0;
    double seconds = 0, energy_j = 0, dram_bytes = 0;
    int sample = -1;
};

// What a phone team asks of a model on an NPU: a prefill pass and a generation, simulated.
struct ModelReport {
    std::string model, architecture, preset, quant;
    std::string runtime_deployment;  // runtime.deployment of the preset: graph or op
    std::string placement;           // the placement rules given ("" for the default policy)
    int64_t parameters = 0, layers = 0, prefill_tokens = 0, decode_tokens = 0, chunk = 0;
    bool prefill_simulated = true;         // false with ModelRunOptions::skip_prefill
    PassResult prefill, last_step;         // the prefill pass; the decode step at the last context
    std::vector<int64_t> contexts;         // decode contexts simulated (all steps, or 9 samples)
    std::vector<PassResult> steps;         // the decode step simulated at each of `contexts`
    std::vector<DecodeStep> decode_steps;  // every step of the generation
    uint64_t kernels_lowered = 0;          // Halide lowerings the run needed (the rest were cache hits)
    double ttft_s = 0, prefill_tokens_per_s = 0;
    double decode_s = 0, decode_tokens_per_s = 0, decode_tokens_per_s_last = 0, roofline_tokens_per_s_last = 0;
    double decode_dram_bytes_per_token = 0;  // averaged over the generation
    double energy_j = 0, energy_per_token_j = 0, average_power_w = 0;
    // Prefill energy per prompt token; decode energy per generated token (energy_per_token_j divides
    // the whole run by both).
    double prefill_energy_per_token_j = 0, decode_energy_per_token_j = 0;
    double weight_bytes = 0, kv_cache_bytes = 0, activation_bytes = 0, footprint_bytes = 0, budget_bytes = 0;
    bool fits_memory = true;
    models::KvPages kv_pages;
    int64_t kv_block = 0, max_context = -1;  // -1: not asked
    std::string draft;                       // speculative decoding, if asked
    double spec_tokens_per_step = 0, spec_speedup = 0, spec_draft_step_s = 0, spec_verify_s = 0;
    std::vector<ColdStart> cold_start;  // full load, then mmap (none without a simulated prefill)
};

// Throws ModelError / UserError for bad options. `progress(what, done, total)` after each op.
ModelReport run_model(const models::ModelConfig& m, const models::QuantRecipe& q, const npu::NpuConfig& cfg,
                      const ModelRunOptions& opts,
                      const std::function<void(const std::string&, size_t, size_t)>& progress = {});

}  // namespace npusim::flow
