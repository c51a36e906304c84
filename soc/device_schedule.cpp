#include "soc/device_schedule.h"

#include <algorithm>

#include "base/errors.h"

namespace npusim::soc {

Schedule schedule_tasks(const std::vector<Task>& tasks, const std::function<double(int64_t)>& handoff) {
    const size_t n = tasks.size();
    std::vector<std::vector<size_t>> users(n);
    std::vector<size_t> waiting(n, 0);
    std::vector<double> ready_at(n, 0);
    std::vector<size_t> ready;
    for (size_t i = 0; i < n; ++i) {
        for (size_t d : tasks[i].deps) {
            if (d >= i) throw npu::InternalError("task " + std::to_string(i) + " depends on a later task");
            users[d].push_back(i);
        }
        waiting[i] = tasks[i].deps.size();
        if (!waiting[i]) ready.push_back(i);
    }
    Schedule s;
    s.start.assign(n, 0);
    s.finish.assign(n, 0);
    double free_at[2] = {0, 0};
    for (size_t done = 0; done < n; ++done) {
        // The ready task that can start first; ties go to program order.
        size_t pick = 0;
        double pick_start = 0;
        for (size_t r = 0; r < ready.size(); ++r) {
            const size_t t = ready[r];
            const double start = std::max(ready_at[t], free_at[static_cast<int>(tasks[t].device)]);
            if (r == 0 || start < pick_start || (start == pick_start && t < ready[pick])) {
                pick = r;
                pick_start = start;
            }
        }
        const size_t t = ready[pick];
        ready.erase(ready.begin() + static_cast<std::ptrdiff_t>(pick));
        const Task& task = tasks[t];
        s.start[t] = pick_start;
        s.finish[t] = pick_start + task.seconds;
        free_at[static_cast<int>(task.device)] = s.finish[t];
        s.busy_s[device_name(task.device)] += task.seconds;
        s.makespan = std::max(s.makespan, s.finish[t]);
        for (size_t u : users[t]) {
            double at = s.finish[t];
            if (tasks[u].device != task.device) {
                const double h = handoff(task.out_bytes);
                at += h;
                s.handoffs += 1;
                s.handoff_bytes += task.out_bytes;
                s.handoff_s += h;
                s.handoff_list.push_back({t, u, s.finish[t], h, task.out_bytes});
            }
            ready_at[u] = std::max(ready_at[u], at);
            if (--waiting[u] == 0) ready.push_back(u);
        }
    }
    return s;
}

}  // namespace npusim::soc
