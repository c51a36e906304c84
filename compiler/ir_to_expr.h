#pragma once
// Conversion of Halide index/extent expressions into npu::Expr, after the enclosing `let`s are
// substituted: only integer arithmetic over program loop variables survives into a Program.
#include <Halide.h>

#include <map>
#include <string>
#include <vector>

#include "sim/program/expr.h"

namespace npusim::compiler {

// `<f>_im_global_wrapper$0` (what Func::in() creates) reads as `<f>_in` in programs and errors.
std::string pretty_name(const std::string& halide_name);

// Let bindings in scope, innermost last; a name may be rebound.
class LetScope {
public:
    void push(const std::string& name, const Halide::Expr& value) { lets_.emplace_back(name, value); }
    void pop() { lets_.pop_back(); }
    // Substitutes every enclosing let (innermost first) and simplifies.
    Halide::Expr resolve(const Halide::Expr& e) const;

private:
    std::vector<std::pair<std::string, Halide::Expr>> lets_;
};

// Strips likely()/promise_clamped() wrappers and widening integer casts.
Halide::Expr strip_annotations(const Halide::Expr& e);

// Throws npu::ScheduleError naming `func` if `e` (already resolved) uses anything but integer
// constants, + - * / % min max and the variables in `loop_vars`.
npu::Expr to_npu_expr(const Halide::Expr& e, const std::vector<std::string>& loop_vars, const std::string& func);

}  // namespace npusim::compiler
