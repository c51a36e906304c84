#pragma once
// A deployment manifest: one YAML file per target saying what ships where (configs/deploy/ has
// examples; docs/deploy.md describes every key). `npusim deploy` reports on one, `npusim compare`
// puts several side by side.
//
//   name: Llama-3.2-1B on a Snapdragon 8 Gen 3 phone
//   preset: hexagon_8gen3            # a preset name (calibrated ones too) or a .yaml path
//   set: {dram: {efficiency: 0.55}}  # preset parameters overridden for this target
//   model: llama-3.2-1b              # a shipped model or a config.json path
//   recipe: w4a16                    # a recipe's short name, or a mapping:
//   #   recipe: {name: w8a8, keep_fp16: {mlp_out: layer.*.down_proj}}   (per-layer overrides)
//   placement: {attention: "layer.attention=cpu"}  # rules over the default placement: a label
//                                    # each, PATTERN=DEVICE (as `npusim model --place`), in file order
//   kv_cache: {bits: 8, block_tokens: 16}
//   limits: {prompt_tokens: 1024, output_tokens: 256, memory_bytes: 6e9}
//   load: mmap                       # how the weights come from storage: full or mmap
//   thermal: {seconds: 600, ambient_c: 30, other_w: 2}   # the sustained scenario
//   accuracy: minilm-kjv.json        # a saved `npusim quant-eval` table with this recipe's row
//
// Every error names the file, the line and the key.
#include <cstdint>
#include <map>
#include <string>

#include "soc/placement.h"
#include "soc/storage.h"

namespace npusim::deploy {

struct Manifest {
    std::string path, name;
    std::string preset;
    struct Override {
        std::string value, key;  // the value, and the manifest key that gave it (for errors)
    };
    std::map<std::string, Override> set;  // preset key -> value (thermal.* from `thermal` included)
    std::string model;
    std::string recipe;  // the full short name: base, per-layer overrides, KV bits
    soc::PlacementPolicy placement;
    int64_t kv_block = 16;
    int64_t prompt_tokens = 512, output_tokens = 128;
    double memory_bytes = 0;  // 0: the preset's dram.capacity_bytes
    soc::LoadPath load = soc::LoadPath::Full;
    double sustained_s = 0;     // 0: no sustained run
    std::string accuracy_file;  // "" for none; relative paths resolved against the manifest
    std::map<std::string, int> lines;  // key -> line, for errors found after reading
    // "<path>:<line>: <key>: " for an error about `key` (its own line, or the file's).
    std::string where(const std::string& key) const;
};

// Throws UserError naming the file, line and key for anything malformed or unknown.
Manifest read_manifest(const std::string& path);

}  // namespace npusim::deploy
