#include "sim/control/controller.h"

#include <algorithm>

#include "sim/errors.h"

namespace npu {

namespace {
int64_t elem_bytes(DType t) {
    return std::max(dtype_bits(t), 8) / 8;
}
constexpr size_t kThreadStackBytes = 512 * 1024;
}  // namespace

void Controller::start(const PreparedProgram& p, const NpuConfig& cfg, RunStats& stats) {
    prog_ = &p;
    cfg_ = &cfg;
    stats_ = &stats;
    aborted_ = false;
    error_.clear();
    root_done_ = false;
    waiting_.clear();
    token_count_.clear();
    token_event_.clear();
    for (const Token& t : p.program->tokens) {
        token_count_.push_back(t.init);
        token_event_.push_back(std::make_unique<sc_core::sc_event>());
    }
    start_cycle_ = end_cycle_ = now_cycles();
    sc_core::sc_spawn_options opts;
    opts.set_stack_size(kThreadStackBytes);
    sc_core::sc_spawn(
        [this] {
            std::vector<int64_t> env(static_cast<size_t>(prog_->slots) + 1, 0);
            exec(prog_->body, env.data());
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
        for (const Waiter* w : waiting_) {
            const Token& t = prog_->program->tokens[static_cast<size_t>(w->token)];
            msg += " a thread waits for " + std::to_string(w->count) + " on token '" + t.name + "' (has " +
                   std::to_string(token_count_[static_cast<size_t>(w->token)]) + ");";
        }
        if (waiting_.empty()) msg += " no thread is waiting on a token (internal error)";
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

bool Controller::exec(const XBlock& block, int64_t* env) {
    for (const XNode& n : block) {
        if (aborted_) return false;
        bool ok = true;
        if (auto* l = std::get_if<XLoop>(&n)) {
            int64_t lo = l->min.eval(env), extent = l->extent.eval(env);
            for (int64_t i = 0; i < extent && ok; ++i) {
                env[l->slot] = lo + i;
                ok = exec(l->body, env);
            }
        } else if (auto* f = std::get_if<XFork>(&n)) {
            size_t remaining = f->threads.size();
            sc_core::sc_event joined;
            sc_core::sc_spawn_options opts;
            opts.set_stack_size(kThreadStackBytes);
            for (const XBlock& t : f->threads) {
                std::vector<int64_t> copy(env, env + prog_->slots + 1);
                sc_core::sc_spawn(
                    [this, &t, copy, &remaining, &joined]() mutable {
                        exec(t, copy.data());
                        if (--remaining == 0) joined.notify();
                    },
                    nullptr, &opts);
            }
            while (remaining > 0)
                sc_core::wait(joined);
            ok = !aborted_;
        } else if (auto* c = std::get_if<XIf>(&n)) {
            ok = exec(c->cond.eval(env) != 0 ? c->then_body : c->else_body, env);
        } else if (auto* d = std::get_if<XDma>(&n)) {
            ok = issue(*d, env);
        } else if (auto* m = std::get_if<XMatMul>(&n)) {
            ok = issue(*m, env);
        } else if (auto* v = std::get_if<XVector>(&n)) {
            ok = issue(*v, env);
        } else {
            ok = sync(std::get<XSync>(n), env);
        }
        if (!ok) return false;
    }
    return true;
}

bool Controller::issue(const XDma& d, const int64_t* env) {
    if (!issue_delay()) return false;
    const Program& p = *prog_->program;
    const Tensor& t = p.tensors[static_cast<size_t>(d.tensor)];
    const SramBuffer& s = p.sram[static_cast<size_t>(d.sram)];
    DmaRequest r;
    r.to_dram = d.to_dram;
    r.elem_bytes = elem_bytes(t.dtype);
    r.sram_level = s.level;
    int64_t offset = d.offset.eval(env);
    int64_t lo = offset, hi = offset, elements = 1;
    for (size_t i = 0; i < d.extents.size(); ++i) {
        int64_t e = d.extents[i].eval(env);
        if (e <= 0) {
            elements = 0;
            break;
        }
        r.dims.push_back({e, d.strides[i]});
        elements *= e;
        int64_t reach = (e - 1) * d.strides[i];
        (reach < 0 ? lo : hi) += reach;
    }
    if (elements == 0) return true;  // an empty box: a tail iteration with nothing to move
    hi += r.elem_bytes;
    if (lo < 0 || static_cast<uint64_t>(hi) > prog_->tensor_span[static_cast<size_t>(d.tensor)]) {
        fail(d.where + ": box covers bytes [" + std::to_string(lo) + ", " + std::to_string(hi) + ") of tensor '" +
             t.name + "', which spans [0, " + std::to_string(prog_->tensor_span[static_cast<size_t>(d.tensor)]) + ")");
        return false;
    }
    int64_t sram_off = d.sram_offset.eval(env);
    if (sram_off < 0 || sram_off + elements * r.elem_bytes > s.bytes) {
        fail(d.where + ": " + std::to_string(elements * r.elem_bytes) + " bytes at offset " + std::to_string(sram_off) +
             " do not fit SRAM buffer '" + s.name + "' of " + std::to_string(s.bytes) + " bytes");
        return false;
    }
    r.address = t.base + static_cast<uint64_t>(offset);
    sc_core::sc_event done;
    r.done = &done;
    dma_.submit(std::move(r));
    sc_core::wait(done);
    return !aborted_;
}

bool Controller::issue(const XMatMul& m, const int64_t* env) {
    if (!issue_delay()) return false;
    const Program& p = *prog_->program;
    MacRequest r;
    r.m = m.m.eval(env);
    r.n = m.n.eval(env);
    r.k = m.k.eval(env);
    if (r.m < 0 || r.n < 0 || r.k < 0) {
        fail(m.where + ": negative size m=" + std::to_string(r.m) + " n=" + std::to_string(r.n) +
             " k=" + std::to_string(r.k));
        return false;
    }
    const SramBuffer& a = p.sram[static_cast<size_t>(m.a)];
    const SramBuffer& b = p.sram[static_cast<size_t>(m.b)];
    const SramBuffer& acc = p.sram[static_cast<size_t>(m.acc)];
    auto check = [&](const SramBuffer& buf, int64_t elements, DType t, const char* role) {
        if (elements * elem_bytes(t) <= buf.bytes) return true;
        fail(m.where + ": operand " + role + " needs " + std::to_string(elements * elem_bytes(t)) +
             " bytes but SRAM buffer '" + buf.name + "' holds " + std::to_string(buf.bytes));
        return false;
    };
    if (!check(a, r.m * r.k, m.a_type, "a") || !check(b, r.k * r.n, m.b_type, "b") ||
        !check(acc, r.m * r.n, m.acc_type, "acc"))
        return false;
    if (r.m == 0 || r.n == 0 || r.k == 0) return true;
    r.a_type = m.a_type;
    r.b_type = m.b_type;
    r.acc_type = m.acc_type;
    r.a_level = a.level;
    r.b_level = b.level;
    r.acc_level = acc.level;
    sc_core::sc_event done;
    r.done = &done;
    mac_.queue.push(std::move(r));
    sc_core::wait(done);
    return !aborted_;
}

bool Controller::issue(const XVector& v, const int64_t* env) {
    if (!issue_delay()) return false;
    const Program& p = *prog_->program;
    VectorRequest r;
    r.op = v.op;
    r.elements = v.elements.eval(env);
    const SramBuffer& out = p.sram[static_cast<size_t>(v.output)];
    uint64_t out_bytes = static_cast<uint64_t>(std::max<int64_t>(r.elements, 0) * elem_bytes(v.dtype));
    if (r.elements < 0 || out_bytes > static_cast<uint64_t>(out.bytes)) {
        fail(v.where + ": " + std::to_string(r.elements) + " elements of " + dtype_name(v.dtype) +
             " do not fit SRAM buffer '" + out.name + "' of " + std::to_string(out.bytes) + " bytes");
        return false;
    }
    if (r.elements == 0) return true;
    for (int in : v.inputs) {
        const SramBuffer& b = p.sram[static_cast<size_t>(in)];
        // An input is read once per element, or whole if it is smaller (a per-channel table).
        uint64_t want = static_cast<uint64_t>(r.elements * elem_bytes(b.dtype));
        r.reads.emplace_back(b.level, std::min(want, static_cast<uint64_t>(b.bytes)));
    }
    r.write = {out.level, out_bytes};
    sc_core::sc_event done;
    r.done = &done;
    vec_.queue.push(std::move(r));
    sc_core::wait(done);
    return !aborted_;
}

bool Controller::sync(const XSync& s, const int64_t* env) {
    auto idx = static_cast<size_t>(s.token);
    int64_t count = s.count.eval(env);
    if (count <= 0) {
        fail(s.where + ": count must be positive, got " + std::to_string(count));
        return false;
    }
    if (s.signal) {
        token_count_[idx] += count;
        token_event_[idx]->notify(sc_core::SC_ZERO_TIME);
        return true;
    }
    Waiter me{s.token, count};
    waiting_.push_back(&me);
    while (token_count_[idx] < count && !aborted_)
        sc_core::wait(*token_event_[idx] | abort_event_);
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), &me));
    if (aborted_) return false;
    token_count_[idx] -= count;
    return true;
}

}  // namespace npu
