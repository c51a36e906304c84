#include "sim/control/controller.h"

#include <algorithm>

#include "base/errors.h"

namespace npu {

namespace {
constexpr size_t kThreadStackBytes = 512 * 1024;
}  // namespace

void Controller::start(const PreparedProgram& p, const NpuConfig& cfg, bool trace) {
    prog_ = &p;
    cfg_ = &cfg;
    trace_ = trace;
    aborted_ = false;
    error_.clear();
    root_done_ = false;
    steps_ = 0;
    waiting_.clear();
    start_cycle_ = end_cycle_ = now_cycles();
    sc_core::sc_spawn_options opts;
    opts.set_stack_size(kThreadStackBytes);
    sc_core::sc_spawn(
        [this] {
            Thread root;
            root.vars.assign(static_cast<size_t>(prog_->var_slots) + 1, 0);
            std::copy(prog_->param_values.begin(), prog_->param_values.end(), root.vars.begin());
            root.tokens.assign(static_cast<size_t>(prog_->token_slots) + 1, nullptr);
            exec(prog_->body, root);
            end_cycle_ = now_cycles();
            root_done_ = true;
        },
        nullptr, &opts);
}

uint64_t Controller::finish() {
    if (!root_done_) {
        // Event starvation with the program unfinished: every live thread waits on a token.
        std::string msg = "program '" + prog_->program->name + "' deadlocked at cycle " +
                          std::to_string(now_cycles() - start_cycle_) + ":";
        for (const Waiter* w : waiting_)
            msg += " a thread waits for " + std::to_string(w->count) + " on token '" + w->token->name + "' (has " +
                   std::to_string(w->token->count) + ");";
        if (waiting_.empty()) msg += " no thread is waiting on a token (internal error);";
        msg.pop_back();
        aborted_ = true;
        abort_event_.notify(sc_core::SC_ZERO_TIME);
        sc_core::sc_start();  // let the blocked threads unwind
        if (error_.empty()) error_ = msg;
    }
    if (!error_.empty()) throw ProgramError(error_);
    if (end_cycle_ - start_cycle_ >= kMaxRunCycles)
        throw ProgramError("program '" + prog_->program->name +
                           "' runs longer than 2^50 cycles; its sizes are "
                           "far beyond any real kernel");
    return end_cycle_ - start_cycle_;
}

void Controller::fail(const std::string& message) {
    if (error_.empty()) error_ = message;
    aborted_ = true;
    abort_event_.notify(sc_core::SC_ZERO_TIME);
}

bool Controller::issue_delay() {
    if (cfg_->control_issue_cycles > 0) sc_core::wait(cycles(static_cast<uint64_t>(cfg_->control_issue_cycles)));
    return !aborted_;
}

bool Controller::exec(const XBlock& block, Thread& t) {
    std::deque<TokenState> owned;  // tokens created in this block live until it ends
    for (const XNode& n : block) {
        if (aborted_) return false;
        if (!step()) return false;
        const bool ok =
            std::visit(Overloaded{
                           [&](const XLoop& l) { return run_loop(l, t); },
                           [&](const XFork& f) {
                               std::vector<const XBlock*> blocks;
                               for (const XBlock& b : f.threads)
                                   blocks.push_back(&b);
                               return run_threads(blocks, std::vector<Thread>(f.threads.size(), t), std::nullopt);
                           },
                           [&](const XIf& c) {
                               int64_t cond = 0;
                               return eval(c.cond, t, c.where, cond) && exec(cond != 0 ? c.then_body : c.else_body, t);
                           },
                           [&](const XToken& k) {
                               owned.emplace_back();
                               owned.back().name = k.name;
                               owned.back().count = k.init;
                               t.tokens[static_cast<size_t>(k.slot)] = &owned.back();
                               return true;
                           },
                           [&](const XDma& d) { return issue(d, t); },
                           [&](const XMatMul& m) { return issue(m, t); },
                           [&](const XVector& v) { return issue(v, t); },
                           [&](const XSync& y) { return sync(y, t); },
                       },
                       n);
        if (!ok) return false;
    }
    return true;
}

bool Controller::step() {
    ++steps_;
    if (trace_ && steps_ > kMaxTracedSteps) {
        fail("program '" + prog_->program->name + "' ran more than " + std::to_string(kMaxTracedSteps) +
             " statements with a trace: its trace would need more than " +
             std::to_string(kMaxTracedSteps * kTraceBytesPerSlice >> 20) +
             " MiB of host memory; trace a smaller shape, or run without a trace");
        return false;
    }
    if (steps_ <= kMaxRunSteps) return true;
    fail("program '" + prog_->program->name + "' ran more than " + std::to_string(kMaxRunSteps) +
         " statements and loop iterations; a loop extent is likely far larger than intended");
    return false;
}

bool Controller::eval(const BoundExpr& e, const Thread& t, const std::string& where, int64_t& out) {
    bool overflow = false;
    out = e.eval(t.vars.data(), overflow);
    if (!overflow) return true;
    fail(where + ": an expression overflows 64-bit integers or divides by zero");
    return false;
}

bool Controller::run_loop(const XLoop& l, Thread& t) {
    int64_t lo = 0, extent = 0, last = 0;
    if (!eval(l.min, t, l.where, lo) || !eval(l.extent, t, l.where, extent)) return false;
    if (extent < 0) {
        fail(l.where + ": the loop extent is " + std::to_string(extent) + "; it must not be negative");
        return false;
    }
    if (extent > 0 && __builtin_add_overflow(lo, extent - 1, &last)) {
        fail(l.where + ": the loop's last value overflows 64-bit integers");
        return false;
    }
    const int64_t cores = cfg_->cores;
    if (!l.parallel || t.in_parallel || cores == 1 || extent <= 1) {
        for (int64_t i = 0; i < extent; ++i) {
            if (!step()) return false;
            t.vars[static_cast<size_t>(l.slot)] = lo + i;
            if (!exec(l.body, t)) return false;
        }
        return true;
    }
    // One thread per core; thread c runs iterations c, c + cores, ...
    const int64_t n = std::min(cores, extent);
    std::vector<Thread> threads(static_cast<size_t>(n), t);
    for (int64_t c = 0; c < n; ++c) {
        threads[static_cast<size_t>(c)].core = static_cast<int>(c);
        threads[static_cast<size_t>(c)].in_parallel = true;
    }
    return run_threads(std::vector<const XBlock*>(static_cast<size_t>(n), &l.body), threads,
                       ParallelRange{l.slot, lo, extent});
}

bool Controller::run_threads(const std::vector<const XBlock*>& blocks, const std::vector<Thread>& threads,
                             std::optional<ParallelRange> range) {
    size_t remaining = blocks.size();
    sc_core::sc_event joined;
    sc_core::sc_spawn_options opts;
    opts.set_stack_size(kThreadStackBytes);
    for (size_t i = 0; i < blocks.size(); ++i) {
        sc_core::sc_spawn(
            [this, block = blocks[i], thread = threads[i], range, i, n = blocks.size(), &remaining, &joined]() mutable {
                if (!range) {
                    exec(*block, thread);
                } else {
                    for (auto it = static_cast<int64_t>(i); it < range->extent; it += static_cast<int64_t>(n)) {
                        if (!step()) break;
                        thread.vars[static_cast<size_t>(range->slot)] = range->min + it;
                        if (!exec(*block, thread)) break;
                    }
                }
                if (--remaining == 0) joined.notify();
            },
            nullptr, &opts);
    }
    while (remaining > 0)
        sc_core::wait(joined);
    return !aborted_;
}

nlohmann::ordered_json Controller::trace_args(const Origin& o, const Thread& t) const {
    nlohmann::ordered_json args = {{"instruction", o.where}};
    if (!o.func.empty()) args["func"] = o.func;
    std::string loops;
    for (size_t i = 0; i < o.loop_vars.size(); ++i)
        loops += (i ? ", " : "") + o.loop_vars[i] + "=" + std::to_string(t.vars[i]);
    if (!loops.empty()) args["loops"] = loops;
    return args;
}

namespace {
// One instruction moves or computes at most this many elements (and a MatMul at most kMaxMacs):
// far beyond any real tile, and small enough that no byte count or duration overflows.
constexpr int64_t kMaxElements = int64_t{1} << 40;
constexpr int64_t kMaxMacs = int64_t{1} << 50;

// a * b if it stays within [0, limit], else false.
bool product(int64_t a, int64_t b, int64_t limit, int64_t* out) {
    return !__builtin_mul_overflow(a, b, out) && *out >= 0 && *out <= limit;
}
}  // namespace

bool Controller::issue(const XDma& d, Thread& t) {
    if (!issue_delay()) return false;
    const Program& p = *prog_->program;
    const Tensor& tensor = p.tensors[static_cast<size_t>(d.tensor)];
    const SramBuffer& s = p.sram[static_cast<size_t>(d.sram)];
    DmaRequest r;
    r.to_dram = d.to_dram;
    r.tensor = d.tensor;
    r.elem_bytes = dtype_bits(tensor.dtype) / 8;  // int4 tensors are rejected when prepared
    r.sram_level = prog_->sram_level[static_cast<size_t>(d.sram)];
    int64_t offset = 0, sram_off = 0;
    if (!eval(d.offset, t, d.origin.where, offset) || !eval(d.sram_offset, t, d.origin.where, sram_off)) return false;
    int64_t lo = offset, hi = offset, elements = 1;
    for (size_t i = 0; i < d.extents.size(); ++i) {
        int64_t e = 0, reach = 0;
        if (!eval(d.extents[i], t, d.origin.where, e)) return false;
        if (e <= 0) return true;  // an empty box: a tail iteration with nothing to move
        if (!product(elements, e, kMaxElements, &elements) || __builtin_mul_overflow(e - 1, d.strides[i], &reach) ||
            __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi)) {
            fail(d.origin.where + ": the box is larger than 2^40 elements or its addresses overflow");
            return false;
        }
        r.dims.push_back({e, d.strides[i]});
    }
    const int64_t bytes = elements * r.elem_bytes;
    if (rows_to_price(r.dims, r.elem_bytes, cfg_->dram_burst_bytes) > kMaxPricedRows) {
        fail(d.origin.where + ": the box has more than 2^24 rows off the burst grid; split the transfer");
        return false;
    }
    hi += r.elem_bytes;
    const uint64_t span = prog_->tensor_span[static_cast<size_t>(d.tensor)];
    if (lo < 0 || static_cast<uint64_t>(hi) > span) {
        fail(d.origin.where + ": box covers bytes [" + std::to_string(lo) + ", " + std::to_string(hi) +
             ") of tensor '" + tensor.name + "', which spans [0, " + std::to_string(span) + ")");
        return false;
    }
    if (sram_off < 0 || sram_off > s.bytes || bytes > s.bytes - sram_off) {
        fail(d.origin.where + ": " + std::to_string(bytes) + " bytes at offset " + std::to_string(sram_off) +
             " do not fit SRAM buffer '" + s.name + "' of " + std::to_string(s.bytes) + " bytes");
        return false;
    }
    r.address = tensor.base + static_cast<uint64_t>(offset);
    if (trace_) {
        r.trace_name = std::string(d.to_dram ? "dma_out " : "dma_in ") + tensor.name;
        r.trace_args = trace_args(d.origin, t);
    }
    sc_core::sc_event done;
    r.done = &done;
    cores_[static_cast<size_t>(t.core)].dma->submit(std::move(r));
    sc_core::wait(done);
    return !aborted_;
}

bool Controller::issue(const XMatMul& m, Thread& t) {
    if (!issue_delay()) return false;
    const Program& p = *prog_->program;
    MacRequest r;
    if (!eval(m.m, t, m.origin.where, r.m) || !eval(m.n, t, m.origin.where, r.n) || !eval(m.k, t, m.origin.where, r.k))
        return false;
    int64_t mk = 0, kn = 0, mn = 0, macs = 0;
    if (r.m < 0 || r.n < 0 || r.k < 0 || !product(r.m, r.k, kMaxElements, &mk) ||
        !product(r.k, r.n, kMaxElements, &kn) || !product(r.m, r.n, kMaxElements, &mn) ||
        !product(mn, r.k, kMaxMacs, &macs)) {
        fail(m.origin.where + ": sizes m=" + std::to_string(r.m) + " n=" + std::to_string(r.n) +
             " k=" + std::to_string(r.k) + " are negative or beyond 2^40 elements per operand / 2^50 MACs");
        return false;
    }
    const SramBuffer& a = p.sram[static_cast<size_t>(m.a)];
    const SramBuffer& b = p.sram[static_cast<size_t>(m.b)];
    const SramBuffer& acc = p.sram[static_cast<size_t>(m.acc)];
    auto fits = [&](const SramBuffer& buf, int64_t elements, DType type, const char* role) {
        const uint64_t need = packed_bytes(static_cast<uint64_t>(elements), type);
        if (need <= static_cast<uint64_t>(buf.bytes)) return true;
        fail(m.origin.where + ": operand " + role + " needs " + std::to_string(need) + " bytes but SRAM buffer '" +
             buf.name + "' holds " + std::to_string(buf.bytes));
        return false;
    };
    if (!fits(a, mk, m.a_type, "a") || !fits(b, kn, m.b_type, "b") || !fits(acc, mn, m.acc_type, "acc")) return false;
    if (const std::string why = unsupported_pair(*cfg_, m.a_type, m.b_type); !why.empty()) {
        fail(m.origin.where + (m.origin.func.empty() ? "" : " (Func " + m.origin.func + ")") + ": " + why);
        return false;
    }
    if (macs == 0) return true;
    r.a_type = m.a_type;
    r.b_type = m.b_type;
    r.acc_type = m.acc_type;
    r.a_level = prog_->sram_level[static_cast<size_t>(m.a)];
    r.b_level = prog_->sram_level[static_cast<size_t>(m.b)];
    r.acc_level = prog_->sram_level[static_cast<size_t>(m.acc)];
    if (trace_) r.trace_args = trace_args(m.origin, t);
    sc_core::sc_event done;
    r.done = &done;
    cores_[static_cast<size_t>(t.core)].mac->queue.push(std::move(r));
    sc_core::wait(done);
    return !aborted_;
}

bool Controller::issue(const XVector& v, Thread& t) {
    if (!issue_delay()) return false;
    const Program& p = *prog_->program;
    VectorRequest r;
    r.ops = v.ops;
    if (!eval(v.elements, t, v.origin.where, r.elements)) return false;
    const SramBuffer& out = p.sram[static_cast<size_t>(v.output)];
    // A reduction folds its elements into fewer results; anything else writes one per element.
    const bool reduces = std::any_of(
        v.ops.begin(), v.ops.end(), [](VectorOp op) { return op == VectorOp::ReduceSum || op == VectorOp::ReduceMax; });
    if (r.elements < 0 || r.elements > kMaxElements ||
        (!reduces && packed_bytes(static_cast<uint64_t>(r.elements), v.dtype) > static_cast<uint64_t>(out.bytes))) {
        fail(v.origin.where + ": " + std::to_string(r.elements) + " elements of " + dtype_name(v.dtype) +
             " do not fit SRAM buffer '" + out.name + "' of " + std::to_string(out.bytes) + " bytes");
        return false;
    }
    if (r.elements == 0) return true;
    const auto elements = static_cast<uint64_t>(r.elements);
    for (int in : v.inputs) {
        const SramBuffer& b = p.sram[static_cast<size_t>(in)];
        // An input is read once per element, or whole if it is smaller (a per-channel table).
        r.reads.emplace_back(prog_->sram_level[static_cast<size_t>(in)],
                             std::min(packed_bytes(elements, b.dtype), static_cast<uint64_t>(b.bytes)));
    }
    r.write = {prog_->sram_level[static_cast<size_t>(v.output)],
               std::min(packed_bytes(elements, v.dtype), static_cast<uint64_t>(out.bytes))};
    if (trace_) r.trace_args = trace_args(v.origin, t);
    sc_core::sc_event done;
    r.done = &done;
    cores_[static_cast<size_t>(t.core)].vec->queue.push(std::move(r));
    sc_core::wait(done);
    return !aborted_;
}

bool Controller::sync(const XSync& s, Thread& t) {
    TokenState* tok = t.tokens[static_cast<size_t>(s.slot)];
    if (!tok) {
        fail(s.where + ": the token is used before its `token` statement ran");
        return false;
    }
    int64_t count = 0;
    if (!eval(s.count, t, s.where, count)) return false;
    // Halide's folded storage releases and acquires zero rows on steps that need none: a no-op.
    if (count < 0) {
        fail(s.where + ": count must not be negative, got " + std::to_string(count));
        return false;
    }
    if (count == 0) return true;
    if (s.signal) {
        if (__builtin_add_overflow(tok->count, count, &tok->count)) {
            fail(s.where + ": token '" + tok->name + "' would count past 2^63");
            return false;
        }
        tok->changed.notify(sc_core::SC_ZERO_TIME);
        return true;
    }
    Waiter me{tok, count};
    waiting_.push_back(&me);
    while (tok->count < count && !aborted_)
        sc_core::wait(tok->changed | abort_event_);
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), &me));
    if (aborted_) return false;
    tok->count -= count;
    return true;
}

}  // namespace npu
