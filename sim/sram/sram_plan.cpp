#include "sim/sram/sram_plan.h"

#include <algorithm>
#include <vector>

#include "sim/errors.h"

namespace npu {

SramPlan plan_sram(const Program& p, const NpuConfig& cfg) {
    SramPlan plan;
    plan.bytes_by_level["l1"] = 0;
    plan.bytes_by_level["acc"] = 0;
    if (cfg.sram_shared_bytes > 0) plan.bytes_by_level["shared"] = 0;
    for (const SramBuffer& s : p.sram) {
        if (s.level == "shared" && cfg.sram_shared_bytes == 0)
            throw ScheduleError("program '" + p.name + "': Func " + s.name +
                                " is placed in the shared SRAM level, "
                                "which preset '" +
                                cfg.name + "' does not have (sram.shared_bytes = 0)");
        plan.bytes_by_level[s.level] += static_cast<uint64_t>(s.bytes);
        plan.total += static_cast<uint64_t>(s.bytes);
    }
    struct Level {
        const char* name;
        const char* key;
        int64_t capacity;
    };
    for (const Level& lvl :
         {Level{"l1", "sram.l1_bytes", cfg.sram_l1_bytes}, Level{"acc", "sram.acc_bytes", cfg.sram_acc_bytes},
          Level{"shared", "sram.shared_bytes", cfg.sram_shared_bytes}}) {
        auto it = plan.bytes_by_level.find(lvl.name);
        if (it == plan.bytes_by_level.end()) continue;
        const uint64_t need = it->second;
        if (need <= static_cast<uint64_t>(lvl.capacity)) continue;
        std::vector<const SramBuffer*> bufs;
        for (const SramBuffer& s : p.sram)
            if (s.level == lvl.name) bufs.push_back(&s);
        std::sort(bufs.begin(), bufs.end(), [](auto* a, auto* b) { return a->bytes > b->bytes; });
        std::string list;
        for (const SramBuffer* s : bufs)
            list += (list.empty() ? "" : ", ") + std::string("Func ") + s->name + " " + std::to_string(s->bytes) + " B";
        throw ScheduleError("program '" + p.name + "': SRAM level '" + lvl.name + "' overflows: the schedule needs " +
                            std::to_string(need) + " B but preset '" + cfg.name + "' has " +
                            std::to_string(lvl.capacity) + " B (" + lvl.key + "). Buffers: " + list +
                            ". Use smaller tiles or no double buffering.");
    }
    return plan;
}

}  // namespace npu
