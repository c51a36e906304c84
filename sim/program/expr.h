#pragma once
// Integer expressions over loop variables. DMA offsets, loop bounds and instruction sizes in an
// npu::Program are expressions because Halide's tail handling makes them vary per iteration
// (e.g. `min(32, 80 - ko*32)`). Division and modulo round toward negative infinity, as Halide's do.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace npu {

class Expr {
public:
    // Lt, Le, Eq, Ne give 0 or 1; Select(c, a, b) is a if c != 0, else b (Halide's tail tiles).
    enum class Kind { Const, Var, Add, Sub, Mul, Div, Mod, Min, Max, Lt, Le, Eq, Ne, Select };

    Expr() : Expr(int64_t{0}) {}
    Expr(int64_t value);  // NOLINT(google-explicit-constructor): constants read naturally
    static Expr var(std::string name);
    static Expr binary(Kind kind, Expr a, Expr b);
    static Expr select(Expr cond, Expr a, Expr b);

    Kind kind() const { return node_->kind; }
    int64_t value() const { return node_->value; }
    const std::string& name() const { return node_->name; }
    const Expr& a() const { return node_->args[0]; }
    const Expr& b() const { return node_->args[1]; }
    const Expr& c() const { return node_->args[2]; }
    bool is_const() const { return kind() == Kind::Const; }

    std::string to_string() const;
    bool operator==(const Expr& o) const { return to_string() == o.to_string(); }
    // Collects the names of the variables the expression reads.
    void collect_vars(std::vector<std::string>& out) const;

private:
    struct Node {
        Kind kind;
        int64_t value = 0;
        std::string name;
        std::vector<Expr> args;
    };
    explicit Expr(std::shared_ptr<const Node> n) : node_(std::move(n)) {}
    std::shared_ptr<const Node> node_;
};

inline Expr operator+(Expr a, Expr b) {
    return Expr::binary(Expr::Kind::Add, std::move(a), std::move(b));
}
inline Expr operator-(Expr a, Expr b) {
    return Expr::binary(Expr::Kind::Sub, std::move(a), std::move(b));
}
inline Expr operator*(Expr a, Expr b) {
    return Expr::binary(Expr::Kind::Mul, std::move(a), std::move(b));
}

int64_t floor_div(int64_t a, int64_t b);
int64_t floor_mod(int64_t a, int64_t b);
// The binary operation of `kind` with overflow detection (false on overflow; x/0 and x%0 are 0, as
// in Halide).
bool apply_checked(Expr::Kind kind, int64_t x, int64_t y, int64_t* out);

// An expression compiled against a fixed list of variable slots, evaluated once per instruction
// issue; the simulator's inner loop. Slot i of `env` holds the value of variable i.
class BoundExpr {
public:
    BoundExpr() = default;
    // Throws ProgramError naming `where` if the expression reads a variable not in `slots`.
    BoundExpr(const Expr& e, const std::vector<std::string>& slots, const std::string& where);
    // Sets `overflow` (and returns 0) if any step overflows int64 or divides INT64_MIN by -1.
    int64_t eval(const int64_t* env, bool& overflow) const;
    bool is_const() const { return ops_.size() == 1 && ops_[0].op == Op::Const; }

private:
    static constexpr int kMaxDepth = 64;
    enum class Op : uint8_t { Const, Var, Add, Sub, Mul, Div, Mod, Min, Max, Lt, Le, Eq, Ne, Select };
    struct Instr {
        Op op;
        int64_t arg;  // constant value or slot index
    };
    std::vector<Instr> ops_;  // postfix order
};

}  // namespace npu
