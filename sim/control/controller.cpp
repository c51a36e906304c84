#include "sim/control/controller.h"

#include <algorithm>

#include "sim/errors.h"
#include "sim/report/json_text.h"

namespace npu {

namespace {
int64_t elem_bytes(DType t) {
    return std::max(dtype_bits(t), 8) / 8;
}
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
        if (++steps_ > kMaxSteps) {
            fail("program '" + prog_->program->name + "' ran more than " + std::to_string(kMaxSteps) +
                 " statements; a loop extent is likely far larger than intended");
            return false;
        }
        bool ok = true;
        if (auto* l = std::get_if<XLoop>(&n)) {
            ok = run_loop(*l, t);
        } else if (auto* f = std::get_if<XFork>(&n)) {
            std::vector<const XBlock*> blocks;
            for (const XBlock& b : f->threads)
                blocks.push_back(&b);
            ok = run_threads(blocks, std::vector<Thread>(f->threads.size(), t), nullptr);
        } else if (auto* c = std::get_if<XIf>(&n)) {
            ok = exec(c->cond.eval(t.vars.data()) != 0 ? c->then_body : c->else_body, t);
        } else if (auto* k = std::get_if<XToken>(&n)) {
            owned.emplace_back();
            owned.back().name = k->name;
            owned.back().count = k->init;
            t.tokens[static_cast<size_t>(k->slot)] = &owned.back();
        } else if (auto* d = std::get_if<XDma>(&n)) {
            ok = issue(*d, t);
        } else if (auto* m = std::get_if<XMatMul>(&n)) {
            ok = issue(*m, t);
        } else if (auto* v = std::get_if<XVector>(&n)) {
            ok = issue(*v, t);
        } else {
            ok = sync(std::get<XSync>(n), t);
        }
        if (!ok) return false;
    }
    return true;
}

bool Controller::run_loop(const XLoop& l, Thread& t) {
    const int64_t lo = l.min.eval(t.vars.data()), extent = l.extent.eval(t.vars.data());
    const int64_t cores = cfg_->cores;
    if (!l.parallel || t.in_parallel || cores == 1 || extent <= 1) {
        for (int64_t i = 0; i < extent; ++i) {
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
    return run_threads(std::vector<const XBlock*>(static_cast<size_t>(n), &l.body), threads, &l);
}

bool Controller::run_threads(const std::vector<const XBlock*>& blocks, const std::vector<Thread>& threads,
                             const XLoop* parallel_loop) {
    size_t remaining = blocks.size();
    sc_core::sc_event joined;
    sc_core::sc_spawn_options opts;
    opts.set_stack_size(kThreadStackBytes);
    for (size_t i = 0; i < blocks.size(); ++i) {
        sc_core::sc_spawn(
            [this, block = blocks[i], thread = threads[i], parallel_loop, i, n = blocks.size(), &remaining,
             &joined]() mutable {
                if (!parallel_loop) {
                    exec(*block, thread);
                } else {
                    const int64_t lo = parallel_loop->min.eval(thread.vars.data());
                    const int64_t extent = parallel_loop->extent.eval(thread.vars.data());
                    for (auto it = static_cast<int64_t>(i); it < extent; it += static_cast<int64_t>(n)) {
                        thread.vars[static_cast<size_t>(parallel_loop->slot)] = lo + it;
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

std::string Controller::trace_args(const Origin& o, const Thread& t) const {
    std::string args = "\"instruction\": " + json_quote(o.where);
    if (!o.func.empty()) args += ", \"func\": " + json_quote(o.func);
    std::string loops;
    for (size_t i = 0; i < o.loop_vars.size(); ++i)
        loops += (i ? ", " : "") + o.loop_vars[i] + "=" + std::to_string(t.vars[i]);
    if (!loops.empty()) args += ", \"loops\": " + json_quote(loops);
    return args;
}

bool Controller::issue(const XDma& d, Thread& t) {
    if (!issue_delay()) return false;
    const Program& p = *prog_->program;
    const Tensor& tensor = p.tensors[static_cast<size_t>(d.tensor)];
    const SramBuffer& s = p.sram[static_cast<size_t>(d.sram)];
    const int64_t* env = t.vars.data();
    DmaRequest r;
    r.to_dram = d.to_dram;
    r.elem_bytes = elem_bytes(tensor.dtype);
    r.sram_level = prog_->sram_level[static_cast<size_t>(d.sram)];
    const int64_t offset = d.offset.eval(env);
    int64_t lo = offset, hi = offset, elements = 1;
    for (size_t i = 0; i < d.extents.size(); ++i) {
        const int64_t e = d.extents[i].eval(env);
        if (e <= 0) return true;  // an empty box: a tail iteration with nothing to move
        r.dims.push_back({e, d.strides[i]});
        elements *= e;
        const int64_t reach = (e - 1) * d.strides[i];
        (reach < 0 ? lo : hi) += reach;
    }
    hi += r.elem_bytes;
    const uint64_t span = prog_->tensor_span[static_cast<size_t>(d.tensor)];
    if (lo < 0 || static_cast<uint64_t>(hi) > span) {
        fail(d.origin.where + ": box covers bytes [" + std::to_string(lo) + ", " + std::to_string(hi) +
             ") of tensor '" + tensor.name + "', which spans [0, " + std::to_string(span) + ")");
        return false;
    }
    const int64_t sram_off = d.sram_offset.eval(env);
    if (sram_off < 0 || sram_off + elements * r.elem_bytes > s.bytes) {
        fail(d.origin.where + ": " + std::to_string(elements * r.elem_bytes) + " bytes at offset " +
             std::to_string(sram_off) + " do not fit SRAM buffer '" + s.name + "' of " + std::to_string(s.bytes) +
             " bytes");
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
    const int64_t* env = t.vars.data();
    MacRequest r;
    r.m = m.m.eval(env);
    r.n = m.n.eval(env);
    r.k = m.k.eval(env);
    if (r.m < 0 || r.n < 0 || r.k < 0) {
        fail(m.origin.where + ": negative size m=" + std::to_string(r.m) + " n=" + std::to_string(r.n) +
             " k=" + std::to_string(r.k));
        return false;
    }
    const SramBuffer& a = p.sram[static_cast<size_t>(m.a)];
    const SramBuffer& b = p.sram[static_cast<size_t>(m.b)];
    const SramBuffer& acc = p.sram[static_cast<size_t>(m.acc)];
    auto fits = [&](const SramBuffer& buf, int64_t elements, DType type, const char* role) {
        if (elements * elem_bytes(type) <= buf.bytes) return true;
        fail(m.origin.where + ": operand " + role + " needs " + std::to_string(elements * elem_bytes(type)) +
             " bytes but SRAM buffer '" + buf.name + "' holds " + std::to_string(buf.bytes));
        return false;
    };
    if (!fits(a, r.m * r.k, m.a_type, "a") || !fits(b, r.k * r.n, m.b_type, "b") ||
        !fits(acc, r.m * r.n, m.acc_type, "acc"))
        return false;
    if (r.m == 0 || r.n == 0 || r.k == 0) return true;
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
    r.op = v.op;
    r.elements = v.elements.eval(t.vars.data());
    const SramBuffer& out = p.sram[static_cast<size_t>(v.output)];
    const auto out_bytes = static_cast<uint64_t>(std::max<int64_t>(r.elements, 0) * elem_bytes(v.dtype));
    if (r.elements < 0 || out_bytes > static_cast<uint64_t>(out.bytes)) {
        fail(v.origin.where + ": " + std::to_string(r.elements) + " elements of " + dtype_name(v.dtype) +
             " do not fit SRAM buffer '" + out.name + "' of " + std::to_string(out.bytes) + " bytes");
        return false;
    }
    if (r.elements == 0) return true;
    for (int in : v.inputs) {
        const SramBuffer& b = p.sram[static_cast<size_t>(in)];
        // An input is read once per element, or whole if it is smaller (a per-channel table).
        const auto want = static_cast<uint64_t>(r.elements * elem_bytes(b.dtype));
        r.reads.emplace_back(prog_->sram_level[static_cast<size_t>(in)],
                             std::min(want, static_cast<uint64_t>(b.bytes)));
    }
    r.write = {prog_->sram_level[static_cast<size_t>(v.output)], out_bytes};
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
    const int64_t count = s.count.eval(t.vars.data());
    if (count <= 0) {
        fail(s.where + ": count must be positive, got " + std::to_string(count));
        return false;
    }
    if (s.signal) {
        tok->count += count;
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
