#include "sim/control/prepared_program.h"

#include <algorithm>
#include <set>

#include "base/errors.h"

namespace npu {

namespace {

template <typename T>
int index_of(const std::vector<T>& v, const std::string& name, const char* what, const std::string& where) {
    for (size_t i = 0; i < v.size(); ++i)
        if (v[i].name == name) return static_cast<int>(i);
    throw ProgramError(where + ": unknown " + what + " '" + name + "'");
}

class Preparer {
public:
    // The parameters take the first variable slots, so every expression can read them.
    explicit Preparer(const Program& p) : p_(p) {
        for (const Param& q : p.params)
            vars_.push_back(q.name);
        max_vars = static_cast<int>(vars_.size());
    }

    // Tokens created in a block are visible for the rest of it, so the token scope is restored
    // on leaving; loop variables likewise.
    XBlock block(const Block& b) {
        const size_t tokens_before = tokens_.size();
        XBlock out;
        for (const Node& n : b)
            out.push_back(node(n));
        tokens_.resize(tokens_before);
        return out;
    }
    int max_vars = 0, max_tokens = 0;

private:
    const Program& p_;
    std::vector<std::string> vars_, tokens_;
    int counter_ = 0;

    BoundExpr bind(const Expr& e, const std::string& where) { return BoundExpr(e, vars_, where); }
    Origin origin(const std::string& where, const std::string& func) { return {where, func, vars_}; }

    int token_slot(const std::string& name, const std::string& where) {
        auto it = std::find(tokens_.rbegin(), tokens_.rend(), name);
        if (it == tokens_.rend())
            throw ProgramError(where + ": unknown token '" + name + "' (no `token " + name + "` in scope)");
        return static_cast<int>(tokens_.rend() - it - 1);
    }

    XNode node(const Node& n) {
        std::string where = "program '" + p_.name + "', instruction " + std::to_string(++counter_);
        return std::visit(
            Overloaded{
                [&](const Loop& l) -> XNode {
                    XLoop x;
                    where += " (loop " + l.var + ")";
                    x.where = where;
                    x.min = bind(l.min, where);
                    x.extent = bind(l.extent, where);
                    x.parallel = l.parallel;
                    if (static_cast<int>(vars_.size()) >= kMaxNesting)
                        throw ProgramError(where + ": loops nest deeper than " + std::to_string(kMaxNesting));
                    x.slot = static_cast<int>(vars_.size());
                    vars_.push_back(l.var);
                    max_vars = std::max(max_vars, static_cast<int>(vars_.size()));
                    x.body = block(l.body);
                    vars_.pop_back();
                    return x;
                },
                [&](const Fork& f) -> XNode {
                    if (f.threads.empty()) throw ProgramError(where + " (fork): a fork needs at least one thread");
                    XFork x;
                    for (const Block& t : f.threads)
                        x.threads.push_back(block(t));
                    return x;
                },
                [&](const If& c) -> XNode {
                    XIf x;
                    x.where = where + " (if)";
                    x.cond = bind(c.cond, x.where);
                    x.then_body = block(c.then_body);
                    x.else_body = block(c.else_body);
                    return x;
                },
                [&](const Token& t) -> XNode {
                    where += " (token " + t.name + ")";
                    if (t.init < 0) throw ProgramError(where + ": init must be >= 0");
                    if (static_cast<int>(tokens_.size()) >= 4 * kMaxNesting)
                        throw ProgramError(where + ": more than " + std::to_string(4 * kMaxNesting) +
                                           " tokens in scope");
                    tokens_.push_back(t.name);
                    max_tokens = std::max(max_tokens, static_cast<int>(tokens_.size()));
                    return XToken{static_cast<int>(tokens_.size()) - 1, t.init, t.name};
                },
                [&](const DmaIn& d) -> XNode {
                    if (!d.gather.empty())
                        index_of(p_.sram, d.gather, "SRAM buffer", where + " (dma_in " + d.tensor + " gather)");
                    return dma(false, d.tensor, d.offset, d.box, d.sram, d.sram_offset, d.func,
                               where + " (dma_in " + d.tensor + " -> " + d.sram + ")");
                },
                [&](const DmaOut& d) -> XNode {
                    return dma(true, d.tensor, d.offset, d.box, d.sram, d.sram_offset, d.func,
                               where + " (dma_out " + d.sram + " -> " + d.tensor + ")");
                },
                [&](const MatMul& m) -> XNode {
                    XMatMul x;
                    x.origin = origin(where + " (matmul)", m.func);
                    x.m = bind(m.m, x.origin.where);
                    x.n = bind(m.n, x.origin.where);
                    x.k = bind(m.k, x.origin.where);
                    x.a = index_of(p_.sram, m.a, "SRAM buffer", x.origin.where);
                    x.b = index_of(p_.sram, m.b, "SRAM buffer", x.origin.where);
                    x.acc = index_of(p_.sram, m.acc, "SRAM buffer", x.origin.where);
                    x.a_type = m.a_type;
                    x.b_type = m.b_type;
                    x.acc_type = m.acc_type;
                    return x;
                },
                [&](const Vector& v) -> XNode {
                    XVector x;
                    x.origin = origin(where + " (vector " + vector_ops_name(v.ops) + ")", v.func);
                    if (v.ops.empty())
                        throw ProgramError(x.origin.where + ": a vector instruction needs at least one op");
                    x.ops = v.ops;
                    x.elements = bind(v.elements, x.origin.where);
                    x.dtype = v.dtype;
                    for (const auto& in : v.inputs)
                        x.inputs.push_back(index_of(p_.sram, in, "SRAM buffer", x.origin.where));
                    x.output = index_of(p_.sram, v.output, "SRAM buffer", x.origin.where);
                    return x;
                },
                [&](const Signal& g) -> XNode { return sync(true, g.token, g.count, where); },
                [&](const Wait& w) -> XNode { return sync(false, w.token, w.count, where); },
            },
            n);
    }

    XSync sync(bool signal, const std::string& tok, const Expr& count, std::string where) {
        where += signal ? " (signal " + tok + ")" : " (wait " + tok + ")";
        if (count.is_const() && count.value() < 0)
            throw ProgramError(where + ": count must not be negative, got " + std::to_string(count.value()));
        return XSync{signal, token_slot(tok, where), bind(count, where), where};
    }

    XDma dma(bool out, const std::string& tensor, const Expr& offset, const std::vector<BoxDim>& box,
             const std::string& sram, const Expr& sram_offset, const std::string& func, const std::string& where) {
        XDma x;
        x.origin = origin(where, func);
        x.to_dram = out;
        x.tensor = index_of(p_.tensors, tensor, "tensor", where);
        x.sram = index_of(p_.sram, sram, "SRAM buffer", where);
        if (out != p_.tensors[static_cast<size_t>(x.tensor)].is_output)
            throw ProgramError(where + ": tensor '" + tensor + "' is " +
                               (out ? "an input; dma_out may only write outputs" : "an output; dma_in reads inputs"));
        x.offset = bind(offset, where);
        x.sram_offset = bind(sram_offset, where);
        if (box.empty() || box.size() > 8) throw ProgramError(where + ": a box has 1 to 8 dimensions");
        for (const BoxDim& d : box) {
            x.extents.push_back(bind(d.extent, where));
            x.strides.push_back(d.stride);
        }
        return x;
    }
};

}  // namespace

PreparedProgram prepare_program(const Program& p) {
    PreparedProgram out;
    out.program = &p;
    std::set<std::string> tensor_names;
    for (const Tensor& t : p.tensors) {
        std::string where = "program '" + p.name + "', tensor '" + t.name + "'";
        if (!tensor_names.insert(t.name).second) throw ProgramError(where + " is declared twice");
        if (t.shape.empty() || t.shape.size() != t.strides.size())
            throw ProgramError(where + ": shape and strides must have the same, non-zero, number of dimensions");
        if (t.dtype == DType::Int4)
            throw ProgramError(where + ": int4 DRAM tensors are not modelled yet; store packed int4 pairs as int8");
        if (t.shape.size() > 8) throw ProgramError(where + ": a tensor has at most 8 dimensions");
        uint64_t last = 0;
        bool overflow = false;
        for (size_t d = 0; d < t.shape.size(); ++d) {
            if (t.shape[d] <= 0 || t.shape[d] > (int64_t{1} << 40))
                throw ProgramError(where + ": extent " + std::to_string(t.shape[d]) + " of dimension " +
                                   std::to_string(d) + " is outside [1, 2^40]");
            if (t.strides[d] < 0 || t.strides[d] > (int64_t{1} << 40))
                throw ProgramError(where + ": stride " + std::to_string(t.strides[d]) + " is outside [0, 2^40]");
            uint64_t reach = 0;
            overflow |= __builtin_mul_overflow(static_cast<uint64_t>(t.shape[d] - 1),
                                               static_cast<uint64_t>(t.strides[d]), &reach);
            overflow |= __builtin_add_overflow(last, reach, &last);
        }
        const auto elem = static_cast<uint64_t>(dtype_bits(t.dtype) / 8);
        if (overflow || last >= (uint64_t{1} << 56) / elem)
            throw ProgramError(where + ": spans more than 2^56 bytes of DRAM");
        out.tensor_span.push_back((last + 1) * elem);
    }
    std::set<std::string> sram_names;
    for (const SramBuffer& s : p.sram) {
        SramLevel level;
        if (!sram_names.insert(s.name).second)
            throw ProgramError("program '" + p.name + "', SRAM buffer '" + s.name + "' is declared twice");
        if (!parse_sram_level(s.level, &level))
            throw ProgramError("program '" + p.name + "', SRAM buffer '" + s.name + "': unknown level '" + s.level +
                               "' (allowed: l1, acc, shared)");
        out.sram_level.push_back(level);
        if (s.bytes <= 0)
            throw ProgramError("program '" + p.name + "', SRAM buffer '" + s.name + "': bytes must be positive");
    }
    for (const Param& q : p.params) {
        const std::string w = "program '" + p.name + "', param " + q.name;
        if (q.min > q.max)
            throw ProgramError(w + ": min " + std::to_string(q.min) + " exceeds max " + std::to_string(q.max));
        if (q.value < q.min || q.value > q.max)
            throw ProgramError(w + " = " + std::to_string(q.value) + " is outside [" + std::to_string(q.min) + ", " +
                               std::to_string(q.max) + "], the range the program was compiled for");
        for (const Param& o : p.params)
            if (&o != &q && o.name == q.name) throw ProgramError(w + " is declared twice");
        out.param_values.push_back(q.value);
    }
    Preparer prep(p);
    out.body = prep.block(p.body);
    out.var_slots = prep.max_vars;
    out.token_slots = prep.max_tokens;
    return out;
}

}  // namespace npu
