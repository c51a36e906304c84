#pragma once
// The controller walks a prepared program. Each program thread is a SystemC thread bound to a
// core; it issues its instructions in order, one at a time, to that core's engines and waits for
// each. A fork spawns one SystemC thread per branch on the same core and joins them; a parallel
// loop spawns one thread per core, which run the iterations round-robin; tokens are counting
// semaphores created by `token` statements. A run that stops with threads still waiting has
// deadlocked: the controller reports which threads wait on which tokens, then unwinds them so
// the next run starts clean.
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/control/core_context.h"
#include "sim/control/prepared_program.h"
#include "sim/dma/dma_engine.h"
#include "sim/mac/mac_array.h"
#include "sim/simulator.h"
#include "sim/systemc.h"
#include "sim/vector/vector_unit.h"

namespace npu {

struct CoreEngines {
    DmaEngine* dma;
    MacArray* mac;
    VectorUnit* vec;
};

class Controller {
public:
    explicit Controller(std::vector<CoreEngines> cores) : cores_(std::move(cores)) {}

    // Prepares a run; call sc_start() afterwards until it returns, then finish().
    void start(const PreparedProgram& p, const NpuConfig& cfg, bool trace);
    // Returns the cycles the program took; throws ProgramError on deadlock or a bad instruction.
    uint64_t finish();

private:
    struct TokenState {
        std::string name;
        int64_t count = 0;
        sc_core::sc_event changed;
    };
    struct Thread {
        int core = 0;
        bool in_parallel = false;         // a parallel loop inside runs on this core only
        std::vector<int64_t> vars;        // loop variable slots
        std::vector<TokenState*> tokens;  // token slots
    };
    struct Waiter {
        const TokenState* token;
        int64_t count;
    };

    struct ParallelRange {
        int slot;
        int64_t min, extent;
    };

    bool exec(const XBlock& b, Thread& t);
    bool run_loop(const XLoop& l, Thread& t);
    // Runs one thread per block; with `range`, thread i takes iterations i, i + n, ... of it.
    bool run_threads(const std::vector<const XBlock*>& blocks, const std::vector<Thread>& threads,
                     std::optional<ParallelRange> range);
    bool step();  // counts one statement or iteration against kMaxRunSteps
    // Evaluates `e` in `t`; on overflow fails the run naming `where`.
    bool eval(const BoundExpr& e, const Thread& t, const std::string& where, int64_t& out);
    bool issue(const XDma& d, Thread& t);
    bool issue(const XMatMul& m, Thread& t);
    bool issue(const XVector& v, Thread& t);
    bool sync(const XSync& s, Thread& t);
    void fail(const std::string& message);
    bool issue_delay();
    nlohmann::ordered_json trace_args(const Origin& o, const Thread& t) const;

    std::vector<CoreEngines> cores_;
    const PreparedProgram* prog_ = nullptr;
    const NpuConfig* cfg_ = nullptr;
    bool trace_ = false;
    std::vector<Waiter*> waiting_;
    sc_core::sc_event abort_event_;
    bool aborted_ = false;
    std::string error_;
    bool root_done_ = false;
    uint64_t steps_ = 0;  // instructions and token operations executed, bounded by kMaxRunSteps
    uint64_t start_cycle_ = 0, end_cycle_ = 0;
};

}  // namespace npu
