// Any bytes given as a safetensors file: every tensor it lists reads as floats, or it raises a
// UserError; nothing is read outside the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/errors.h"
#include "models/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto t = npusim::models::SafeTensors::from_bytes(bytes, "fuzz.safetensors");
        for (const std::string& name : t.names()) {
            try {
                t.floats(name);
            } catch (const npu::UserError&) {  // an integer dtype, a NaN: the next tensor may still read
            }
        }
    } catch (const npu::UserError&) {
    }
    return 0;
}
