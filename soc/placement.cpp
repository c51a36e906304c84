#include "soc/placement.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "base/errors.h"
#include "recipes/recipe.h"

namespace npusim::soc {

const char* device_name(Device d) {
    return d == Device::Npu ? "npu" : "cpu";
}

PlacementPolicy PlacementPolicy::parse(const std::string& text, const std::string& where) {
    PlacementPolicy policy;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item.empty()) continue;
        const size_t eq = item.find('=');
        const std::string pattern = item.substr(0, eq), device = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (eq == std::string::npos || pattern.empty() || (device != "npu" && device != "cpu"))
            throw npu::UserError(where + ": '" + item + "' is not PATTERN=DEVICE (a glob over op names, device npu or cpu)");
        policy.rules.push_back({pattern, device == "npu" ? Device::Npu : Device::Cpu});
    }
    return policy;
}

std::string PlacementPolicy::text() const {
    std::string s;
    for (const PlacementRule& r : rules)
        s += (s.empty() ? "" : ",") + r.pattern + "=" + device_name(r.device);
    return s;
}

void check_rules_match(const PlacementPolicy& policy, const std::vector<models::Op>& ops) {
    for (const PlacementRule& r : policy.rules) {
        const bool any = std::any_of(ops.begin(), ops.end(),
                                     [&](const models::Op& op) { return quant::glob_match(r.pattern, op.name); });
        if (any) continue;
        std::string names;
        std::set<std::string> seen;
        for (const models::Op& op : ops)
            if (seen.insert(op.name).second) names += op.name + ", ";
        throw npu::UserError("placement rule " + r.pattern + "=" + device_name(r.device) +
                             " matches no op of the model (its ops: " + names.substr(0, names.size() - 2) + ")");
    }
}

Placed place(const models::Op& op, const models::OpWork& work, const npu::NpuConfig& cfg, bool npu_has_kernel,
             const PlacementPolicy& policy) {
    for (const PlacementRule& r : policy.rules) {
        if (!quant::glob_match(r.pattern, op.name)) continue;
        if (r.device == Device::Npu && !npu_has_kernel)
            throw npu::UserError("placement rule " + r.pattern + "=npu: op '" + op.name + "' (kernel " + op.kernel +
                            ") has no NPU kernel");
        return {r.device, "rule " + r.pattern};
    }
    if (!npu_has_kernel) return {Device::Cpu, "no NPU kernel"};
    if (work.float_math && cfg.runtime_float_ops == "cpu")
        return {Device::Cpu, "float op on an integer-only NPU (runtime.float_ops: cpu)"};
    return {Device::Npu, "default"};
}

}  // namespace npusim::soc
