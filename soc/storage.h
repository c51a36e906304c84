#pragma once
// Where a model's weights come from at a cold start: read whole from storage before the first
// pass (full load), or memory-mapped and faulted in as the first pass touches them (mmap). A fault
// reads `fault_bytes` (its page and the kernel's readahead) and pays the storage's latency, so
// mmap reads only the pages the pass touches but pays a latency per fault, and the pass waits
// for each; a full load streams every byte at the sequential bandwidth before anything runs.
#include <cstdint>
#include <string>

#include "sim/config/npu_config.h"

namespace npusim::soc {

enum class LoadPath { Full, Mmap };
// "full" or "mmap"; throws UserError naming `where` otherwise.
LoadPath parse_load_path(const std::string& text, const std::string& where);
const char* load_path_name(LoadPath p);

struct StorageParams {
    double read_bytes_per_s = 1e9;
    int64_t fault_bytes = 4096;
    double fault_us = 0;
    static StorageParams from(const npu::NpuConfig& cfg);
};

struct LoadCost {
    double bytes_read = 0;  // from storage
    int64_t faults = 0;     // page faults served from storage (mmap)
    double seconds = 0;     // time the run waits for storage
};

// A full load of `file_bytes`: one sequential read.
LoadCost full_load(const StorageParams& s, double file_bytes);
// Faulting in `touched_bytes` of a mapped file, touched as `regions` contiguous regions (each
// region's faults read whole fault_bytes chunks; a region smaller than a chunk still costs one).
LoadCost mmap_load(const StorageParams& s, double touched_bytes, int64_t regions);

}  // namespace npusim::soc
