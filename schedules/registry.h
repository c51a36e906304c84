#pragma once
// The kernels each schedule family registers (registry.cpp lists them all).
#include <vector>

#include "schedules/kernel.h"

namespace npusim::schedules {

const std::vector<const Kernel*>& gemm_kernels();
const std::vector<const Kernel*>& row_kernels();
const Kernel& attention_kernel();
const Kernel& gemm_group_kernel();  // gemm_w8a8_group
const std::vector<const Kernel*>& kv_cache_kernels();

}  // namespace npusim::schedules
