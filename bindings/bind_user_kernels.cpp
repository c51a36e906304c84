// _npusim: kernels written in Python with Halide's own bindings (`import halide as hl`), added to
// the kernel registry for the session. The Funcs, ImageParams and Params the user's build function
// returns are the C++ objects themselves: this module shares pybind11's type registry with the
// `halide` module (bindings/CMakeLists.txt says how), so they arrive here as Halide::Func etc.
// and lower through the same flow as a built-in kernel. npusim/halide_kernels.py checks what the
// user returns and turns their mistakes into errors naming their Funcs and lines.
#include "bindings/convert.h"

namespace npusim::bindings {

namespace {

// A Python exception raised by the user's functions, as npusim's error of the same kind (the
// Python wrapper raises ShapeError or ScheduleError with the user's file and line); anything else
// is a ScheduleError naming the kernel. Call with the GIL held.
[[noreturn]] void rethrow(const std::string& kernel, py::error_already_set& e) {
    const std::string msg = py::str(e.value());
    py::module_ m = py::module_::import("npusim._npusim");
    if (e.matches(m.attr("ShapeError"))) throw npu::ShapeError(msg);
    if (e.matches(m.attr("ScheduleError"))) throw npu::ScheduleError(msg);
    if (e.matches(m.attr("UserError"))) throw npu::ScheduleError(msg);
    throw npu::ScheduleError("kernel " + kernel + ": " + std::string(py::str(e.type().attr("__name__"))) + ": " + msg);
}

class PythonKernel : public Kernel {
public:
    PythonKernel(std::string name, std::string summary, std::vector<ShapeDim> dims, std::vector<KnobSpec> knobs,
                 std::vector<RuntimeDim> runtime, py::object defaults, py::object build, std::string revision)
        : name_(std::move(name)),
          summary_(std::move(summary)),
          dims_(std::move(dims)),
          knobs_(std::move(knobs)),
          runtime_(std::move(runtime)),
          defaults_(std::move(defaults)),
          build_(std::move(build)),
          revision_(std::move(revision)) {}
    std::string name() const override { return name_; }
    std::string summary() const override { return summary_; }
    std::vector<ShapeDim> shape_dims() const override { return dims_; }
    std::vector<KnobSpec> knob_specs() const override { return knobs_; }
    std::vector<RuntimeDim> runtime_dims() const override { return runtime_; }
    std::string revision() const override { return "#" + revision_; }

    Knobs default_knobs(const npu::NpuConfig& npu, const Shape& shape) const override {
        py::gil_scoped_acquire gil;
        py::dict params;
        for (const auto& s : npu::param_specs())
            params[s.key] = npu::param_value(npu, s.key);
        try {
            return defaults_(params, shape).cast<Knobs>();
        } catch (py::error_already_set& e) {
            rethrow(name_, e);
        }
    }

    KernelInstance build(const Shape& shape, const Knobs& knobs) const override {
        py::gil_scoped_acquire gil;
        try {
            // (inputs, input shapes, output, output shape, params), shapes innermost first, as
            // npusim/halide_kernels.py checked them.
            py::tuple r = build_(shape, knobs);
            KernelInstance inst;
            inst.inputs = r[0].cast<std::vector<Halide::ImageParam>>();
            inst.input_shapes = r[1].cast<std::vector<std::vector<int64_t>>>();
            inst.output = r[2].cast<Halide::Func>();
            inst.output_shape = r[3].cast<std::vector<int64_t>>();
            inst.params = r[4].cast<std::map<std::string, Halide::Param<>>>();
            return inst;
        } catch (py::error_already_set& e) {
            rethrow(name_, e);
        } catch (const py::cast_error& e) {
            throw npu::ScheduleError("kernel " + name_ + ": npusim cannot take the halide module's objects (" +
                                     e.what() +
                                     "); it works with Debian's python3-halide 14, which `make setup` installs");
        }
    }

private:
    std::string name_, summary_;
    std::vector<ShapeDim> dims_;
    std::vector<KnobSpec> knobs_;
    std::vector<RuntimeDim> runtime_;
    py::object defaults_, build_;
    std::string revision_;
};

}  // namespace

void bind_user_kernels(py::module_& m) {
    m.def(
        "add_kernel",
        [](const std::string& name, const std::string& summary,
           const std::vector<std::tuple<std::string, int64_t, int64_t, int64_t, std::string>>& dims,
           const std::vector<std::tuple<std::string, bool, std::vector<std::string>, std::string, int>>& knobs,
           const std::vector<std::pair<std::string, std::string>>& runtime, const py::object& defaults,
           const py::object& build, const std::string& revision) {
            std::vector<ShapeDim> d;
            for (const auto& [n, fallback, lo, hi, doc] : dims)
                d.push_back({n, fallback, lo, hi, doc});
            std::vector<KnobSpec> k;
            for (const auto& [n, integer, space, doc, lo] : knobs)
                k.push_back({n, integer, space, doc, lo});
            std::vector<RuntimeDim> rt;
            for (const auto& [dim, cap] : runtime)
                rt.push_back({dim, cap});
            add_kernel(std::make_unique<PythonKernel>(name, summary, d, k, rt, defaults, build, revision));
        },
        py::arg("name"), py::arg("summary"), py::arg("dims"), py::arg("knobs"), py::arg("runtime"), py::arg("defaults"),
        py::arg("build"), py::arg("revision"),
        "Adds a kernel whose build(shape, knobs) returns Halide objects (npusim.halide_kernel).");
}

}  // namespace npusim::bindings
