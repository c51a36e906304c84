#include "sim/program/expr.h"

#include <algorithm>

#include "base/errors.h"

namespace npu {

Expr::Expr(int64_t value) : node_(std::make_shared<Node>(Node{Kind::Const, value, {}, {}})) {}

Expr Expr::var(std::string name) {
    return Expr(std::make_shared<Node>(Node{Kind::Var, 0, std::move(name), {}}));
}

Expr Expr::binary(Kind kind, Expr a, Expr b) {
    // Fold constants so that printed programs stay readable and constant checks are cheap; an
    // overflowing fold or a division by zero is left for run time, which reports it.
    int64_t v = 0;
    if (a.is_const() && b.is_const() && apply_checked(kind, a.value(), b.value(), &v)) return Expr(v);
    return Expr(std::make_shared<Node>(Node{kind, 0, {}, {std::move(a), std::move(b)}}));
}

bool apply_checked(Expr::Kind kind, int64_t x, int64_t y, int64_t* out) {
    switch (kind) {
        case Expr::Kind::Add:
            return !__builtin_add_overflow(x, y, out);
        case Expr::Kind::Sub:
            return !__builtin_sub_overflow(x, y, out);
        case Expr::Kind::Mul:
            return !__builtin_mul_overflow(x, y, out);
        case Expr::Kind::Div:
        case Expr::Kind::Mod:
            if (y == 0) return false;  // reported like an overflow: no value is made up
            if (x == INT64_MIN && y == -1) return false;
            *out = kind == Expr::Kind::Div ? floor_div(x, y) : floor_mod(x, y);
            return true;
        case Expr::Kind::Min:
            *out = std::min(x, y);
            return true;
        case Expr::Kind::Max:
            *out = std::max(x, y);
            return true;
        case Expr::Kind::Lt:
            *out = x < y;
            return true;
        case Expr::Kind::Le:
            *out = x <= y;
            return true;
        case Expr::Kind::Eq:
            *out = x == y;
            return true;
        case Expr::Kind::Ne:
            *out = x != y;
            return true;
        default:
            return false;
    }
}

Expr Expr::select(Expr cond, Expr a, Expr b) {
    if (cond.is_const()) return cond.value() != 0 ? a : b;
    return Expr(std::make_shared<Node>(Node{Kind::Select, 0, {}, {std::move(cond), std::move(a), std::move(b)}}));
}

int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

int64_t floor_mod(int64_t a, int64_t b) {
    int64_t r = a % b;  // never overflows, unlike a - floor_div(a, b) * b
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

namespace {
const char* infix(Expr::Kind k) {
    switch (k) {
        case Expr::Kind::Add:
            return " + ";
        case Expr::Kind::Sub:
            return " - ";
        case Expr::Kind::Mul:
            return "*";
        case Expr::Kind::Div:
            return "/";
        case Expr::Kind::Mod:
            return " % ";
        case Expr::Kind::Lt:
            return " < ";
        case Expr::Kind::Le:
            return " <= ";
        case Expr::Kind::Eq:
            return " == ";
        case Expr::Kind::Ne:
            return " != ";
        default:
            return nullptr;
    }
}
}  // namespace

std::string Expr::to_string() const {
    switch (kind()) {
        case Kind::Const:
            return std::to_string(value());
        case Kind::Var:
            return name();
        case Kind::Min:
            return "min(" + a().to_string() + ", " + b().to_string() + ")";
        case Kind::Max:
            return "max(" + a().to_string() + ", " + b().to_string() + ")";
        case Kind::Select:
            return "select(" + a().to_string() + ", " + b().to_string() + ", " + c().to_string() + ")";
        default:
            // Fully parenthesised: unambiguous to parse back, no precedence rules to get wrong.
            return "(" + a().to_string() + infix(kind()) + b().to_string() + ")";
    }
}

void Expr::collect_vars(std::vector<std::string>& out) const {
    if (kind() == Kind::Var) {
        if (std::find(out.begin(), out.end(), name()) == out.end()) out.push_back(name());
        return;
    }
    for (const auto& arg : node_->args)
        arg.collect_vars(out);
}

BoundExpr::BoundExpr(const Expr& e, const std::vector<std::string>& slots, const std::string& where) {
    struct Compile {
        const std::vector<std::string>& slots;
        const std::string& where;
        std::vector<Instr>& ops;
        void operator()(const Expr& x) {
            switch (x.kind()) {
                case Expr::Kind::Const:
                    ops.push_back({Op::Const, x.value()});
                    return;
                case Expr::Kind::Var: {
                    // The innermost loop of that name wins, as with nested scopes.
                    auto it = std::find(slots.rbegin(), slots.rend(), x.name());
                    if (it == slots.rend())
                        throw ProgramError(where + ": variable '" + x.name() + "' is not an enclosing loop variable");
                    ops.push_back({Op::Var, static_cast<int64_t>(slots.rend() - it - 1)});
                    return;
                }
                default:
                    break;
            }
            (*this)(x.a());
            (*this)(x.b());
            if (x.kind() == Expr::Kind::Select) (*this)(x.c());
            ops.push_back({static_cast<Op>(static_cast<int>(x.kind())), 0});
        }
    };
    Compile{slots, where, ops_}(e);
    int depth = 0, max_depth = 0;
    for (const Instr& in : ops_) {
        depth += (in.op == Op::Const || in.op == Op::Var) ? 1 : in.op == Op::Select ? -2 : -1;
        max_depth = std::max(max_depth, depth);
    }
    if (max_depth > kMaxDepth)
        throw ProgramError(where + ": expression nests deeper than " + std::to_string(kMaxDepth) +
                           " levels: " + e.to_string());
}

int64_t BoundExpr::eval(const int64_t* env, bool& overflow) const {
    int64_t stack[kMaxDepth];
    int sp = 0;
    for (const Instr& in : ops_) {
        if (in.op == Op::Const) {
            stack[sp++] = in.arg;
            continue;
        }
        if (in.op == Op::Var) {
            stack[sp++] = env[in.arg];
            continue;
        }
        if (in.op == Op::Select) {
            sp -= 2;
            stack[sp - 1] = stack[sp - 1] != 0 ? stack[sp] : stack[sp + 1];
            continue;
        }
        const int64_t y = stack[--sp];
        int64_t& x = stack[sp - 1];
        // Op mirrors Expr::Kind value for value.
        if (!apply_checked(static_cast<Expr::Kind>(static_cast<int>(in.op)), x, y, &x)) {
            overflow = true;
            return 0;
        }
    }
    return stack[0];
}

}  // namespace npu
