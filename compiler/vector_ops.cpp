#include "compiler/vector_ops.h"

#include <sstream>

#include "base/errors.h"

namespace npusim::compiler {

using namespace Halide;
using namespace Halide::Internal;
using npu::VectorOp;

namespace {

bool is_power_of_two_const(const Expr& e) {
    const IntImm* i = e.as<IntImm>();
    const UIntImm* u = e.as<UIntImm>();
    const int64_t v = i ? i->value : u ? static_cast<int64_t>(u->value) : 0;
    return v > 0 && (v & (v - 1)) == 0;
}

// Math library calls by the stem of their name (Halide names them exp_f32, tanh_f16, ...).
bool math_op(const std::string& name, VectorOp* op) {
    const std::string stem = name.substr(0, name.rfind('_'));
    if (stem == "exp")
        *op = VectorOp::Exp;
    else if (stem == "sqrt" || stem == "inverse_sqrt" || stem == "fast_inverse_sqrt")
        *op = VectorOp::Rsqrt;
    else if (stem == "floor" || stem == "ceil" || stem == "round" || stem == "trunc")
        *op = VectorOp::Alu;
    else if (stem == "tanh" || stem == "log" || stem == "sin" || stem == "cos" || stem == "pow" || stem == "erf" ||
             stem == "atan" || stem == "sinh" || stem == "cosh" || stem == "asin" || stem == "acos")
        *op = VectorOp::Lut;  // transcendental functions: a table lookup plus interpolation
    else
        return false;
    return true;
}

class OpChain : public IRVisitor {
public:
    explicit OpChain(const std::string& func) : func_(func) {}
    std::vector<VectorOp> ops;
    bool shift_right = false, wide_mul = false;

    using IRVisitor::visit;

private:
    const std::string& func_;

    template <typename T>
    void binary(const T* op, VectorOp v) {
        IRVisitor::visit(op);
        ops.push_back(v);
    }
    void visit(const Load*) override {}  // the index is address arithmetic, done by the load unit
    void visit(const Add* op) override { binary(op, VectorOp::Add); }
    void visit(const Sub* op) override { binary(op, VectorOp::Sub); }
    void visit(const Mul* op) override {
        if (op->type.bits() >= 64) wide_mul = true;
        binary(op, VectorOp::Mul);
    }
    void visit(const Div* op) override {
        binary(op, op->type.is_float() || !is_power_of_two_const(op->b) ? VectorOp::Div : VectorOp::Alu);
    }
    void visit(const Mod* op) override {
        binary(op, op->type.is_float() || !is_power_of_two_const(op->b) ? VectorOp::Div : VectorOp::Alu);
    }
    void visit(const Min* op) override { binary(op, VectorOp::Min); }
    void visit(const Max* op) override { binary(op, VectorOp::Max); }
    void visit(const EQ* op) override { binary(op, VectorOp::Select); }
    void visit(const NE* op) override { binary(op, VectorOp::Select); }
    void visit(const LT* op) override { binary(op, VectorOp::Select); }
    void visit(const LE* op) override { binary(op, VectorOp::Select); }
    void visit(const GT* op) override { binary(op, VectorOp::Select); }
    void visit(const GE* op) override { binary(op, VectorOp::Select); }
    void visit(const And* op) override { binary(op, VectorOp::Alu); }
    void visit(const Or* op) override { binary(op, VectorOp::Alu); }
    void visit(const Not* op) override { binary(op, VectorOp::Alu); }
    void visit(const Select* op) override {
        // A comparison feeding the select is part of the same compare-and-pick.
        if (const auto* c = op->condition.as<LT>()) {
            c->a.accept(this);
            c->b.accept(this);
        } else if (const auto* c = op->condition.as<LE>()) {
            c->a.accept(this);
            c->b.accept(this);
        } else if (const auto* c = op->condition.as<EQ>()) {
            c->a.accept(this);
            c->b.accept(this);
        } else {
            op->condition.accept(this);
        }
        op->true_value.accept(this);
        op->false_value.accept(this);
        ops.push_back(VectorOp::Select);
    }
    void visit(const Cast* op) override {
        IRVisitor::visit(op);
        const Type from = op->value.type(), to = op->type;
        if (from.is_float() && !to.is_float())
            ops.push_back(VectorOp::Quantize);
        else if (!from.is_float() && to.is_float())
            ops.push_back(VectorOp::Dequantize);
    }
    void visit(const Call* op) override {
        IRVisitor::visit(op);
        if (op->is_intrinsic(Call::likely) || op->is_intrinsic(Call::likely_if_innermost) ||
            op->is_intrinsic(Call::promise_clamped) || op->is_intrinsic(Call::unsafe_promise_clamped) ||
            op->is_intrinsic(Call::strict_float) || op->is_intrinsic(Call::reinterpret))
            return;
        if (op->is_intrinsic(Call::shift_right)) shift_right = true;
        if (op->is_intrinsic(Call::shift_left) || op->is_intrinsic(Call::shift_right) ||
            op->is_intrinsic(Call::bitwise_and) || op->is_intrinsic(Call::bitwise_or) ||
            op->is_intrinsic(Call::bitwise_xor) || op->is_intrinsic(Call::bitwise_not)) {
            ops.push_back(VectorOp::Alu);
            return;
        }
        if (op->is_intrinsic(Call::abs) || op->is_intrinsic(Call::absd)) {
            ops.push_back(VectorOp::Max);
            return;
        }
        if (op->is_intrinsic(Call::div_round_to_zero) || op->is_intrinsic(Call::mod_round_to_zero)) {
            ops.push_back(VectorOp::Div);
            return;
        }
        VectorOp m;
        if ((op->call_type == Call::PureExtern || op->call_type == Call::Extern) && math_op(op->name, &m)) {
            ops.push_back(m);
            return;
        }
        throw npu::ScheduleError("Func " + func_ + ": the call '" + op->name +
                                 "' is not an operation of the NPU's vector unit (it has add, sub, mul, div, min, max, "
                                 "select, exp, rsqrt, table lookups for tanh/erf/log, shifts and casts)");
    }
};

}  // namespace

std::vector<VectorOp> vector_ops(const Expr& value, const std::string& func) {
    if (is_const(value)) return {VectorOp::Fill};
    OpChain c(func);
    value.accept(&c);
    // The fixed-point requantization chain (bias add, 64-bit multiply, rounding shift, clamp) is a
    // single op of integer NPUs' output stage.
    if (value.type().is_int() && value.type().bits() <= 8 && c.shift_right && c.wide_mul) return {VectorOp::Requantize};
    if (c.ops.empty()) return {VectorOp::Copy};  // a load, maybe widened or narrowed
    return c.ops;
}

}  // namespace npusim::compiler
