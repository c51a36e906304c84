// Any text given as an npu::Program: it parses, and prints back to a text that parses to the same
// program, or it raises a ProgramError (a UserError).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/errors.h"
#include "sim/program.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const std::string printed = npu::to_text(npu::parse_program(text, "fuzz.npu"));
        if (npu::to_text(npu::parse_program(printed, "printed.npu")) != printed) __builtin_trap();
    } catch (const npu::UserError&) {
    }
    return 0;
}
