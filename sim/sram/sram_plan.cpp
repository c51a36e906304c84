#include "sim/sram/sram_plan.h"

#include <algorithm>
#include <vector>

#include "base/errors.h"
#include "sim/sram/sram_level.h"

namespace npu {

SramPlan plan_sram(const Program& p, const NpuConfig& cfg) {
    struct Level {
        SramLevel level;
        const char* key;
        int64_t capacity;  // 0: the preset has no such level
    };
    const Level levels[kSramLevels] = {{SramLevel::L1, "sram.l1_bytes", cfg.sram_l1_bytes},
                                       {SramLevel::Acc, "sram.acc_bytes", cfg.sram_acc_bytes},
                                       {SramLevel::Shared, "sram.shared_bytes", cfg.sram_shared_bytes}};
    SramPlan plan;
    for (const Level& lvl : levels)
        if (lvl.capacity > 0) plan.bytes_by_level[sram_level_name(lvl.level)] = 0;
    for (const SramBuffer& s : p.sram) {
        SramLevel known;
        if (!parse_sram_level(s.level, &known)) continue;  // prepare_program names the bad level
        auto it = plan.bytes_by_level.find(s.level);
        if (it == plan.bytes_by_level.end())
            throw ScheduleError("program '" + p.name + "': Func " + s.name + " is placed in the " + s.level +
                                " SRAM level, which preset '" + cfg.name + "' does not have (sram." + s.level +
                                "_bytes = 0)");
        it->second += static_cast<uint64_t>(s.bytes);
        plan.total += static_cast<uint64_t>(s.bytes);
    }
    for (const Level& lvl : levels) {
        const char* name = sram_level_name(lvl.level);
        auto it = plan.bytes_by_level.find(name);
        if (it == plan.bytes_by_level.end() || it->second <= static_cast<uint64_t>(lvl.capacity)) continue;
        std::vector<const SramBuffer*> bufs;
        for (const SramBuffer& s : p.sram)
            if (s.level == name) bufs.push_back(&s);
        std::sort(bufs.begin(), bufs.end(), [](auto* a, auto* b) { return a->bytes > b->bytes; });
        std::string list;
        for (const SramBuffer* s : bufs)
            list += (list.empty() ? "" : ", ") + std::string("Func ") + s->name + " " + std::to_string(s->bytes) + " B";
        throw SramOverflow("program '" + p.name + "': SRAM level '" + name + "' overflows: the schedule needs " +
                               std::to_string(it->second) + " B but preset '" + cfg.name + "' has " +
                               std::to_string(lvl.capacity) + " B (" + lvl.key + "). Buffers: " + list + ".",
                           "Use smaller tiles or no double buffering.");
    }
    return plan;
}

}  // namespace npu
