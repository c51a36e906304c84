#include "flow/kernel_flow.h"

#include <list>
#include <memory>
#include <mutex>

#include "base/errors.h"
#include "compiler/ir_queries.h"
#include "compiler/lower_to_program.h"
#include "flow/runtime_cost.h"
#include "sim/simulator.h"

using namespace npusim::schedules;

namespace npusim::flow {

using namespace Halide;

namespace {

// A small LRU cache. Halide lowering (~0.1 s) and JIT compilation (~0.5 s) dominate repeated runs.
template <typename V>
class Lru {
public:
    explicit Lru(size_t cap) : cap_(cap) {}
    V* find(const std::string& key) {
        for (auto it = items_.begin(); it != items_.end(); ++it)
            if (it->first == key) {
                items_.splice(items_.begin(), items_, it);
                return &items_.front().second;
            }
        return nullptr;
    }
    V& insert(const std::string& key, V v) {
        items_.emplace_front(key, std::move(v));
        if (items_.size() > cap_) items_.pop_back();
        return items_.front().second;
    }

private:
    size_t cap_;
    std::list<std::pair<std::string, V>> items_;
};

// Halide's global state (unique names, JIT) is not meant for concurrent pipelines.
std::mutex& halide_lock() {
    static std::mutex m;
    return m;
}

uint64_t align_up(uint64_t x, uint64_t a) {
    return (x + a - 1) / a * a;
}

std::vector<int64_t> dense_strides(const std::vector<int64_t>& shape, int64_t pitch) {
    std::vector<int64_t> st(shape.size(), 1);
    for (size_t d = 1; d < shape.size(); ++d)
        st[d] = (d == 1 && pitch ? pitch : st[d - 1] * shape[d - 1]);
    return st;
}

// Fixes extents and strides so the lowered IR has constant strides (docs/architecture.md,
// Compiler: Halide 14 facts).
template <typename Dims>
void fix_dims(Dims dims_of, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
    for (size_t d = 0; d < shape.size(); ++d)
        dims_of(static_cast<int>(d)).set_bounds(0, static_cast<int>(shape[d])).set_stride(static_cast<int>(strides[d]));
}

const char* kOutputTensor = "out";

CompileStats stats;  // guarded by halide_lock()

bool is_runtime_dim(const Kernel& k, const std::string& dim) {
    for (const RuntimeDim& r : k.runtime_dims())
        if (r.dim == dim) return true;
    return false;
}

// The call's values of the program's run-time parameters.
void bind_params(const KernelCall& c, npu::Program& p) {
    for (npu::Param& q : p.params)
        q.value = c.shape.at(q.name);
}

}  // namespace

KernelCall::KernelCall(const std::string& name, const Shape& s, const Knobs& k, const npu::NpuConfig& npu,
                       const Layout& l)
    : kernel(&find_kernel(name)), layout(l) {
    shape = complete_shape(*kernel, s);
    knobs = complete_knobs(*kernel, npu, shape, k);
    kernel->check(shape, knobs);
    if (layout.base_align < 1) throw npu::ShapeError("layout base_align must be at least 1");
    if (layout.base_offset < 0) throw npu::ShapeError("layout base_offset must not be negative");
}

std::string KernelCall::key() const {
    std::string k = kernel->name() + kernel->revision() + "|";
    for (const auto& [n, v] : shape)
        if (!is_runtime_dim(*kernel, n)) k += n + "=" + std::to_string(v) + ",";
    k += "|" + fields_text(knobs) + "|";
    for (const auto& [n, p] : layout.pitch)
        k += n + "=" + std::to_string(p) + ",";
    return k + std::to_string(layout.base_align) + "+" + std::to_string(layout.base_offset);
}

npu::Program compile_kernel(const KernelCall& c) {
    std::lock_guard<std::mutex> lock(halide_lock());
    static Lru<npu::Program> cache(64);
    const std::string key = c.key();
    if (npu::Program* hit = cache.find(key)) {
        npu::Program p = *hit;
        bind_params(c, p);
        return p;
    }

    ++stats.lowerings;
    KernelInstance inst = c.kernel->build(c.shape, c.knobs);
    std::vector<npu::Tensor> tensors;
    std::vector<compiler::BufferBinding> buffers;
    std::vector<Argument> args;
    auto pitch_of = [&](const std::string& name, const std::vector<int64_t>& shape) -> int64_t {
        auto it = c.layout.pitch.find(name);
        if (it == c.layout.pitch.end() || it->second == 0) return 0;
        if (shape.size() < 2 || it->second < shape[0])
            throw npu::ShapeError("layout " + name + "_pitch = " + std::to_string(it->second) +
                                  " is shorter than a row (" + std::to_string(shape[0]) + " elements)");
        return it->second;
    };
    for (const auto& [name, p] : c.layout.pitch) {
        bool known = name == kOutputTensor;
        for (const auto& in : inst.inputs)
            known = known || in.name() == name;
        if (!known) throw npu::ShapeError("layout names no tensor '" + name + "' of kernel " + c.kernel->name());
    }
    for (size_t i = 0; i < inst.inputs.size(); ++i) {
        ImageParam& in = inst.inputs[i];
        const auto& shape = inst.input_shapes[i];
        const auto strides = dense_strides(shape, pitch_of(in.name(), shape));
        fix_dims([&](int d) { return in.dim(d); }, shape, strides);
        tensors.push_back({in.name(), compiler::npu_dtype(in.type(), "tensor " + in.name()), shape, strides, 0, false});
        args.push_back(in);
    }
    {
        const auto& shape = inst.output_shape;
        const auto strides = dense_strides(shape, pitch_of(kOutputTensor, shape));
        fix_dims([&](int d) { return inst.output.output_buffer().dim(d); }, shape, strides);
        tensors.push_back({kOutputTensor,
                           compiler::npu_dtype(inst.output.output_types()[0], std::string("tensor ") + kOutputTensor),
                           shape, strides, 0, true});
    }
    // DRAM placement: tensors in argument order, each aligned then offset.
    uint64_t next = 0;
    for (npu::Tensor& t : tensors) {
        t.base =
            align_up(next, static_cast<uint64_t>(c.layout.base_align)) + static_cast<uint64_t>(c.layout.base_offset);
        const auto elem = static_cast<uint64_t>(npu::dtype_bits(t.dtype) / 8);
        next = t.base + static_cast<uint64_t>(t.strides.back() * t.shape.back()) * elem;
    }
    for (size_t i = 0; i < inst.inputs.size(); ++i)
        buffers.push_back({inst.inputs[i].name(), tensors[i]});
    buffers.push_back({inst.output.name(), tensors.back()});
    std::string name = c.kernel->name();
    for (const auto& [n, v] : c.shape)
        if (!is_runtime_dim(*c.kernel, n)) name += "_" + n + std::to_string(v);
    std::vector<compiler::ParamBinding> params;
    for (const RuntimeDim& r : c.kernel->runtime_dims()) {
        auto it = inst.params.find(r.dim);
        if (it == inst.params.end() || it->second.type() != Int(32))
            throw npu::ScheduleError(c.kernel->name() + ": run-time dimension " + r.dim +
                                     " needs an Int(32) Param in the kernel's params");
        Param<>& p = it->second;
        const int64_t* lo = p.min_value().defined() ? Internal::as_const_int(p.min_value()) : nullptr;
        params.push_back({p.name(), {r.dim, 0, lo ? *lo : 0, c.shape.at(r.capacity)}});
        args.push_back(p);
    }
    npu::Program prog = compiler::lower_to_program(Pipeline(inst.output), args, buffers, name, params);
    bind_params(c, prog);
    return cache.insert(key, std::move(prog));
}

CompileStats compile_stats() {
    std::lock_guard<std::mutex> lock(halide_lock());
    return stats;
}

npu::Report simulate_kernel(const KernelCall& c, const npu::NpuConfig& cfg, npu::TraceRecorder* trace) {
    npu::Report r;
    try {
        r = npu::simulate(compile_kernel(c), cfg, trace);
    } catch (const npu::SramOverflow& e) {
        throw npu::ScheduleError(e.diagnosis + " " + c.kernel->sram_remedy(c.shape, c.knobs));
    }
    r.runtime_s = single_op_graph_cost(cfg, r.seconds).seconds;
    return r;
}

namespace {

struct HostPipeline {
    KernelInstance inst;
    Pipeline pipeline;
};

KernelInstance dense_instance(const KernelCall& c, HostSchedule schedule = HostSchedule::Npu) {
    KernelInstance inst =
        schedule == HostSchedule::Cpu ? c.kernel->build_host(c.shape, c.knobs) : c.kernel->build(c.shape, c.knobs);
    for (size_t i = 0; i < inst.inputs.size(); ++i)
        fix_dims([&](int d) { return inst.inputs[i].dim(d); }, inst.input_shapes[i],
                 dense_strides(inst.input_shapes[i], 0));
    fix_dims([&](int d) { return inst.output.output_buffer().dim(d); }, inst.output_shape,
             dense_strides(inst.output_shape, 0));
    return inst;
}

// The call's pipeline JIT-compiled for the host; the last few are kept. Call with halide_lock held.
std::shared_ptr<HostPipeline> host_pipeline(const KernelCall& c, HostSchedule schedule = HostSchedule::Npu) {
    static Lru<std::shared_ptr<HostPipeline>> cache(48);  // a whole quantized model's kernels
    const std::string key = c.key() + (schedule == HostSchedule::Cpu ? " [cpu]" : "");
    if (auto* hit = cache.find(key)) return *hit;
    ++stats.host_jits;
    auto h = std::make_shared<HostPipeline>();
    h->inst = dense_instance(c, schedule);
    h->pipeline = Pipeline(h->inst.output);
    // strict_float: the float kernels' numerics are stated and tested, so no fast-math reassociation.
    try {
        h->pipeline.compile_jit(get_jit_target_from_environment().with_feature(Target::StrictFloat));
    } catch (const Halide::Error& e) {
        throw npu::ScheduleError(c.kernel->name() +
                                 ": Halide could not compile the pipeline for the host: " + e.what());
    }
    return cache.insert(key, h);
}

std::string shape_text(const std::vector<int64_t>& s) {
    std::string t;
    for (auto it = s.rbegin(); it != s.rend(); ++it)
        t += (t.empty() ? "" : ", ") + std::to_string(*it);
    return "[" + t + "]";
}

}  // namespace

std::vector<TensorInfo> kernel_inputs(const KernelCall& c) {
    std::lock_guard<std::mutex> lock(halide_lock());
    const KernelInstance& inst = host_pipeline(c)->inst;  // the pipeline run_kernel_host then uses
    std::vector<TensorInfo> v;
    for (size_t i = 0; i < inst.inputs.size(); ++i)
        v.push_back({inst.inputs[i].name(), inst.inputs[i].type(), inst.input_shapes[i]});
    return v;
}

Buffer<> run_kernel_host(const KernelCall& c, const std::vector<Buffer<>>& inputs, HostSchedule schedule) {
    std::lock_guard<std::mutex> lock(halide_lock());
    const std::shared_ptr<HostPipeline> h = host_pipeline(c, schedule);
    KernelInstance& inst = h->inst;
    if (inputs.size() != inst.inputs.size())
        throw npu::ShapeError(c.kernel->name() + " takes " + std::to_string(inst.inputs.size()) + " inputs, got " +
                              std::to_string(inputs.size()));
    for (size_t i = 0; i < inputs.size(); ++i) {
        const Buffer<>& b = inputs[i];
        const std::string& name = inst.inputs[i].name();
        std::vector<int64_t> got;
        for (int d = 0; d < b.dimensions(); ++d)
            got.push_back(b.dim(d).extent());
        if (b.type() != inst.inputs[i].type()) {
            std::ostringstream want, have;
            want << inst.inputs[i].type();
            have << b.type();
            throw npu::ShapeError(c.kernel->name() + " input " + name + " must be " + want.str() + ", got " +
                                  have.str());
        }
        if (got != inst.input_shapes[i])
            throw npu::ShapeError(c.kernel->name() + " input " + name + " must have shape " +
                                  shape_text(inst.input_shapes[i]) + ", got " + shape_text(got));
        for (int d = 0; d < b.dimensions(); ++d) {
            const auto want = dense_strides(inst.input_shapes[i], 0)[static_cast<size_t>(d)];
            if (b.dim(d).stride() != want)
                throw npu::ShapeError(c.kernel->name() + " input " + name + " must be dense (C-contiguous)");
        }
        inst.inputs[i].set(b);
    }
    for (auto& [dim, p] : inst.params)
        p.set<int32_t>(static_cast<int32_t>(c.shape.at(dim)));
    std::vector<int> extents(inst.output_shape.begin(), inst.output_shape.end());
    Buffer<> out(inst.output.output_types()[0], extents);
    try {
        h->pipeline.realize(out);
    } catch (const Halide::Error& e) {
        for (auto& in : inst.inputs)
            in.reset();
        // A pipeline reading past an input's bounds, for one (a kernel written in Python).
        throw npu::ShapeError(c.kernel->name() + ": the host run failed: " + e.what());
    }
    for (auto& in : inst.inputs)
        in.reset();
    return out;
}

}  // namespace npusim::flow
