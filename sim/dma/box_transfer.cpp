#include "sim/dma/box_transfer.h"

#include <cstddef>

namespace npu {

namespace {
uint64_t bursts(uint64_t addr, uint64_t bytes, uint64_t burst) {
    return (addr + bytes + burst - 1) / burst - addr / burst;
}
}  // namespace

namespace {
// The first dimension that is not merged into one contiguous row, and the row's bytes.
std::size_t merge_rows(const std::vector<BoxExtent>& dims, int64_t elem_bytes, uint64_t* row_bytes) {
    std::size_t first_outer = 0;
    *row_bytes = static_cast<uint64_t>(elem_bytes);
    while (first_outer < dims.size() && dims[first_outer].stride == static_cast<int64_t>(*row_bytes)) {
        *row_bytes *= static_cast<uint64_t>(dims[first_outer].extent);
        ++first_outer;
    }
    return first_outer;
}
}  // namespace

uint64_t rows_to_price(const std::vector<BoxExtent>& dims, int64_t elem_bytes, int64_t burst_bytes) {
    uint64_t row_bytes = 0;
    const std::size_t first_outer = merge_rows(dims, elem_bytes, &row_bytes);
    uint64_t rows = 1;
    bool uniform = true;
    for (std::size_t d = first_outer; d < dims.size(); ++d) {
        rows *= static_cast<uint64_t>(dims[d].extent);  // the controller bounds elements by 2^40
        if (dims[d].stride % burst_bytes != 0) uniform = false;
    }
    return uniform ? 0 : rows;
}

BoxCost box_cost(uint64_t address, const std::vector<BoxExtent>& dims, int64_t elem_bytes, int64_t burst_bytes) {
    BoxCost c;
    for (const auto& d : dims)
        if (d.extent <= 0) return c;  // an empty box moves nothing
    // Merge the innermost dimensions into one contiguous row while strides allow.
    uint64_t row_bytes = 0;
    const std::size_t first_outer = merge_rows(dims, elem_bytes, &row_bytes);
    std::vector<BoxExtent> outer(dims.begin() + static_cast<long>(first_outer), dims.end());
    uint64_t rows = 1;
    for (const auto& d : outer)
        rows *= static_cast<uint64_t>(d.extent);
    c.rows = rows;
    c.bytes = rows * row_bytes;
    uint64_t burst = static_cast<uint64_t>(burst_bytes);
    // Rows whose strides are all multiples of the burst share one alignment: price one, multiply.
    bool uniform = true;
    for (const auto& d : outer)
        if (d.stride % burst_bytes != 0) uniform = false;
    if (uniform) {
        c.bus_bytes = rows * bursts(address, row_bytes, burst) * burst;
        return c;
    }
    std::vector<int64_t> idx(outer.size(), 0);
    for (uint64_t r = 0; r < rows; ++r) {
        int64_t off = 0;
        for (std::size_t d = 0; d < outer.size(); ++d)
            off += idx[d] * outer[d].stride;
        c.bus_bytes += bursts(address + static_cast<uint64_t>(off), row_bytes, burst) * burst;
        for (std::size_t d = 0; d < outer.size(); ++d) {
            if (++idx[d] < outer[d].extent) break;
            idx[d] = 0;
        }
    }
    return c;
}

}  // namespace npu
