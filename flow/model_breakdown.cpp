#include "flow/model_breakdown.h"

#include <cstdio>
#include <set>
#include <sstream>

#include "schedules/kernel.h"
#include "sim/report/json_text.h"

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

std::string num(double x) {
    std::ostringstream s;
    s.precision(9);
    s << x;
    return s.str();
}

// Trace times: microseconds to the nanosecond, whatever the run's length.
std::string object(const std::map<std::string, double>& m) {
    std::string s = "{";
    for (const auto& [k, v] : m)
        s += std::string(s.size() > 1 ? ", " : "") + npu::json_quote(k) + ": " + num(v);
    return s + "}";
}

std::string micros(double us) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", us);
    return b;
}

std::string ops_json(const PassResult& p) {
    std::string s = "[";
    for (const OpResult& o : p.ops) {
        std::map<std::string, std::string> shape;
        for (const auto& [k, v] : o.op.shape)
            shape[k] = std::to_string(v);
        s += std::string(s.size() > 1 ? ", " : "") + "{\"name\": " + npu::json_quote(o.op.name) +
             ", \"kernel\": " + npu::json_quote(o.op.kernel) + ", \"shape\": " + npu::json_quote(fields_text(shape)) +
             ", \"schedule\": " + npu::json_quote(o.schedule) + ", \"count\": " + std::to_string(o.op.count) +
             ", \"seconds\": " + num(o.seconds) + ", \"energy_j\": " + num(o.energy_j) +
             ", \"dram_bytes\": " + std::to_string(o.dram_bytes) + ", \"mac_ops\": " + std::to_string(o.mac_ops) +
             ", \"vector_ops\": " + std::to_string(o.vector_ops) + ", \"engine_busy_s\": " + object(o.engine_busy_s) +
             ", \"energy_j_by_component\": " + object(o.energy_j_by_component) + "}";
    }
    return s + "]";
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

std::string model_report_json(const ModelReport& r) {
    std::ostringstream o;
    auto field = [&](const char* k, const std::string& v) {
        o << (o.tellp() > 1 ? ", " : "") << '"' << k << "\": " << v;
    };
    o << "{";
    field("model", npu::json_quote(r.model));
    field("architecture", npu::json_quote(r.architecture));
    field("preset", npu::json_quote(r.preset));
    field("quant", npu::json_quote(r.quant));
    field("parameters", std::to_string(r.parameters));
    field("prefill_tokens", std::to_string(r.prefill_tokens));
    field("decode_tokens", std::to_string(r.decode_tokens));
    field("chunk", std::to_string(r.chunk));
    field("prefill_simulated", r.prefill_simulated ? "true" : "false");
    field("ttft_s", num(r.ttft_s));
    field("prefill_tokens_per_s", num(r.prefill_tokens_per_s));
    field("decode_tokens_per_s", num(r.decode_tokens_per_s));
    field("decode_tokens_per_s_last", num(r.decode_tokens_per_s_last));
    field("decode_roofline_tokens_per_s_last", num(r.roofline_tokens_per_s_last));
    field("decode_dram_bytes_per_token", num(r.decode_dram_bytes_per_token));
    field("energy_j", num(r.energy_j));
    field("energy_per_token_j", num(r.energy_per_token_j));
    field("prefill_energy_per_token_j", num(r.prefill_energy_per_token_j));
    field("decode_energy_per_token_j", num(r.decode_energy_per_token_j));
    field("runtime_deployment", npu::json_quote(r.runtime_deployment));
    field("prefill_runtime_s", num(r.prefill.runtime_s));
    field("prefill_graphs", std::to_string(r.prefill.graphs));
    field("decode_runtime_s_last", num(r.last_step.runtime_s));
    field("decode_graphs_last", std::to_string(r.last_step.graphs));
    field("prefill_overlap_s", num(r.prefill.overlap_s));
    field("decode_overlap_s_last", num(r.last_step.overlap_s));
    field("average_power_w", num(r.average_power_w));
    field("weight_bytes", num(r.weight_bytes));
    field("kv_cache_bytes", num(r.kv_cache_bytes));
    field("activation_bytes", num(r.activation_bytes));
    field("footprint_bytes", num(r.footprint_bytes));
    field("memory_budget_bytes", num(r.budget_bytes));
    field("fits_memory", r.fits_memory ? "true" : "false");
    field("kv_blocks", std::to_string(r.kv_pages.blocks));
    field("kv_fragmentation", num(r.kv_pages.fragmentation()));
    field("max_context", std::to_string(r.max_context));
    field("speculative_tokens_per_step", num(r.spec_tokens_per_step));
    field("speculative_speedup", num(r.spec_speedup));
    field("kernels_lowered", std::to_string(r.kernels_lowered));
    std::string steps = "[";
    for (size_t i = 0; i < r.steps.size(); ++i)
        steps += std::string(i ? ", " : "") + "{\"context\": " + std::to_string(r.contexts[i]) +
                 ", \"seconds\": " + num(r.steps[i].seconds) + ", \"energy_j\": " + num(r.steps[i].energy_j) +
                 ", \"dram_bytes\": " + std::to_string(r.steps[i].dram_bytes) + "}";
    field("decode_steps_simulated", steps + "]");
    std::string layers = "[";
    for (const LayerCost& l : layer_costs(r))
        layers += std::string(layers.size() > 1 ? ", " : "") + "{\"name\": " + npu::json_quote(l.name) +
                  ", \"prefill_s\": " + num(l.prefill_s) + ", \"prefill_energy_j\": " + num(l.prefill_j) +
                  ", \"decode_s\": " + num(l.decode_s) + ", \"decode_energy_j\": " + num(l.decode_j) +
                  ", \"dram_bytes\": " + num(l.dram_bytes) + "}";
    field("layers", layers + "]");
    field("prefill_ops", ops_json(r.prefill));
    field("decode_ops_last_step", ops_json(r.last_step));
    o << "}";
    return o.str();
}

namespace {

class TraceWriter {
public:
    std::string events;
    double now_us = 0;

    void slice(int row, const std::string& name, double start_us, double dur_us, const std::string& args) {
        events += std::string(events.empty() ? "" : ",\n") +
                  "{\"ph\": \"X\", \"pid\": 1, \"tid\": " + std::to_string(row) +
                  ", \"name\": " + npu::json_quote(name) + ", \"ts\": " + micros(start_us) +
                  ", \"dur\": " + micros(dur_us) + ", \"args\": {" + args + "}}";
    }
    // A pass's ops in run order, each layer's ops once per layer.
    void pass(const PassResult& p, int64_t n_layers) {
        // A layer's slice spans its ops: closed when the next run is in another layer, or none.
        int64_t layer = -1;
        double layer_start = 0;
        auto close_layer = [&] {
            if (layer >= 0) slice(2, "layer " + std::to_string(layer), layer_start, now_us - layer_start, "");
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
            slice(3, "runtime", now_us, p.runtime_s * 1e6, "\"graphs\": " + std::to_string(p.graphs));
            now_us += p.runtime_s * 1e6;
        }
    }

private:
    // An op's slice starts when the op before it ends: the part of it that ran under that op (its
    // fill, in a graph) is left out of its duration.
    void op(const OpResult& o, double times, double hidden) {
        std::map<std::string, std::string> shape;
        for (const auto& [k, v] : o.op.shape)
            shape[k] = std::to_string(v);
        const double dur = (o.seconds * times - hidden) * 1e6;
        slice(3, o.op.name, now_us, dur,
              "\"kernel\": " + npu::json_quote(o.op.kernel) + ", \"shape\": " + npu::json_quote(fields_text(shape)) +
                  ", \"energy_j\": " + num(o.energy_j * times) +
                  ", \"dram_bytes\": " + num(static_cast<double>(o.dram_bytes) * times) +
                  ", \"hidden_under_previous_us\": " + num(hidden * 1e6));
        now_us += dur;
    }
};

}  // namespace

std::string model_trace_json(const ModelReport& r) {
    TraceWriter w;
    w.pass(r.prefill, r.layers);
    w.slice(1, "prefill " + std::to_string(r.prefill_tokens) + " tokens", 0, w.now_us, "\"simulated\": true");
    for (const DecodeStep& s : r.decode_steps) {
        const double start = w.now_us;
        if (s.sample >= 0) w.pass(r.steps[static_cast<size_t>(s.sample)], r.layers);
        w.now_us = start + s.seconds * 1e6;
        w.slice(1, "decode at context " + std::to_string(s.context), start, s.seconds * 1e6,
                std::string("\"simulated\": ") + (s.sample >= 0 ? "true" : "false"));
    }
    std::string meta = "{\"ph\": \"M\", \"pid\": 1, \"name\": \"process_name\", \"args\": {\"name\": " +
                       npu::json_quote(r.model + " " + r.quant + " on " + r.preset) + "}}";
    const char* rows[] = {"", "pass / step", "layer", "op"};
    for (int t = 1; t <= 3; ++t)
        meta += ",\n{\"ph\": \"M\", \"pid\": 1, \"tid\": " + std::to_string(t) +
                ", \"name\": \"thread_name\", \"args\": {\"name\": \"" + rows[t] + "\"}}";
    return "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n" + meta + ",\n" + w.events + "\n]}\n";
}

}  // namespace npusim::flow
