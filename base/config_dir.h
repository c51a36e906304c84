#pragma once
// Where the shipped configuration lives: configs/npu (presets), configs/models (config.json
// files), and beside it data/ and .venv/. Every layer that reads a shipped file asks here.
#include <string>

namespace npu {

// The directory holding configs/ (NPUSIM_CONFIG_DIR overrides the built-in path).
std::string config_dir();

}  // namespace npu
