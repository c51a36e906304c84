#pragma once
// What a strided box costs on a burst-based DRAM bus. Rows (maximal contiguous runs) are found
// by merging dimensions whose stride equals the bytes of everything inside them; each row is
// charged the whole bursts it touches, so a row that starts off a burst boundary or is not a
// whole number of bursts pays for the extra bursts.
#include <cstdint>
#include <vector>

namespace npu {

struct BoxExtent {
    int64_t extent;
    int64_t stride;  // bytes
};

struct BoxCost {
    uint64_t bytes = 0;      // bytes the box holds
    uint64_t bus_bytes = 0;  // bytes moved on the bus (whole bursts)
    uint64_t rows = 0;       // contiguous runs
};

BoxCost box_cost(uint64_t address, const std::vector<BoxExtent>& dims, int64_t elem_bytes, int64_t burst_bytes);

// Rows box_cost would price one by one (0 when all rows share one alignment); the controller
// refuses boxes with more than kMaxPricedRows so pricing stays fast.
uint64_t rows_to_price(const std::vector<BoxExtent>& dims, int64_t elem_bytes, int64_t burst_bytes);
constexpr uint64_t kMaxPricedRows = uint64_t{1} << 24;

}  // namespace npu
