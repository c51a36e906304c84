#include "schedules/model_run.h"

#include <map>
#include <mutex>

#include "schedules/kernel_flow.h"

namespace npusim::schedules {

PassResult run_pass(const std::vector<models::Op>& ops, const npu::NpuConfig& cfg,
                    const std::function<void(size_t, size_t)>& progress) {
    // Identical ops (same kernel, shape and schedule on the same NPU) are simulated once per
    // process: a layer's ops repeat in every layer, and decode steps repeat all but attention.
    static std::mutex lock;
    static std::map<std::string, OpResult> cache;
    PassResult pass;
    size_t done = 0;
    for (const models::Op& op : ops) {
        const KernelCall call(op.kernel, op.shape, {}, cfg);
        const std::string key = call.key() + "|" + npu::params_text(cfg);
        OpResult r;
        {
            std::lock_guard<std::mutex> g(lock);
            auto it = cache.find(key);
            if (it != cache.end()) r = it->second;
        }
        if (r.cycles == 0) {
            const npu::Report rep = simulate_kernel(call, cfg);
            r.cycles = rep.cycles;
            r.seconds = rep.seconds;
            r.energy_j = rep.energy_j;
            r.dram_bytes = rep.dram_bytes_read + rep.dram_bytes_written;
            r.schedule = fields_text(call.knobs);
            std::lock_guard<std::mutex> g(lock);
            cache[key] = r;
        }
        r.op = op;
        pass.seconds += r.seconds * static_cast<double>(op.count);
        pass.energy_j += r.energy_j * static_cast<double>(op.count);
        pass.dram_bytes += r.dram_bytes * static_cast<uint64_t>(op.count);
        pass.ops.push_back(r);
        if (progress) progress(++done, ops.size());
    }
    return pass;
}

}  // namespace npusim::schedules
