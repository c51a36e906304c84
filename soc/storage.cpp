#include "soc/storage.h"

#include <cmath>

#include "base/errors.h"

namespace npusim::soc {

LoadPath parse_load_path(const std::string& text, const std::string& where) {
    if (text == "full") return LoadPath::Full;
    if (text == "mmap") return LoadPath::Mmap;
    throw npu::UserError(where + ": load path '" + text + "' is not one of full, mmap");
}

const char* load_path_name(LoadPath p) {
    return p == LoadPath::Full ? "full" : "mmap";
}

StorageParams StorageParams::from(const npu::NpuConfig& cfg) {
    return {cfg.storage_read_bytes_per_s, cfg.storage_fault_bytes, cfg.storage_fault_us};
}

LoadCost full_load(const StorageParams& s, double file_bytes) {
    return {file_bytes, 0, file_bytes / s.read_bytes_per_s};
}

LoadCost mmap_load(const StorageParams& s, double touched_bytes, int64_t regions) {
    if (touched_bytes <= 0 || regions <= 0) return {};
    const auto chunk = static_cast<double>(s.fault_bytes);
    // Each region is read in whole chunks: its bytes rounded up, at least one chunk per region.
    const double per_region = touched_bytes / static_cast<double>(regions);
    const auto faults_per_region = static_cast<int64_t>(std::max(1.0, std::ceil(per_region / chunk)));
    LoadCost c;
    c.faults = faults_per_region * regions;
    c.bytes_read = static_cast<double>(c.faults) * chunk;
    c.seconds = c.bytes_read / s.read_bytes_per_s + static_cast<double>(c.faults) * s.fault_us * 1e-6;
    return c;
}

}  // namespace npusim::soc
