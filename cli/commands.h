#pragma once
#include <string>
#include <vector>

namespace npusim::cli {

int cmd_gemm(const std::vector<std::string>& argv);
int cmd_info(const std::vector<std::string>& argv);
int cmd_program(const std::vector<std::string>& argv);

}  // namespace npusim::cli
