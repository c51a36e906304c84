#pragma once
// The on-chip memory levels a program can place buffers in.
#include <string>

namespace npu {

enum class SramLevel { L1 = 0, Acc = 1, Shared = 2 };
constexpr int kSramLevels = 3;

inline const char* sram_level_name(SramLevel l) {
    static const char* names[kSramLevels] = {"l1", "acc", "shared"};
    return names[static_cast<int>(l)];
}

// False for a name that is not a level.
inline bool parse_sram_level(const std::string& name, SramLevel* out) {
    for (int i = 0; i < kSramLevels; ++i)
        if (name == sram_level_name(static_cast<SramLevel>(i))) {
            *out = static_cast<SramLevel>(i);
            return true;
        }
    return false;
}

}  // namespace npu
