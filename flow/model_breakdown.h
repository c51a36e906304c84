#pragma once
// Views of a ModelReport: the cost per layer, the JSON report, and a Chrome trace of the run.
#include <string>
#include <vector>

#include "flow/model_run.h"
#include "flow/sustained_run.h"

namespace npusim::flow {

// One row of the per-layer table: "embedding", "layer N" or "head" (final norm and lm_head).
struct LayerCost {
    std::string name;
    double prefill_s = 0, prefill_j = 0;
    double decode_s = 0, decode_j = 0;  // one decode step at the last context
    double dram_bytes = 0;              // prefill plus that decode step
};
std::vector<LayerCost> layer_costs(const ModelReport& r);

// Everything in the report as one JSON object (the CLI's --json, the Python API's dict), with a
// sustained run of its decode if one was made.
std::string model_report_json(const ModelReport& r, const SustainedRun* sustained = nullptr);

// A Chrome trace (chrome://tracing, Perfetto) of the run: prefill then every decode step, on rows
// for the pass or step, the layer, and the ops (a pass on both devices: the NPU's ops, the CPU's and
// the hand-offs between them, as scheduled); times in microseconds. Decode steps between simulated contexts
// carry their interpolated time and no op detail ("simulated": false).
std::string model_trace_json(const ModelReport& r);

}  // namespace npusim::flow
