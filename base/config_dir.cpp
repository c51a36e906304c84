#include "base/config_dir.h"

#include <cstdlib>

#ifndef NPUSIM_SOURCE_CONFIG_DIR
#error "NPUSIM_SOURCE_CONFIG_DIR must be defined by the build"
#endif

namespace npu {

std::string config_dir() {
    if (const char* env = std::getenv("NPUSIM_CONFIG_DIR"); env && *env) return env;
    return NPUSIM_SOURCE_CONFIG_DIR;
}

}  // namespace npu
