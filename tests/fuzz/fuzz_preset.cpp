// Any text given as an NPU preset: it loads, or it raises ConfigError (a UserError).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/errors.h"
#include "sim/config/npu_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const npu::NpuConfig cfg = npu::parse_preset(text, "fuzz.yaml");
        // A preset that loads has a printable parameter table.
        if (npu::params_text(cfg).empty()) __builtin_trap();
    } catch (const npu::UserError&) {
    }
    return 0;
}
