#include "compiler/program_passes.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

namespace npusim::compiler {

namespace {

using npu::Overloaded;

// Whether instruction `n` reads or writes SRAM buffer `buf`. Every alternative is spelled out, so
// a new instruction does not compile until it says which buffers it uses.
bool touches(const npu::Node& n, const std::string& buf) {
    auto reads = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), buf) != v.end(); };
    return std::visit(Overloaded{[](const npu::Loop&) { return false; },  // blocks, not instructions
                                 [](const npu::Fork&) { return false; }, [](const npu::If&) { return false; },
                                 [](const npu::Token&) { return false; }, [](const npu::Signal&) { return false; },
                                 [](const npu::Wait&) { return false; },
                                 [&](const npu::DmaIn& d) { return d.sram == buf || d.gather == buf; },
                                 [&](const npu::DmaOut& d) { return d.sram == buf; },
                                 [&](const npu::MatMul& m) { return m.a == buf || m.b == buf || m.acc == buf; },
                                 [&](const npu::Vector& v) { return v.output == buf || reads(v.inputs); }},
                      n);
}

// Calls `f` on each block nested in `n` (a loop's body, a fork's threads, an if's branches), in
// program order; an instruction nests none.
template <typename NodeT, typename F>
void for_each_nested_block(NodeT& n, F&& f) {
    std::visit(
        [&](auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, npu::Loop>) {
                f(x.body);
            } else if constexpr (std::is_same_v<T, npu::Fork>) {
                for (auto& t : x.threads)
                    f(t);
            } else if constexpr (std::is_same_v<T, npu::If>) {
                f(x.then_body);
                f(x.else_body);
            }
        },
        n);
}

// The first instruction after `from` in program order (depth first) that touches SRAM buffer `buf`.
const npu::Node* next_use(const npu::Block& b, size_t from, const std::string& buf) {
    for (size_t i = from; i < b.size(); ++i) {
        if (touches(b[i], buf)) return &b[i];
        const npu::Node* found = nullptr;
        for_each_nested_block(b[i], [&](const npu::Block& inner) {
            if (!found) found = next_use(inner, 0, buf);
        });
        if (found) return found;
    }
    return nullptr;
}

}  // namespace

void drop_accumulator_fills(npu::Block& b) {
    for (size_t i = 0; i < b.size();) {
        for_each_nested_block(b[i], [](npu::Block& inner) { drop_accumulator_fills(inner); });
        const auto* v = std::get_if<npu::Vector>(&b[i]);
        bool drop = false;
        if (v && v->ops.size() == 1 && v->ops[0] == npu::VectorOp::Fill) {
            const npu::Node* use = next_use(b, i + 1, v->output);
            const auto* mm = use ? std::get_if<npu::MatMul>(use) : nullptr;
            drop = mm && mm->acc == v->output && mm->a != v->output && mm->b != v->output;
        }
        if (drop)
            b.erase(b.begin() + static_cast<std::ptrdiff_t>(i));
        else
            ++i;
    }
}

}  // namespace npusim::compiler
