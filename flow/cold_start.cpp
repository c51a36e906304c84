#include "flow/cold_start.h"

#include <algorithm>

namespace npusim::flow {

ColdStart cold_start(const models::ModelConfig& m, const models::QuantRecipe& q, const npu::NpuConfig& cfg,
                     soc::LoadPath path, int64_t prompt_tokens, double warm_ttft_s, double kv_and_activation_bytes) {
    const soc::StorageParams storage = soc::StorageParams::from(cfg);
    ColdStart c;
    c.path = path;
    c.file_bytes = static_cast<double>(models::weight_bytes(m, q));
    // An untied embedding table (fp16, models/workload.cpp) is read a row per prompt token; a tied
    // one is also the lm_head, which reads it whole.
    const bool gathered = !(m.decoder && m.tied_embeddings);
    const double row_bytes = static_cast<double>(m.hidden) * 2;
    const double table_bytes = gathered ? static_cast<double>(m.vocab) * row_bytes : 0;
    const int64_t rows = gathered ? std::min(prompt_tokens, m.vocab) : 0;  // distinct tokens, at most
    const double rest = c.file_bytes - table_bytes;
    c.prepare_s = cfg.runtime_prepare_s;
    if (path == soc::LoadPath::Full) {
        c.touched_bytes = c.file_bytes;
        c.load = soc::full_load(storage, c.file_bytes);
    } else {
        c.touched_bytes = rest + static_cast<double>(rows) * row_bytes;
        const soc::LoadCost dense = soc::mmap_load(storage, rest, 1);
        const soc::LoadCost gather = soc::mmap_load(storage, static_cast<double>(rows) * row_bytes, rows);
        c.load = {dense.bytes_read + gather.bytes_read, dense.faults + gather.faults, dense.seconds + gather.seconds};
        // Readahead reads whole chunks; never more than the file holds.
        c.load.bytes_read = std::min(c.load.bytes_read, c.file_bytes);
    }
    c.ttft_s = c.load.seconds + c.prepare_s + warm_ttft_s;
    c.peak_resident_bytes = c.load.bytes_read + kv_and_activation_bytes;  // what was read stays resident
    return c;
}

}  // namespace npusim::flow
