#include "compiler/program_passes.h"

#include <algorithm>

namespace npusim::compiler {

namespace {

// The first instruction after `from` in program order (depth first) that touches SRAM buffer `buf`.
const npu::Node* next_use(const npu::Block& b, size_t from, const std::string& buf) {
    for (size_t i = from; i < b.size(); ++i) {
        const npu::Node& n = b[i];
        const npu::Node* found = nullptr;
        if (auto* l = std::get_if<npu::Loop>(&n)) {
            found = next_use(l->body, 0, buf);
        } else if (auto* f = std::get_if<npu::Fork>(&n)) {
            for (const auto& t : f->threads)
                if (!found) found = next_use(t, 0, buf);
        } else if (auto* c = std::get_if<npu::If>(&n)) {
            found = next_use(c->then_body, 0, buf);
            if (!found) found = next_use(c->else_body, 0, buf);
        } else if (auto* d = std::get_if<npu::DmaIn>(&n)) {
            if (d->sram == buf) found = &n;
        } else if (auto* o = std::get_if<npu::DmaOut>(&n)) {
            if (o->sram == buf) found = &n;
        } else if (auto* m = std::get_if<npu::MatMul>(&n)) {
            if (m->a == buf || m->b == buf || m->acc == buf) found = &n;
        } else if (auto* v = std::get_if<npu::Vector>(&n)) {
            if (v->output == buf || std::find(v->inputs.begin(), v->inputs.end(), buf) != v->inputs.end()) found = &n;
        }
        if (found) return found;
    }
    return nullptr;
}

}  // namespace

void drop_accumulator_fills(npu::Block& b) {
    for (size_t i = 0; i < b.size();) {
        npu::Node& n = b[i];
        if (auto* l = std::get_if<npu::Loop>(&n)) drop_accumulator_fills(l->body);
        if (auto* f = std::get_if<npu::Fork>(&n))
            for (auto& t : f->threads)
                drop_accumulator_fills(t);
        if (auto* c = std::get_if<npu::If>(&n)) {
            drop_accumulator_fills(c->then_body);
            drop_accumulator_fills(c->else_body);
        }
        const auto* v = std::get_if<npu::Vector>(&n);
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
