// Any text given as a model's config.json: it loads and its prefill and decode op lists and
// memory footprints can be derived without overflow, or it raises a UserError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/errors.h"
#include "models/model_config.h"
#include "models/workload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto m = npusim::models::parse_model(text, "fuzz.json", "fuzz");
        const auto q = npusim::models::QuantRecipe::parse("w4a16");
        npusim::models::weight_bytes(m, q);
        npusim::models::kv_bytes_per_token(m, q);
        npusim::models::prefill_ops(m, q, 16, 8);
        m.parameter_count();
        if (m.decoder) npusim::models::decode_ops(m, q, 17);
    } catch (const npu::UserError&) {
    }
    return 0;
}
