#pragma once
// The kernels each schedule family registers (registry.cpp lists them all).
#include <vector>

#include "schedules/kernel.h"

namespace npusim::schedules {

const Kernel& gemm_w8a8_kernel();
const std::vector<const Kernel*>& row_kernels();

}  // namespace npusim::schedules
