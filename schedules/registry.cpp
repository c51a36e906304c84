#include "schedules/registry.h"

#include <mutex>

#include "base/errors.h"

namespace npusim::schedules {

namespace {

const std::vector<const Kernel*>& builtin_kernels() {
    static const std::vector<const Kernel*> all = [] {
        std::vector<const Kernel*> v = gemm_kernels();
        v.push_back(&gemm_group_kernel());
        v.push_back(&attention_kernel());
        for (const Kernel* k : kv_cache_kernels())
            v.push_back(k);
        for (const Kernel* k : row_kernels())
            v.push_back(k);
        return v;
    }();
    return all;
}

struct Added {
    std::mutex lock;
    std::vector<const Kernel*> current;                // by order of first addition
    std::vector<std::unique_ptr<const Kernel>> owned;  // every kernel ever added
};

Added& added() {
    static Added* a = new Added;  // never destroyed: kernels defined in Python outlive the interpreter's teardown
    return *a;
}

}  // namespace

std::vector<const Kernel*> all_kernels() {
    std::vector<const Kernel*> v = builtin_kernels();
    Added& a = added();
    std::lock_guard<std::mutex> lock(a.lock);
    v.insert(v.end(), a.current.begin(), a.current.end());
    return v;
}

void add_kernel(std::unique_ptr<const Kernel> k) {
    for (const Kernel* b : builtin_kernels())
        if (b->name() == k->name())
            throw npu::ScheduleError("kernel name '" + k->name() + "' is taken by a built-in kernel; choose another");
    Added& a = added();
    std::lock_guard<std::mutex> lock(a.lock);
    const Kernel* fresh = k.get();
    a.owned.push_back(std::move(k));
    for (const Kernel*& c : a.current)
        if (c->name() == fresh->name()) {
            c = fresh;
            return;
        }
    a.current.push_back(fresh);
}

}  // namespace npusim::schedules
