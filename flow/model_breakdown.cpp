#include "flow/model_breakdown.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "schedules/kernel.h"

using namespace npusim::schedules;

namespace npusim::flow {

namespace {

void add_pass(std::vector<LayerCost>& rows, const PassResult& p, int64_t n_layers, bool decode) {
    // Each run of an op is charged its time less what ran under the op before it (in a graph).
    walk_runs(p, n_layers, [&](const OpResult& o, double times, int64_t layer, double hidden) {
        LayerCost& row = layer >= 0                             ? rows[static_cast<size_t>(layer + 1)]
                         : o.op.name.rfind("embedding", 0) == 0 ? rows.front()
                                                                : rows.back();
        (decode ? row.decode_s : row.prefill_s) += o.seconds * times - hidden;
        (decode ? row.decode_j : row.prefill_j) += o.energy_j * times;
        row.dram_bytes += static_cast<double>(o.dram_bytes) * times;
    });
}

using nlohmann::ordered_json;

// Trace times: microseconds to the nanosecond, whatever the run's length.
double micros(double us) {
    return std::round(us * 1000) / 1000;
}

std::string shape_text(const models::Op& op) {
    std::map<std::string, std::string> shape;
    for (const auto& [k, v] : op.shape)
        shape[k] = std::to_string(v);
    return fields_text(shape);
}

ordered_json ops_json(const PassResult& p) {
    ordered_json ops = ordered_json::array();
    for (const OpResult& o : p.ops)
        ops.push_back({{"name", o.op.name},
                       {"kernel", o.op.kernel},
                       {"shape", shape_text(o.op)},
                       {"schedule", o.schedule},
                       {"device", o.device},
                       {"placed", o.placed_why},
                       {"count", o.op.count},
                       {"seconds", o.seconds},
                       {"energy_j", o.energy_j},
                       {"dram_bytes", o.dram_bytes},
                       {"mac_ops", o.mac_ops},
                       {"vector_ops", o.vector_ops},
                       {"engine_busy_s", o.engine_busy_s},
                       {"energy_j_by_component", o.energy_j_by_component}});
    return ops;
}

// Each device's busy time in a pass, and the tensors handed between devices.
ordered_json devices_json(const PassResult& p) {
    return {{"busy_s", p.device_busy_s},
            {"handoffs", p.handoffs},
            {"handoff_bytes", p.handoff_bytes},
            {"handoff_s", p.handoff_s},
            {"seconds", p.seconds}};
}

}  // namespace

std::vector<LayerCost> layer_costs(const ModelReport& r) {
    std::vector<LayerCost> rows;
    rows.push_back({"embedding"});
    for (int64_t l = 0; l < r.layers; ++l)
        rows.push_back({"layer " + std::to_string(l)});
    rows.push_back({"head"});
    add_pass(rows, r.prefill, r.layers, false);
    add_pass(rows, r.last_step, r.layers, true);
    if (rows.back().prefill_s == 0 && rows.back().decode_s == 0) rows.pop_back();  // an encoder has no head
    // The vendor runtime's cost (graph executions, op dispatch) is its own line.
    if (r.prefill.runtime_s > 0 || r.last_step.runtime_s > 0) {
        LayerCost rt{"runtime"};
        rt.prefill_s = r.prefill.runtime_s;
        rt.decode_s = r.last_step.runtime_s;
        rows.push_back(rt);
    }
    return rows;
}

ordered_json cold_start_json(const ColdStart& c) {
    return {{"load", soc::load_path_name(c.path)},
            {"file_bytes", c.file_bytes},
            {"touched_bytes", c.touched_bytes},
            {"bytes_read", c.load.bytes_read},
            {"faults", c.load.faults},
            {"load_s", c.load.seconds},
            {"prepare_s", c.prepare_s},
            {"ttft_s", c.ttft_s},
            {"peak_resident_bytes", c.peak_resident_bytes}};
}

ordered_json sustained_json(const SustainedRun& s) {
    ordered_json points = ordered_json::array();
    for (const SustainedPoint& p : s.points)
        points.push_back({{"t_s", p.t_s},
                          {"temperature_c", p.temperature_c},
                          {"clock_fraction", p.clock_fraction},
                          {"tokens_per_s", p.tokens_per_s},
                          {"power_w", p.power_w}});
    return {{"seconds", s.seconds},
            {"burst_tokens_per_s", s.burst_tokens_per_s},
            {"sustained_tokens_per_s", s.sustained_tokens_per_s},
            {"throttled_after_s", s.throttled_after_s < 0 ? ordered_json() : ordered_json(s.throttled_after_s)},
            {"peak_temperature_c", s.peak_temperature_c},
            {"tokens", s.tokens},
            {"points", std::move(points)}};
}

std::string model_report_json(const ModelReport& r, const SustainedRun* sustained) {
    ordered_json steps = ordered_json::array();
    for (size_t i = 0; i < r.steps.size(); ++i)
        steps.push_back({{"context", r.contexts[i]},
                         {"seconds", r.steps[i].seconds},
                         {"energy_j", r.steps[i].energy_j},
                         {"dram_bytes", r.steps[i].dram_bytes}});
    ordered_json layers = ordered_json::array();
    for (const LayerCost& l : layer_costs(r))
        layers.push_back({{"name", l.name},
                          {"prefill_s", l.prefill_s},
                          {"prefill_energy_j", l.prefill_j},
                          {"decode_s", l.decode_s},
                          {"decode_energy_j", l.decode_j},
                          {"dram_bytes", l.dram_bytes}});
    ordered_json j = {{"model", r.model},
                      {"architecture", r.architecture},
                      {"preset", r.preset},
                      {"quant", r.quant},
                      {"parameters", r.parameters},
                      {"prefill_tokens", r.prefill_tokens},
                      {"decode_tokens", r.decode_tokens},
                      {"chunk", r.chunk},
                      {"prefill_simulated", r.prefill_simulated},
                      {"ttft_s", r.ttft_s},
                      {"prefill_tokens_per_s", r.prefill_tokens_per_s},
                      {"decode_tokens_per_s", r.decode_tokens_per_s},
                      {"decode_tokens_per_s_last", r.decode_tokens_per_s_last},
                      {"decode_roofline_tokens_per_s_last", r.roofline_tokens_per_s_last},
                      {"decode_dram_bytes_per_token", r.decode_dram_bytes_per_token},
                      {"energy_j", r.energy_j},
                      {"energy_per_token_j", r.energy_per_token_j},
                      {"prefill_energy_per_token_j", r.prefill_energy_per_token_j},
                      {"decode_energy_per_token_j", r.decode_energy_per_token_j},
                      {"runtime_deployment", r.runtime_deployment},
                      {"prefill_runtime_s", r.prefill.runtime_s},
                      {"prefill_graphs", r.prefill.graphs},
                      {"decode_runtime_s_last", r.last_step.runtime_s},
                      {"decode_graphs_last", r.last_step.graphs},
                      {"prefill_overlap_s", r.prefill.overlap_s},
                      {"placement", r.placement},
                      {"prefill_devices", devices_json(r.prefill)},
                      {"decode_devices_last", devices_json(r.last_step)},
                      {"decode_overlap_s_last", r.last_step.overlap_s},
                      {"average_power_w", r.average_power_w},
                      {"weight_bytes", r.weight_bytes},
                      {"kv_cache_bytes", r.kv_cache_bytes},
                      {"activation_bytes", r.activation_bytes},
                      {"footprint_bytes", r.footprint_bytes},
                      {"memory_budget_bytes", r.budget_bytes},
                      {"fits_memory", r.fits_memory},
                      {"kv_blocks", r.kv_pages.blocks},
                      {"kv_fragmentation", r.kv_pages.fragmentation()},
                      {"max_context", r.max_context},
                      {"speculative_tokens_per_step", r.spec_tokens_per_step},
                      {"speculative_speedup", r.spec_speedup},
                      {"kernels_lowered", r.kernels_lowered},
                      {"decode_steps_simulated", std::move(steps)},
                      {"layers", std::move(layers)},
                      {"prefill_ops", ops_json(r.prefill)},
                      {"decode_ops_last_step", ops_json(r.last_step)}};
    ordered_json cold = ordered_json::array();
    for (const ColdStart& c : r.cold_start)
        cold.push_back(cold_start_json(c));
    j["cold_start"] = std::move(cold);
    j["sustained"] = sustained ? sustained_json(*sustained) : ordered_json();
    return j.dump();
}

namespace {

class TraceWriter {
public:
    ordered_json events = ordered_json::array();
    double now_us = 0;

    void slice(int row, const std::string& name, double start_us, double dur_us, ordered_json args) {
        events.push_back({{"ph", "X"},
                          {"pid", 1},
                          {"tid", row},
                          {"name", name},
                          {"ts", micros(start_us)},
                          {"dur", micros(dur_us)},
                          {"args", args.is_null() ? ordered_json::object() : std::move(args)}});
    }
    // A pass's ops in run order, each layer's ops once per layer; a pass on both devices as it was
    // scheduled, a row per device and one for the hand-offs.
    void pass(const PassResult& p, int64_t n_layers) {
        if (!p.runs.empty()) {
            for (const RunSlot& s : p.runs) {
                const OpResult& o = p.ops[s.op];
                slice(s.device == "npu" ? 3 : 4, o.op.name, now_us + s.start_s * 1e6, s.seconds * 1e6,
                      {{"kernel", o.op.kernel},
                       {"shape", shape_text(o.op)},
                       {"layer", s.layer},
                       {"device", s.device},
                       {"placed", o.placed_why}});
            }
            for (const soc::Handoff& h : p.handoff_list)
                slice(5, "hand-off", now_us + h.start_s * 1e6, h.seconds * 1e6,
                      {{"from", p.ops[p.runs[h.from].op].op.name},
                       {"to", p.ops[p.runs[h.to].op].op.name},
                       {"bytes", h.bytes}});
            now_us += p.seconds * 1e6;
            return;
        }
        // A layer's slice spans its ops: closed when the next run is in another layer, or none.
        int64_t layer = -1;
        double layer_start = 0;
        auto close_layer = [&] {
            if (layer >= 0) slice(2, "layer " + std::to_string(layer), layer_start, now_us - layer_start, {});
        };
        walk_runs(p, n_layers, [&](const OpResult& o, double times, int64_t l, double hidden) {
            if (l != layer) {
                close_layer();
                layer = l;
                layer_start = now_us;
            }
            op(o, times, hidden);
        });
        close_layer();
        // The vendor runtime's time, shown after the NPU's (it is spread over the graphs).
        if (p.runtime_s > 0) {
            slice(3, "runtime", now_us, p.runtime_s * 1e6, {{"graphs", p.graphs}});
            now_us += p.runtime_s * 1e6;
        }
    }

private:
    // An op's slice starts when the op before it ends: the part of it that ran under that op (its
    // fill, in a graph) is left out of its duration.
    void op(const OpResult& o, double times, double hidden) {
        const double dur = (o.seconds * times - hidden) * 1e6;
        slice(3, o.op.name, now_us, dur,
              {{"kernel", o.op.kernel},
               {"shape", shape_text(o.op)},
               {"energy_j", o.energy_j * times},
               {"dram_bytes", static_cast<double>(o.dram_bytes) * times},
               {"hidden_under_previous_us", hidden * 1e6}});
        now_us += dur;
    }
};

}  // namespace

std::string model_trace_json(const ModelReport& r) {
    TraceWriter w;
    w.pass(r.prefill, r.layers);
    w.slice(1, "prefill " + std::to_string(r.prefill_tokens) + " tokens", 0, w.now_us, {{"simulated", true}});
    for (const DecodeStep& s : r.decode_steps) {
        const double start = w.now_us;
        if (s.sample >= 0) w.pass(r.steps[static_cast<size_t>(s.sample)], r.layers);
        w.now_us = start + s.seconds * 1e6;
        w.slice(1, "decode at context " + std::to_string(s.context), start, s.seconds * 1e6,
                {{"simulated", s.sample >= 0}});
    }
    ordered_json events = ordered_json::array();
    events.push_back({{"ph", "M"},
                      {"pid", 1},
                      {"name", "process_name"},
                      {"args", {{"name", r.model + " " + r.quant + " on " + r.preset}}}});
    const char* rows[] = {"", "pass / step", "layer", "op (npu)", "op (cpu)", "hand-off"};
    for (int t = 1; t <= 5; ++t)
        events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", t}, {"name", "thread_name"}, {"args", {{"name", rows[t]}}}});
    for (auto& e : w.events)
        events.push_back(std::move(e));
    const ordered_json trace = {{"displayTimeUnit", "ms"}, {"traceEvents", std::move(events)}};
    return trace.dump() + "\n";
}

}  // namespace npusim::flow
