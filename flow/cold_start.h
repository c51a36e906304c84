#pragma once
// A model's first token from a cold start: the weights come from storage (soc/storage.h) and the
// vendor runtime prepares its graphs (runtime.prepare_s) before the warm time to first token.
//   full load: every weight byte is read sequentially before the first pass; the weights are the
//     process's own memory.
//   mmap: the first pass faults in what it touches (every layer's weights, the lm_head, and of an
//     untied embedding table only the rows of the prompt's tokens), a fault at a time, each
//     reading its page and the readahead; untouched pages are never read nor resident.
#include <cstdint>

#include "models/model_config.h"
#include "models/workload.h"
#include "sim/config/npu_config.h"
#include "soc/storage.h"

namespace npusim::flow {

struct ColdStart {
    soc::LoadPath path = soc::LoadPath::Full;
    double file_bytes = 0;           // the weights file
    double touched_bytes = 0;        // what the first pass touches
    soc::LoadCost load;              // storage reads, faults and the time they take
    double prepare_s = 0;            // the runtime preparing its graphs
    double ttft_s = 0;               // load + prepare + the warm time to first token
    double peak_resident_bytes = 0;  // weights held in memory (all, or the touched pages), cache, activations
};

// `warm_ttft_s` and `kv_and_activation_bytes` come from the warm run of the same model and prompt.
ColdStart cold_start(const models::ModelConfig& m, const models::QuantRecipe& q, const npu::NpuConfig& cfg,
                     soc::LoadPath path, int64_t prompt_tokens, double warm_ttft_s, double kv_and_activation_bytes);

}  // namespace npusim::flow
