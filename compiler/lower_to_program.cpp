#include "compiler/lower_to_program.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/errors.h"
#include "compiler/halide_checks.h"
#include "compiler/ir_queries.h"
#include "compiler/ir_to_expr.h"
#include "compiler/program_passes.h"
#include "compiler/vector_ops.h"

namespace npusim::compiler {

using namespace Halide;
using namespace Halide::Internal;

Target lowering_target() {
    return Target("x86-64-linux-no_bounds_query-no_runtime");
}

namespace {

// The load of packed bytes `b` if `e` is (b << s) >> 4 with `b` one 8-bit element: a signed INT4
// nibble unpacked from its byte (kernels/gemm int4_nibble: s is 4 for the low nibble, 0 for the high).
// Halide's simplifier writes the arithmetic shift right as a division by 16.
const Load* int4_nibble(const Expr& e) {
    Expr shifted;
    if (const Call* right = e.as<Call>();
        right && right->is_intrinsic(Call::shift_right) && is_const(right->args[1], 4))
        shifted = right->args[0];
    else if (const Div* d = e.as<Div>(); d && is_const(d->b, 16))
        shifted = d->a;
    else
        return nullptr;
    const Call* left = shifted.as<Call>();
    if (!left || !left->is_intrinsic(Call::shift_left)) return nullptr;
    const Load* l = left->args[0].as<Load>();
    return l && l->type.bits() == 8 && l->type.is_int() ? l : nullptr;
}

std::string to_str(const Expr& e) {
    std::ostringstream s;
    s << e;
    return s.str();
}

// Reads the lowered statement without changing it: overriding mutate(Stmt) only
// (docs/architecture.md, Compiler: Halide 14 facts).
class Capture : public IRMutator {
public:
    Stmt captured;
    using IRMutator::mutate;
    Stmt mutate(const Stmt& s) override {
        captured = s;
        return s;
    }
};

struct LeafLoop {
    std::string var;
    Expr min, extent;  // resolved
};

class Walker {
public:
    // Parameters read like loop variables that are fixed for the whole run; SRAM is sized for
    // their largest values.
    Walker(const std::vector<BufferBinding>& buffers, const std::vector<ParamBinding>& params)
        : buffers_(buffers), n_params_(params.size()) {
        for (const ParamBinding& p : params) {
            loop_vars_.push_back(p.halide_name);
            ranges_.emplace_back(p.halide_name, Interval(Expr(p.param.min), Expr(p.param.max)));
        }
    }

    npu::Program program;

    void walk(const Stmt& s, npu::Block& out) {
        if (const LetStmt* l = s.as<LetStmt>()) {
            if (is_semaphore_alloc(l->value)) {
                walk(l->body, out);
                return;
            }
            lets_.push(l->name, l->value);
            walk(l->body, out);
            lets_.pop();
        } else if (const Block* b = s.as<Block>()) {
            walk(b->first, out);
            walk(b->rest, out);
        } else if (const ProducerConsumer* pc = s.as<ProducerConsumer>()) {
            walk(pc->body, out);
        } else if (const Allocate* a = s.as<Allocate>()) {
            allocate(a);
            walk(a->body, out);
        } else if (const AssertStmt* a = s.as<AssertStmt>()) {
            refuse_failing_check(
                a, [&](const Expr& e) { return lets_.resolve(e); }, buffers_);
        } else if (s.as<Free>()) {
            return;
        } else if (const Evaluate* e = s.as<Evaluate>()) {
            evaluate(e, out);
        } else if (const Acquire* a = s.as<Acquire>()) {
            out.push_back(npu::Wait{token(a->semaphore), convert(a->count, "semaphore " + token(a->semaphore))});
            walk(a->body, out);
        } else if (s.as<Fork>()) {
            npu::Fork f;
            collect_fork(s, f);
            out.push_back(std::move(f));
        } else if (const For* f = s.as<For>()) {
            if (has_control(f->body) || bounds_inner_loops(f->body, f->name))
                control_loop(f, out);
            else
                leaf({}, s, out);
        } else if (s.as<Store>()) {
            leaf({}, s, out);
        } else if (const IfThenElse* i = s.as<IfThenElse>()) {
            // Conditions on loop counters (Halide's pipelining guards) become predicated blocks;
            // a condition on data cannot be expressed and to_npu_expr says so.
            npu::If c;
            c.cond = convert(i->condition, "condition");
            walk(i->then_case, c.then_body);
            if (i->else_case.defined()) walk(i->else_case, c.else_body);
            out.push_back(std::move(c));
        } else {
            std::ostringstream os;
            os << s;
            throw npu::ScheduleError("statement the NPU cannot express: " + os.str().substr(0, 200));
        }
    }

private:
    const std::vector<BufferBinding>& buffers_;
    size_t n_params_;  // the first entries of loop_vars_ and ranges_
    LetScope lets_;
    std::vector<std::string> loop_vars_;                    // enclosing program loops (Halide names)
    std::vector<std::pair<std::string, Interval>> ranges_;  // their value ranges
    std::map<std::string, size_t> sram_index_;              // Halide name -> program.sram index
    std::set<std::string> tokens_;                          // Halide semaphores seen

    static bool is_semaphore_alloc(const Expr& v) {
        class FindAlloca : public IRVisitor {
        public:
            bool found = false;
            using IRVisitor::visit;
            void visit(const Call* c) override {
                if (c->is_intrinsic(Call::alloca)) found = true;
                IRVisitor::visit(c);
            }
        } f;
        v.accept(&f);
        return v.type().is_handle() && f.found;
    }

    int64_t const_int(const Expr& e, const std::string& what) {
        Expr r = lets_.resolve(e);
        if (const IntImm* i = r.as<IntImm>()) return i->value;
        throw npu::ScheduleError(what + " '" + to_str(r) + "' is not a constant");
    }

    npu::Expr convert(const Expr& e, const std::string& func) {
        return to_npu_expr(lets_.resolve(e), loop_vars_, func);
    }

    std::string token(const Expr& sem) {
        const Variable* v = sem.as<Variable>();
        if (!v) throw npu::InternalError("semaphore is not a variable: " + to_str(sem));
        if (!tokens_.count(v->name)) throw npu::InternalError("semaphore used before init: " + v->name);
        return pretty_name(v->name);
    }

    void evaluate(const Evaluate* e, npu::Block& out) {
        const Call* c = e->value.as<Call>();
        if (!c) return;  // a constant: a no-op left by simplification
        if (c->name == "halide_semaphore_init") {
            const Variable* v = c->args[0].as<Variable>();
            if (!v) throw npu::InternalError("semaphore init of a non-variable");
            // Halide creates the semaphore where it is needed (inside the loop whose iterations
            // each need a fresh one); so does the token statement.
            tokens_.insert(v->name);
            out.push_back(npu::Token{pretty_name(v->name), const_int(c->args[1], "semaphore initial value")});
            return;
        }
        if (c->name == "halide_semaphore_release") {
            out.push_back(npu::Signal{token(c->args[0]), convert(c->args[1], "semaphore " + token(c->args[0]))});
            return;
        }
        throw npu::ScheduleError("call '" + c->name + "' cannot run on the NPU");
    }

    void collect_fork(const Stmt& s, npu::Fork& f) {
        if (const Fork* k = s.as<Fork>()) {
            collect_fork(k->first, f);
            collect_fork(k->rest, f);
            return;
        }
        npu::Block thread;
        walk(s, thread);
        f.threads.push_back(std::move(thread));
    }

    Expr upper_bound(Expr e) {
        for (auto it = ranges_.rbegin(); it != ranges_.rend(); ++it) {
            Scope<Interval> scope;
            scope.push(it->first, it->second);
            Interval i = bounds_of_expr_in_scope(e, scope);
            if (!i.has_upper_bound()) return Expr();
            e = simplify(i.max);
        }
        return e;
    }

    void allocate(const Allocate* a) {
        std::string func = pretty_name(a->name);
        std::string level;
        if (a->memory_type == MemoryType::VTCM)
            level = "l1";
        else if (a->memory_type == MemoryType::LockedCache)
            level = "acc";
        else {
            // Halide's inline reductions make a Func of their own, which no schedule names.
            const bool inline_reduction = func == "sum" || func == "maximum" || func == "minimum" ||
                                          func == "product" || func == "argmax" || func == "argmin";
            throw npu::ScheduleError(
                "Func " + func + " is stored in " + memory_type_name(a->memory_type) +
                " memory, which the NPU does not have: place it on chip with .store_in(MemoryType::VTCM) "
                "(operand SRAM, level l1) or .store_in(MemoryType::LockedCache) (accumulator SRAM, level acc)" +
                (inline_reduction ? ". '" + func + "' is the Func an inline reduction (" + func +
                                        "(...) over an RDom) makes: write the reduction as a Func with an update "
                                        "definition over the RDom, which the schedule can place"
                                  : std::string()));
        }
        Expr size = make_const(Int(64), a->type.bytes());
        for (const Expr& e : a->extents)
            size = size * cast<int64_t>(e);
        Expr bound = upper_bound(lets_.resolve(size));
        const IntImm* b = bound.defined() ? bound.as<IntImm>() : nullptr;
        if (!b)
            throw npu::ScheduleError("Func " + func + ": SRAM size " + to_str(lets_.resolve(size)) +
                                     " has no constant bound");
        npu::DType dt = npu_dtype(a->type, "Func " + func);
        auto it = sram_index_.find(a->name);
        if (it == sram_index_.end()) {
            for (const auto& buf : program.sram)
                if (buf.name == func) func = a->name;  // two Funcs share a readable name: keep Halide's
            sram_index_[a->name] = program.sram.size();
            program.sram.push_back({func, level, dt, b->value});
        } else {
            // Loop partitioning re-allocates the same Func for the tail: one buffer, largest size.
            auto& buf = program.sram[it->second];
            buf.bytes = std::max(buf.bytes, b->value);
        }
    }

    static const char* memory_type_name(MemoryType t) {
        switch (t) {
            case MemoryType::Auto:
                return "Auto (heap/stack)";
            case MemoryType::Heap:
                return "Heap";
            case MemoryType::Stack:
                return "Stack";
            case MemoryType::Register:
                return "Register";
            default:
                return "a non-NPU";
        }
    }

    void control_loop(const For* f, npu::Block& out) {
        npu::Loop loop;
        loop.var = pretty_name(f->name);
        loop.min = convert(f->min, f->name);
        loop.extent = convert(f->extent, f->name);
        loop.parallel = f->for_type == ForType::Parallel;
        if (f->for_type != ForType::Serial && f->for_type != ForType::Parallel)
            throw npu::ScheduleError("loop " + pretty_name(f->name) +
                                     " is vectorized, unrolled or GPU-mapped around NPU instructions; only serial "
                                     "and parallel (spread over cores) loops can be");
        Expr lo = lets_.resolve(f->min), ext = lets_.resolve(f->extent);
        loop_vars_.push_back(f->name);
        ranges_.emplace_back(f->name, Interval(lo, simplify(lo + ext - 1)));
        walk(f->body, loop.body);
        ranges_.pop_back();
        loop_vars_.pop_back();
        out.push_back(std::move(loop));
    }

    const npu::Tensor* tensor(const std::string& halide_name) const {
        for (const auto& b : buffers_)
            if (b.halide_name == halide_name) return &b.tensor;
        return nullptr;
    }
    bool on_chip(const std::string& name) const { return sram_index_.count(name) > 0; }

    // One instruction: a nest of loops (no control inside) ending in a single Store. A schedule
    // error says where: the enclosing program loop and the nest's own loops.
    void leaf(std::vector<LeafLoop> loops, const Stmt& s, npu::Block& out) {
        try {
            leaf_instruction(std::move(loops), s, out);
        } catch (const npu::ScheduleError& e) {
            std::string nest;
            for (Stmt cur = s; const For* f = cur.as<For>(); cur = f->body)
                nest += (nest.empty() ? "" : ", ") + pretty_name(f->name);
            throw npu::ScheduleError(std::string(e.what()) + " [in " +
                                     (loop_vars_.size() == n_params_
                                          ? std::string("no program loop")
                                          : "program loop " + pretty_name(loop_vars_.back())) +
                                     (nest.empty() ? "" : "; the instruction's loops: " + nest) + "]");
        }
    }

    void leaf_instruction(std::vector<LeafLoop> loops, const Stmt& s, npu::Block& out) {
        std::vector<std::pair<std::string, Expr>> inner_lets;
        Stmt cur = s;
        while (true) {
            if (const For* f = cur.as<For>()) {
                loops.push_back({f->name, f->min, f->extent});
                cur = f->body;
            } else if (const LetStmt* l = cur.as<LetStmt>()) {
                inner_lets.emplace_back(l->name, l->value);
                cur = l->body;
            } else {
                break;
            }
        }
        const Store* st = cur.as<Store>();
        if (!st) {
            std::ostringstream os;
            os << cur;
            throw npu::ScheduleError("a loop nest the NPU cannot map to one instruction (expected a single store): " +
                                     os.str().substr(0, 300));
        }
        // Resolve inner lets (innermost first), then the enclosing ones.
        auto resolve = [&](Expr e) {
            for (auto it = inner_lets.rbegin(); it != inner_lets.rend(); ++it)
                if (expr_uses_var(e, it->first)) e = substitute(it->first, it->second, e);
            return lets_.resolve(e);
        };
        for (LeafLoop& l : loops) {
            l.min = resolve(l.min);
            l.extent = resolve(l.extent);
        }
        std::string func = pretty_name(st->name);
        if (st->value.type().is_vector())
            throw npu::ScheduleError("Func " + func + " is stored " + std::to_string(st->value.type().lanes()) +
                                     " lanes at a time (a vectorize() in the schedule): the compiler makes each "
                                     "tile loop nest one vector-unit instruction by itself; remove the vectorize");
        Expr index = resolve(st->index);
        Expr value = resolve(st->value);

        const npu::Tensor* dst_tensor = tensor(st->name);
        if (dst_tensor) {
            if (!dst_tensor->is_output) throw npu::ScheduleError("the pipeline writes its input '" + st->name + "'");
            const Load* src = value.as<Load>();
            if (!src || !on_chip(src->name))
                throw npu::ScheduleError("output " + func +
                                         " is computed directly in DRAM; compute it in an on-chip Func "
                                         "(store_in(MemoryType::VTCM)) so the NPU can copy it out with a DMA");
            npu::DmaOut d;
            d.sram = program.sram[sram_index_[src->name]].name;
            d.sram_offset = byte_offset(src->index, loops, src->type, func);
            d.tensor = dst_tensor->name;
            d.offset = byte_offset(index, loops, st->value.type(), func);
            d.box = box(index, loops, st->value.type(), func, st->name);
            d.func = func;
            out.push_back(std::move(d));
            return;
        }
        if (!on_chip(st->name)) throw npu::InternalError("store to unknown buffer " + st->name);

        // A copy from DRAM: a DMA in. An index that reads on-chip data (row ids) is a gather.
        if (const Load* src = value.as<Load>(); src && tensor(src->name)) {
            npu::DmaIn d;
            d.tensor = tensor(src->name)->name;
            const Expr src_index = without_data(src->index, &d.gather);
            d.offset = byte_offset(src_index, loops, src->type, func);
            d.box = box(src_index, loops, src->type, func, src->name);
            d.sram = program.sram[sram_index_[st->name]].name;
            d.sram_offset = byte_offset(index, loops, st->value.type(), func);
            d.func = func;
            out.push_back(std::move(d));
            return;
        }
        const std::vector<const Load*> loads = collect_loads(value);
        for (const Load* l : loads)
            if (!on_chip(l->name))
                throw npu::ScheduleError(
                    "Func " + func + " reads '" + pretty_name(l->name) +
                    "' from DRAM inside its compute loops; the NPU computes only on chip. Stage it, "
                    "e.g. " +
                    pretty_name(l->name) + ".in().compute_at(...).store_in(MemoryType::VTCM)");
        if (matmul(st, index, value, loops, func, out)) return;
        npu::Vector v;
        v.dtype = npu_dtype(st->value.type(), "Func " + func);
        v.output = program.sram[sram_index_[st->name]].name;
        std::set<std::string> seen;
        for (const Load* l : loads)
            if (seen.insert(l->name).second) v.inputs.push_back(program.sram[sram_index_[l->name]].name);
        v.ops = reduction_ops(st, index, value, loops, func);
        if (v.ops.empty()) v.ops = vector_ops(value, func);
        v.elements = elements(loops, func);
        v.func = func;
        out.push_back(std::move(v));
    }

    // f[i] = f[i] + g(..) or max/min(f[i], g(..)) over a loop that does not index f: the ops of g,
    // then reduce_sum or reduce_max. Empty if the store is not such a fold.
    std::vector<npu::VectorOp> reduction_ops(const Store* st, const Expr& index, const Expr& value,
                                             const std::vector<LeafLoop>& loops, const std::string& func) {
        bool folds = false;
        for (const LeafLoop& l : loops)
            folds = folds || !expr_uses_var(index, l.var);
        if (!folds) return {};
        auto self = [&](const Expr& e) {
            const Load* l = e.as<Load>();
            return l && l->name == st->name && equal(simplify(l->index - index), make_zero(index.type()));
        };
        Expr rest;
        npu::VectorOp fold{};
        auto match = [&](const Expr& a, const Expr& b, npu::VectorOp op) {
            if (self(a))
                rest = b;
            else if (self(b))
                rest = a;
            else
                return false;
            fold = op;
            return true;
        };
        bool ok = false;
        if (const Add* a = value.as<Add>())
            ok = match(a->a, a->b, npu::VectorOp::ReduceSum);
        else if (const Max* m = value.as<Max>())
            ok = match(m->a, m->b, npu::VectorOp::ReduceMax);
        else if (const Min* m = value.as<Min>())
            ok = match(m->a, m->b, npu::VectorOp::ReduceMax);
        if (!ok)
            throw npu::ScheduleError("Func " + func +
                                     ": its update reduces over a loop but is not a sum, max or min of "
                                     "itself and a term ('" +
                                     to_str(value).substr(0, 200) +
                                     "'); the vector unit reduces only by sum and max/min");
        std::vector<npu::VectorOp> ops = vector_ops(rest, func);
        if (ops.size() == 1 && ops[0] == npu::VectorOp::Copy) ops.clear();
        ops.push_back(fold);
        return ops;
    }

    // `index` with every load of an on-chip buffer (data: row ids) replaced by 0; `gather` names
    // that buffer. A load from DRAM inside an index cannot be expressed.
    Expr without_data(const Expr& index, std::string* gather) {
        class Replace : public IRMutator {
        public:
            Replace(const Walker& w, std::string* g) : w_(w), g_(g) {}
            using IRMutator::visit;
            Expr visit(const Load* l) override {
                if (!w_.on_chip(l->name))
                    throw npu::ScheduleError("an address reads '" + pretty_name(l->name) +
                                             "' from DRAM; stage it on chip first (.in().compute_at(...))");
                *g_ = w_.program.sram[w_.sram_index_.at(l->name)].name;
                return make_zero(l->type);
            }

        private:
            const Walker& w_;
            std::string* g_;
        } r(*this, gather);
        return simplify(r.mutate(index));
    }

    npu::Expr elements(const std::vector<LeafLoop>& loops, const std::string& func) {
        npu::Expr n(int64_t{1});
        for (const LeafLoop& l : loops)
            n = n * to_npu_expr(l.extent, loop_vars_, func);
        return n;
    }

    // Byte offset of the nest's first element: the index with every leaf variable at its minimum.
    npu::Expr byte_offset(const Expr& index, const std::vector<LeafLoop>& loops, const Type& t,
                          const std::string& func) {
        Expr e = index;
        for (auto it = loops.rbegin(); it != loops.rend(); ++it)
            e = substitute(it->var, it->min, e);
        e = simplify(cast<int64_t>(e) * t.bytes());
        return to_npu_expr(e, loop_vars_, func);
    }

    std::vector<npu::BoxDim> box(const Expr& index, const std::vector<LeafLoop>& loops, const Type& t,
                                 const std::string& func, const std::string& buffer) {
        std::vector<npu::BoxDim> dims;
        for (auto it = loops.rbegin(); it != loops.rend(); ++it) {  // innermost first
            Expr stride = simplify(substitute(it->var, Variable::make(Int(32), it->var) + 1, index) - index);
            const IntImm* s = stride.as<IntImm>();
            if (!s)
                throw npu::ScheduleError("Func " + func + ": the access to DRAM tensor '" + buffer +
                                         "' is not a strided box (stride along " + pretty_name(it->var) + " is '" +
                                         to_str(stride) + "')");
            dims.push_back({to_npu_expr(it->extent, loop_vars_, func), s->value * t.bytes()});
        }
        if (dims.empty()) dims.push_back({npu::Expr(int64_t{1}), t.bytes()});
        return dims;
    }

    // acc[i] = acc[i] + cast(A[..]) * cast(B[..]) with every operand on chip.
    bool matmul(const Store* st, const Expr& index, const Expr& value, const std::vector<LeafLoop>& loops,
                const std::string& func, npu::Block& out) {
        const Add* add = value.as<Add>();
        if (!add) return false;
        const Load* acc = add->a.as<Load>();
        const Mul* mul = add->b.as<Mul>();
        if (!acc) {
            acc = add->b.as<Load>();
            mul = add->a.as<Mul>();
        }
        if (!acc || !mul || acc->name != st->name || !equal(simplify(acc->index - index), make_zero(index.type())))
            return false;
        // An operand is a load from SRAM, cast (exactly) or not, or a signed INT4 nibble of a staged
        // tile of packed bytes (int4_nibble above): the array then reads the packed bytes as an
        // INT4 operand (a native mixed-precision pair).
        bool p_int4 = false, q_int4 = false;
        auto operand = [](const Expr& e, bool* int4) -> const Load* {
            Expr v = e;
            while (const Cast* c = v.as<Cast>())  // f32(f16(int8)): the int8 weights are the operand
                v = c->value;
            if (const Load* l = v.as<Load>()) return l;
            if (const Load* l = int4_nibble(v)) {
                *int4 = true;
                return l;
            }
            return nullptr;
        };
        const Load* p = operand(mul->a, &p_int4);
        const Load* q = operand(mul->b, &q_int4);
        if (!p || !q || p->name == q->name) return false;  // x * x (a sum of squares) is vector work
        // A loop that indexes the accumulator and both operands, and none over a reduction
        // dimension: an elementwise multiply-add (acc[i] += x[i] * s[i], as when per-group sums are
        // scaled and added), vector work. (A MatMul whose K is 1 has no K loop left, and no such
        // loop either.)
        bool reduces = false, elementwise = false;
        for (const LeafLoop& l : loops) {
            const bool in_p = expr_uses_var(p->index, l.var), in_q = expr_uses_var(q->index, l.var);
            reduces = reduces || (!expr_uses_var(index, l.var) && in_p && in_q);
            elementwise = elementwise || (expr_uses_var(index, l.var) && in_p && in_q);
        }
        if (elementwise && !reduces) return false;
        npu::Expr m(int64_t{1}), n(int64_t{1}), k(int64_t{1});
        for (const LeafLoop& l : loops) {
            bool in_acc = expr_uses_var(index, l.var), in_p = expr_uses_var(p->index, l.var),
                 in_q = expr_uses_var(q->index, l.var);
            npu::Expr ext = to_npu_expr(l.extent, loop_vars_, func);
            if (in_acc && in_p && !in_q)
                m = m * ext;
            else if (in_acc && in_q && !in_p)
                n = n * ext;
            else if (!in_acc && in_p && in_q)
                k = k * ext;
            else
                throw npu::ScheduleError("Func " + func + ": loop " + pretty_name(l.var) +
                                         " does not index the MatMul operands as M, N or K (it indexes " +
                                         (in_acc ? "the accumulator " : "") + (in_p ? "operand 1 " : "") +
                                         (in_q ? "operand 2" : "") + "); batch dimensions need one MatMul per batch");
        }
        npu::MatMul mm;
        mm.m = m;
        mm.n = n;
        mm.k = k;
        mm.a = program.sram[sram_index_[p->name]].name;
        mm.b = program.sram[sram_index_[q->name]].name;
        mm.acc = program.sram[sram_index_[st->name]].name;
        mm.a_type = p_int4 ? npu::DType::Int4 : npu_dtype(p->type, "Func " + func);
        mm.b_type = q_int4 ? npu::DType::Int4 : npu_dtype(q->type, "Func " + func);
        mm.acc_type = npu_dtype(st->value.type(), "Func " + func);
        mm.func = func;
        out.push_back(std::move(mm));
        return true;
    }
};

}  // namespace

npu::Program lower_to_program(Pipeline pipeline, const std::vector<Argument>& args,
                              const std::vector<BufferBinding>& buffers, const std::string& name,
                              const std::vector<ParamBinding>& params) {
    Capture capture;
    pipeline.add_custom_lowering_pass(&capture, [] {});
    try {
        pipeline.compile_to_module(args, name, lowering_target());
    } catch (const Halide::CompileError& e) {
        pipeline.clear_custom_lowering_passes();
        throw npu::ScheduleError(std::string("Halide rejected the schedule: ") + e.what());
    } catch (const Halide::Error& e) {
        // An assertion inside Halide itself: a schedule Halide 14 accepts but cannot lower (a
        // vectorized loop around a Func computed inside it, for one).
        pipeline.clear_custom_lowering_passes();
        throw npu::ScheduleError(std::string("Halide could not lower the schedule: ") + e.what());
    }
    pipeline.clear_custom_lowering_passes();
    if (!capture.captured.defined()) throw npu::InternalError("the lowering pass did not run");
    Walker w(buffers, params);
    w.program.name = name;
    for (const auto& p : params)
        w.program.params.push_back(p.param);
    for (const auto& b : buffers)
        w.program.tensors.push_back(b.tensor);
    try {
        w.walk(capture.captured, w.program.body);
    } catch (const Halide::Error& e) {
        // Halide's own checks failing on a statement the walker rebuilt: a loop nest outside what
        // the walker maps (a Func computed per element, inside a vectorized loop, ...).
        throw npu::ScheduleError(
            "the lowered pipeline has a loop nest the compiler cannot map to NPU instructions "
            "(compute each Func at a tile loop, not per element or inside a vectorized loop): " +
            std::string(e.what()).substr(0, 300));
    }
    drop_accumulator_fills(w.program.body);
    return w.program;
}

}  // namespace npusim::compiler
