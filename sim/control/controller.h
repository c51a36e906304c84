#pragma once
// The controller walks a prepared program. Each program thread is a SystemC thread that issues
// its instructions in order, one at a time, to the engines' queues and waits for each to finish;
// a fork spawns one SystemC thread per branch and joins them; tokens are counting semaphores.
// A run that stops with threads still waiting has deadlocked; the controller reports which
// threads wait on which tokens and unwinds them so the next run starts clean.
#include <memory>
#include <string>
#include <vector>

#include "sim/config/npu_config.h"
#include "sim/control/prepared_program.h"
#include "sim/control/run_stats.h"
#include "sim/dma/dma_engine.h"
#include "sim/mac/mac_array.h"
#include "sim/systemc.h"
#include "sim/vector/vector_unit.h"

namespace npu {

class Controller {
public:
    Controller(DmaEngine& dma, MacArray& mac, VectorUnit& vec) : dma_(dma), mac_(mac), vec_(vec) {}

    // Prepares a run; call sc_start() afterwards until it returns, then finish().
    void start(const PreparedProgram& p, const NpuConfig& cfg, RunStats& stats);
    // Returns the cycle the program finished; throws ProgramError on deadlock or a bad instruction.
    uint64_t finish();

private:
    struct Waiter {
        int token;
        int64_t count;
    };
    bool exec(const XBlock& b, int64_t* env);
    bool issue(const XDma& d, const int64_t* env);
    bool issue(const XMatMul& m, const int64_t* env);
    bool issue(const XVector& v, const int64_t* env);
    bool sync(const XSync& s, const int64_t* env);
    void fail(const std::string& message);
    bool issue_delay();

    DmaEngine& dma_;
    MacArray& mac_;
    VectorUnit& vec_;
    const PreparedProgram* prog_ = nullptr;
    const NpuConfig* cfg_ = nullptr;
    RunStats* stats_ = nullptr;
    std::vector<int64_t> token_count_;
    std::vector<std::unique_ptr<sc_core::sc_event>> token_event_;
    std::vector<Waiter*> waiting_;
    sc_core::sc_event abort_event_;
    bool aborted_ = false;
    std::string error_;
    bool root_done_ = false;
    uint64_t start_cycle_ = 0, end_cycle_ = 0;
};

}  // namespace npu
