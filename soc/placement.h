#pragma once
// Which device runs each op of a workload. The default policy: the NPU where its kernel library
// has the op's kernel and its runtime maps the op's arithmetic (runtime.float_ops: cpu keeps float
// ops off an integer-only NPU), else the CPU. Rules "PATTERN=DEVICE" override it by op name,
// first match first: PATTERN is a glob over the op's name (`*` any run of characters:
// "layer.attention", "*_norm"), DEVICE npu or cpu. Forcing onto the NPU an op it has no kernel
// for is an error.
#include <string>
#include <vector>

#include "models/op_work.h"
#include "sim/config/npu_config.h"

namespace npusim::soc {

enum class Device { Npu, Cpu };
const char* device_name(Device d);

struct PlacementRule {
    std::string pattern;
    Device device = Device::Npu;
};

struct PlacementPolicy {
    std::vector<PlacementRule> rules;
    // "PATTERN=DEVICE[,PATTERN=DEVICE...]" ("" for none); throws UserError naming `where`.
    static PlacementPolicy parse(const std::string& text, const std::string& where = "placement");
    std::string text() const;  // as parse() reads it
};

struct Placed {
    Device device = Device::Npu;
    std::string why;  // "default", "no NPU kernel", "float op on an integer-only NPU", "rule PATTERN"
};

// Throws UserError naming a rule that matches none of `ops` (a misspelt op name would otherwise
// change nothing), with the op names there are.
void check_rules_match(const PlacementPolicy& policy, const std::vector<models::Op>& ops);

// `npu_has_kernel`: the NPU's kernel library has op.kernel. Throws UserError for a rule that forces
// onto the NPU an op without a kernel there.
Placed place(const models::Op& op, const models::OpWork& work, const npu::NpuConfig& cfg, bool npu_has_kernel,
             const PlacementPolicy& policy);

}  // namespace npusim::soc
