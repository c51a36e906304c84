#include "schedules/registry.h"

namespace npusim::schedules {

const std::vector<const Kernel*>& all_kernels() {
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

}  // namespace npusim::schedules
