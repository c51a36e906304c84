#include "compiler/ir_to_expr.h"

#include <algorithm>
#include <regex>

#include "base/errors.h"

namespace npusim::compiler {

using namespace Halide;
using namespace Halide::Internal;

std::string pretty_name(const std::string& halide_name) {
    // Halide makes Func names unique per process by appending $N; programs should not depend on
    // how many pipelines were built before, so the suffix goes.
    static const std::regex wrapper(R"(([A-Za-z0-9_]+)_im(\$\d+)?_global_wrapper\$\d+)");
    static const std::regex unique_suffix(R"(\$\d+)");
    return std::regex_replace(std::regex_replace(halide_name, wrapper, "$1_in"), unique_suffix, "");
}

Expr LetScope::resolve(const Expr& e) const {
    Expr out = e;
    for (auto it = lets_.rbegin(); it != lets_.rend(); ++it)
        if (expr_uses_var(out, it->first)) out = substitute(it->first, it->second, out);
    return simplify(strip_annotations(out));
}

namespace {

class StripAnnotations : public IRMutator {
    using IRMutator::visit;
    Expr visit(const Call* c) override {
        if (c->is_intrinsic(Call::likely) || c->is_intrinsic(Call::likely_if_innermost) ||
            c->is_intrinsic(Call::promise_clamped) || c->is_intrinsic(Call::unsafe_promise_clamped))
            return mutate(c->args[0]);
        return IRMutator::visit(c);
    }
};

}  // namespace

Expr strip_annotations(const Expr& e) {
    return StripAnnotations().mutate(e);
}

npu::Expr to_npu_expr(const Expr& e, const std::vector<std::string>& loop_vars, const std::string& func) {
    auto fail = [&]() -> npu::Expr {
        std::ostringstream s;
        s << e;
        throw npu::ScheduleError("Func " + pretty_name(func) + ": the expression '" + s.str() +
                                 "' cannot be expressed in an npu::Program (integer arithmetic, comparisons and select "
                                 "over loop variables only); fix the shapes with set_bounds/set_stride and avoid "
                                 "data-dependent bounds");
    };
    auto rec = [&](const Expr& x) { return to_npu_expr(x, loop_vars, func); };
    if (const IntImm* i = e.as<IntImm>()) return npu::Expr(i->value);
    if (const UIntImm* u = e.as<UIntImm>()) {
        if (u->value > static_cast<uint64_t>(INT64_MAX)) fail();
        return npu::Expr(static_cast<int64_t>(u->value));
    }
    if (const Variable* v = e.as<Variable>()) {
        if (std::find(loop_vars.begin(), loop_vars.end(), v->name) == loop_vars.end()) fail();
        return npu::Expr::var(pretty_name(v->name));
    }
    if (const Cast* c = e.as<Cast>()) {
        if (!c->type.is_int_or_uint() || !c->value.type().is_int_or_uint()) fail();
        return rec(c->value);
    }
    using K = npu::Expr::Kind;
    if (const Add* o = e.as<Add>()) return npu::Expr::binary(K::Add, rec(o->a), rec(o->b));
    if (const Sub* o = e.as<Sub>()) return npu::Expr::binary(K::Sub, rec(o->a), rec(o->b));
    if (const Mul* o = e.as<Mul>()) return npu::Expr::binary(K::Mul, rec(o->a), rec(o->b));
    if (const Div* o = e.as<Div>()) return npu::Expr::binary(K::Div, rec(o->a), rec(o->b));
    if (const Mod* o = e.as<Mod>()) return npu::Expr::binary(K::Mod, rec(o->a), rec(o->b));
    if (const Min* o = e.as<Min>()) return npu::Expr::binary(K::Min, rec(o->a), rec(o->b));
    if (const Max* o = e.as<Max>()) return npu::Expr::binary(K::Max, rec(o->a), rec(o->b));
    if (const LT* o = e.as<LT>()) return npu::Expr::binary(K::Lt, rec(o->a), rec(o->b));
    if (const LE* o = e.as<LE>()) return npu::Expr::binary(K::Le, rec(o->a), rec(o->b));
    if (const GT* o = e.as<GT>()) return npu::Expr::binary(K::Lt, rec(o->b), rec(o->a));
    if (const GE* o = e.as<GE>()) return npu::Expr::binary(K::Le, rec(o->b), rec(o->a));
    if (const EQ* o = e.as<EQ>()) return npu::Expr::binary(K::Eq, rec(o->a), rec(o->b));
    if (const NE* o = e.as<NE>()) return npu::Expr::binary(K::Ne, rec(o->a), rec(o->b));
    if (const Select* o = e.as<Select>())
        return npu::Expr::select(rec(o->condition), rec(o->true_value), rec(o->false_value));
    return fail();
}

}  // namespace npusim::compiler
