#pragma once
// What every compute engine of a core shares (the MAC array, the vector unit, and any engine added
// after them; docs/adding-an-engine.md): a queue of requests from the controller, one SystemC
// thread that serves them in order, one at a time, the engine's busy and instruction counters, its
// trace event and the notification that lets the issuing program thread go on. An engine supplies
// only what is its own: when a request started at `start` finishes (from its own timing model and
// the SRAM ports it contends on) and what work it adds to the run's counters.
#include <string>

#include "sim/control/core_context.h"
#include "sim/control/engine_queue.h"
#include "sim/systemc.h"

namespace npu {

// `Request` carries at least `nlohmann::ordered_json trace_args` (the controller's, filled only
// when tracing) and `sc_core::sc_event* done`.
template <typename Request>
class ComputeEngine : public sc_core::sc_module {
public:
    // `role` names the engine in reports and traces ("mac", "vector"); core i's thread is "c<i>_<role>".
    ComputeEngine(const sc_core::sc_module_name& name, int core, std::string role)
        : sc_module(name), role_(std::move(role)) {
        sc_core::sc_spawn([this] { run(); }, ("c" + std::to_string(core) + "_" + role_).c_str());
    }
    const std::string& role() const { return role_; }
    // Points the engine at this run's core context and its counters (stats->engines entry).
    void configure(const CoreContext* ctx, EngineCounters* counters) {
        ctx_ = ctx;
        counters_ = counters;
        queue.clear();
    }
    EngineQueue<Request> queue;

protected:
    struct Served {
        uint64_t done = 0;                  // completion cycle, >= start
        std::string trace_name;             // the trace event's name ("matmul", "vector exp+add")
        nlohmann::ordered_json trace_args;  // and its arguments: both needed only when tracing()
    };
    // Times request `r` issued at cycle `start` and adds its work (MACs, element-ops, SRAM bytes)
    // to ctx().stats; the base waits until `done`, counts the busy time and traces the event.
    virtual Served serve(const Request& r, uint64_t start) = 0;
    const CoreContext& ctx() const { return *ctx_; }
    bool tracing() const { return ctx_->trace != nullptr; }

private:
    void run() {
        while (true) {
            Request r = queue.pop();
            const uint64_t start = now_cycles();
            Served s = serve(r, start);
            sc_core::wait(cycles(s.done - start));
            ctx_->stats->computed(start, s.done);
            counters_->busy_cycles += s.done - start;
            counters_->instructions += 1;
            if (ctx_->trace) {
                if (r.trace_args.is_object()) s.trace_args.update(r.trace_args);
                ctx_->trace->add({ctx_->core, role_, s.trace_name, start, s.done - start, std::move(s.trace_args)});
            }
            r.done->notify();
        }
    }

    std::string role_;
    const CoreContext* ctx_ = nullptr;
    EngineCounters* counters_ = nullptr;
};

}  // namespace npu
