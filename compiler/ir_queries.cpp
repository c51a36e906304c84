#include "compiler/ir_queries.h"

#include <sstream>

#include "base/errors.h"

namespace npusim::compiler {

using namespace Halide;
using namespace Halide::Internal;

namespace {

class HasControl : public IRVisitor {
public:
    bool found = false;
    using IRVisitor::visit;
    void visit(const ProducerConsumer*) override { found = true; }
    void visit(const Allocate*) override { found = true; }
    void visit(const Fork*) override { found = true; }
    void visit(const Acquire*) override { found = true; }
    void visit(const Call* c) override {
        if (c->name == "halide_semaphore_release") found = true;
        IRVisitor::visit(c);
    }
};

}  // namespace

bool has_control(const Stmt& s) {
    HasControl h;
    s.accept(&h);
    return h.found;
}

bool bounds_inner_loops(const Stmt& s, const std::string& var, std::vector<std::pair<std::string, Expr>> lets) {
    auto uses = [&](Expr e) {
        for (auto it = lets.rbegin(); it != lets.rend(); ++it)
            if (expr_uses_var(e, it->first)) e = substitute(it->first, it->second, e);
        return expr_uses_var(e, var);
    };
    if (const LetStmt* l = s.as<LetStmt>()) {
        lets.emplace_back(l->name, l->value);
        return bounds_inner_loops(l->body, var, lets);
    }
    if (const For* f = s.as<For>()) return uses(f->min) || uses(f->extent) || bounds_inner_loops(f->body, var, lets);
    if (const Block* b = s.as<Block>())
        return bounds_inner_loops(b->first, var, lets) || bounds_inner_loops(b->rest, var, lets);
    return false;
}

std::vector<const Load*> collect_loads(const Expr& e) {
    class Collect : public IRVisitor {
    public:
        std::vector<const Load*> loads;
        using IRVisitor::visit;
        void visit(const Load* l) override {
            loads.push_back(l);
            IRVisitor::visit(l);
        }
    } c;
    e.accept(&c);
    return c.loads;
}

npu::DType npu_dtype(const Type& t, const std::string& what) {
    if (t.is_int() || t.is_uint()) {
        switch (t.bits()) {
            case 8:
                return npu::DType::Int8;
            case 16:
                return npu::DType::Int16;
            case 32:
                return npu::DType::Int32;
            case 64:
                return npu::DType::Int64;
            default:
                break;
        }
    }
    if (t.is_float() && t.bits() == 16) return npu::DType::Fp16;
    if (t.is_float() && t.bits() == 32) return npu::DType::Fp32;
    std::ostringstream s;
    s << t;
    throw npu::ScheduleError(what + ": element type " + s.str() + " is not an NPU type");
}

}  // namespace npusim::compiler
