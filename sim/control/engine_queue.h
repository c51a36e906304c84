#pragma once
// An instruction queue between the controller and an engine: the controller pushes and waits on
// the request's own `done` event; the engine's SystemC thread pops, waits the instruction's
// duration and notifies.
#include <deque>

#include "sim/systemc.h"

namespace npu {

template <typename Request>
class EngineQueue {
public:
    void push(Request r) {
        q_.push_back(std::move(r));
        ev_.notify(sc_core::SC_ZERO_TIME);
    }
    // Blocks the calling SystemC thread until a request is there.
    Request pop() {
        while (q_.empty())
            sc_core::wait(ev_);
        Request r = std::move(q_.front());
        q_.pop_front();
        return r;
    }
    void clear() { q_.clear(); }

private:
    std::deque<Request> q_;
    sc_core::sc_event ev_;
};

}  // namespace npu
