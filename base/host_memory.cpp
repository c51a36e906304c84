#include "base/host_memory.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/errors.h"

namespace npu {

namespace {

uint64_t meminfo_available() {
    std::ifstream in("/proc/meminfo");
    std::string key, unit;
    uint64_t kib = 0;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemAvailable:") return kib * 1024;
    }
    return 0;
}

// cgroup v2: memory.max ("max" or bytes) less memory.current.
uint64_t cgroup_available() {
    std::ifstream max_in("/sys/fs/cgroup/memory.max"), cur_in("/sys/fs/cgroup/memory.current");
    std::string max_text;
    uint64_t current = 0, max = 0;
    if (!(max_in >> max_text) || max_text == "max" || !(cur_in >> current)) return 0;
    std::istringstream(max_text) >> max;
    return max > current ? max - current : 1;
}

std::string gib(uint64_t bytes) {
    char s[32];
    std::snprintf(s, sizeof s, "%.1f", static_cast<double>(bytes) / (1ull << 30));
    return s;
}

}  // namespace

uint64_t available_host_bytes() {
    const uint64_t mem = meminfo_available(), group = cgroup_available();
    if (mem && group) return mem < group ? mem : group;
    return mem ? mem : group;
}

void check_host_memory(uint64_t need_bytes, const std::string& what) {
    const uint64_t have = available_host_bytes();
    if (have && need_bytes > have)
        throw UserError(what + " needs about " + gib(need_bytes) + " GiB of host memory, more than the " + gib(have) +
                        " GiB available");
}

}  // namespace npu
