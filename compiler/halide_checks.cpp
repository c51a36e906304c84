#include "compiler/halide_checks.h"

#include <sstream>

#include "base/errors.h"
#include "compiler/ir_to_expr.h"

namespace npusim::compiler {

using namespace Halide;
using namespace Halide::Internal;

namespace {

// The buffers as the program has them: no bounds query, each tensor's fixed shape and strides.
class FixedBuffers : public IRMutator {
public:
    explicit FixedBuffers(const std::vector<BufferBinding>& b) : buffers_(b) {}
    using IRMutator::visit;
    Expr visit(const Call* c) override {
        if (c->name == "_halide_buffer_is_bounds_query") return const_false();
        const bool min = c->name == "_halide_buffer_get_min", extent = c->name == "_halide_buffer_get_extent",
                   stride = c->name == "_halide_buffer_get_stride";
        const npu::Tensor* t = (min || extent || stride) && c->args.size() == 2 ? tensor_of(c->args[0]) : nullptr;
        const int64_t* d = t ? as_const_int(c->args[1]) : nullptr;
        if (!d || *d < 0 || *d >= static_cast<int64_t>(t->shape.size())) return IRMutator::visit(c);
        const auto i = static_cast<size_t>(*d);
        return make_const(c->type, min ? 0 : extent ? t->shape[i] : t->strides[i]);
    }

private:
    const npu::Tensor* tensor_of(Expr e) const {  // (halide_buffer_t *)x.buffer
        while (const Call* r = e.as<Call>()) {
            if (r->args.size() != 1) return nullptr;
            e = r->args[0];
        }
        if (const Cast* k = e.as<Cast>()) e = k->value;
        const Variable* v = e.as<Variable>();
        const std::string suffix = ".buffer";
        if (!v || v->name.size() < suffix.size() ||
            v->name.compare(v->name.size() - suffix.size(), suffix.size(), suffix))
            return nullptr;
        const std::string name = pretty_name(v->name.substr(0, v->name.size() - suffix.size()));
        for (const BufferBinding& b : buffers_)
            if (pretty_name(b.halide_name) == name) return &b.tensor;
        return nullptr;
    }
    const std::vector<BufferBinding>& buffers_;
};

std::string text(const Expr& e) {
    std::ostringstream os;
    os << e;
    return os.str();
}

}  // namespace

void refuse_failing_check(const AssertStmt* check, const std::function<Expr(const Expr&)>& resolve,
                          const std::vector<BufferBinding>& buffers) {
    FixedBuffers fixed(buffers);
    if (!is_const_zero(simplify(fixed.mutate(resolve(check->condition))))) return;
    const Call* c = check->message.as<Call>();
    const StringImm* who = c && c->args.size() == 6 ? c->args[0].as<StringImm>() : nullptr;
    auto arg = [&](int i) { return text(simplify(fixed.mutate(resolve(c->args[i])))); };
    // (name, dimension, then the valid and the accessed ranges in the order of each message)
    int valid = -1, used = -1;
    if (who && c->name == "halide_error_constraints_make_required_region_smaller") valid = 2, used = 4;
    if (who && c->name == "halide_error_access_out_of_bounds") used = 2, valid = 4;
    if (valid >= 0) {
        std::string name = who->value;
        for (const std::string prefix : {"Input buffer ", "Output buffer "})
            if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
        throw npu::ShapeError("the pipeline accesses '" + pretty_name(name) + "' at [" + arg(used) + ", " +
                              arg(used + 1) + "] of its dimension " + arg(1) +
                              " (innermost first), outside its extent [" + arg(valid) + ", " + arg(valid + 1) +
                              "]: the shape given for it does not fit the algorithm, or a tile is larger than the "
                              "dimension it splits");
    }
    throw npu::ShapeError("the pipeline fails Halide's check " + text(check->message).substr(0, 300) + " on every run");
}

}  // namespace npusim::compiler
