// _npusim: Kernels, GEMMs and programs: simulated on a preset, lowered to program text, or run on the host.
#include <algorithm>

#include "bindings/convert.h"

namespace npusim::bindings {

void bind_kernels(py::module_& m) {
    m.def(
        "simulate_gemm",
        [](const py::dict& params, int64_t mm, int64_t n, int64_t k, const py::object& schedule,
           const py::object& layout, bool trace) {
            npu::NpuConfig cfg = config_of(params);
            const KernelCall call =
                gemm_call(mm, n, k, text_map(schedule, "schedule"), knobs<GemmLayout>(layout, "layout"), cfg);
            py::gil_scoped_release release;
            npu::TraceRecorder rec;
            npu::Report r = simulate_kernel(call, cfg, trace ? &rec : nullptr);
            return std::make_pair(r.to_json(), trace ? rec.to_chrome_json(cfg.clock_mhz, r.program, r.preset) : "");
        },
        py::arg("params"), py::arg("m"), py::arg("n"), py::arg("k"), py::arg("schedule") = py::none(),
        py::arg("layout") = py::none(), py::arg("trace") = false);
    m.def(
        "compile_gemm",
        [](int64_t mm, int64_t n, int64_t k, const py::object& schedule, const py::object& layout) {
            GemmProblem p = problem(mm, n, k, schedule, layout);
            py::gil_scoped_release release;
            return npu::to_text(compile_gemm(p));
        },
        py::arg("m"), py::arg("n"), py::arg("k"), py::arg("schedule") = py::none(), py::arg("layout") = py::none());
    m.def(
        "simulate_program",
        [](const py::dict& params, const std::string& text, bool trace) {
            npu::NpuConfig cfg = config_of(params);
            npu::Program prog = npu::parse_program(text, "<program>");
            py::gil_scoped_release release;
            npu::TraceRecorder rec;
            npu::Report r = npu::simulate(prog, cfg, trace ? &rec : nullptr);
            return std::make_pair(r.to_json(), trace ? rec.to_chrome_json(cfg.clock_mhz, r.program, r.preset) : "");
        },
        py::arg("params"), py::arg("text"), py::arg("trace") = false);
    m.def(
        "gemm_host",
        [](const py::object& a_o, const py::object& w_o, const py::object& bias_o, const py::object& mult_o,
           const py::object& shift_o, const py::object& schedule) {
            auto a = as_array<int8_t>(a_o, "a", 2);
            auto w = as_array<int8_t>(w_o, "w", 2);
            auto bias = as_array<int32_t>(bias_o, "bias", 1);
            auto mult = as_array<int32_t>(mult_o, "multiplier", 1);
            auto shift = as_array<int32_t>(shift_o, "shift", 1);
            const int64_t m_ = a.shape(0), k = a.shape(1), n = w.shape(0);
            if (w.shape(1) != k)
                throw npu::ShapeError("w has " + std::to_string(w.shape(1)) + " columns but a has " +
                                      std::to_string(k) + " (w is [n, k], a is [m, k])");
            for (auto [name, arr] :
                 {std::pair<const char*, py::array*>{"bias", &bias}, {"multiplier", &mult}, {"shift", &shift}})
                if (arr->shape(0) != n)
                    throw npu::ShapeError(std::string(name) + " has " + std::to_string(arr->shape(0)) +
                                          " entries but w has " + std::to_string(n) + " rows");
            GemmSchedule s = knobs<GemmSchedule>(schedule, "schedule");
            py::array_t<int8_t> out({m_, n});
            {
                py::gil_scoped_release release;
                gemm_host(a.data(), w.data(), bias.data(), mult.data(), shift.data(), out.mutable_data(), m_, n, k, s);
            }
            return out;
        },
        py::arg("a"), py::arg("w"), py::arg("bias"), py::arg("multiplier"), py::arg("shift"),
        py::arg("schedule") = py::none());
    m.def("kernels", [] {
        py::list out;
        for (const Kernel* k : all_kernels())
            out.append(kernel_description(*k));
        return out;
    });
    m.def(
        "simulate_kernel",
        [](const py::dict& params, const std::string& name, const py::dict& shape, const py::object& schedule,
           bool trace) {
            const KernelCall call = kernel_call(params, name, shape, schedule);
            npu::NpuConfig cfg = config_of(params);
            std::string report, trace_json;
            {
                py::gil_scoped_release release;
                npu::TraceRecorder rec;
                npu::Report r = simulate_kernel(call, cfg, trace ? &rec : nullptr);
                report = r.to_json();
                if (trace) trace_json = rec.to_chrome_json(cfg.clock_mhz, r.program, r.preset);
            }
            return py::make_tuple(report, trace_json, call.knobs, call.shape);
        },
        py::arg("params"), py::arg("name"), py::arg("shape"), py::arg("schedule") = py::none(),
        py::arg("trace") = false);
    m.def(
        "compile_kernel",
        [](const py::dict& params, const std::string& name, const py::dict& shape, const py::object& schedule) {
            const KernelCall call = kernel_call(params, name, shape, schedule);
            py::gil_scoped_release release;
            return npu::to_text(compile_kernel(call));
        },
        py::arg("params"), py::arg("name"), py::arg("shape"), py::arg("schedule") = py::none());
    m.def(
        "kernel_host",
        [](const py::dict& params, const std::string& name, const py::dict& shape, const py::object& schedule,
           const py::dict& arrays, bool cpu_schedule) {
            const KernelCall call = kernel_call(params, name, shape, schedule);
            std::vector<Halide::Buffer<>> inputs;
            std::vector<py::array> keep;  // the buffers borrow these arrays' memory
            std::vector<std::string> names;
            std::vector<TensorInfo> wanted;
            {
                // Released: compiling may call a Python-defined kernel's build on this thread.
                py::gil_scoped_release release;
                wanted = kernel_inputs(call);
            }
            for (const TensorInfo& t : wanted) {
                names.push_back(t.name);
                if (!arrays.contains(t.name)) throw npu::ShapeError(name + " needs input '" + t.name + "'");
                py::array a = py::array::ensure(arrays[t.name.c_str()], py::array::c_style);
                if (!a) throw npu::ShapeError(name + " input " + t.name + " must be a numpy array");
                std::vector<int> sizes;
                for (ssize_t d = a.ndim() - 1; d >= 0; --d)
                    sizes.push_back(static_cast<int>(a.shape(d)));
                Halide::Type type;
                try {
                    type = halide_type(a.dtype());
                } catch (const npu::ShapeError& e) {
                    throw npu::ShapeError(name + " input " + t.name + ": " + e.what());
                }
                inputs.emplace_back(type, const_cast<void*>(a.data()), sizes);
                keep.push_back(a);
            }
            for (auto item : arrays) {
                const std::string n = py::str(item.first);
                if (std::find(names.begin(), names.end(), n) == names.end())
                    throw npu::ShapeError(name + " has no input '" + n + "'");
            }
            Halide::Buffer<> out;
            {
                py::gil_scoped_release release;
                out = run_kernel_host(call, inputs, cpu_schedule ? flow::HostSchedule::Cpu : flow::HostSchedule::Npu);
            }
            // Zero-copy: the array views the realized buffer, which its capsule keeps alive.
            std::vector<ssize_t> shape_out, strides;
            for (int d = out.dimensions() - 1; d >= 0; --d) {
                shape_out.push_back(out.dim(d).extent());
                strides.push_back(static_cast<ssize_t>(out.dim(d).stride()) * out.type().bytes());
            }
            auto* owned = new Halide::Buffer<>(std::move(out));
            py::capsule base(owned, [](void* p) { delete static_cast<Halide::Buffer<>*>(p); });
            return py::array(numpy_type(owned->type()), shape_out, strides, owned->data(), base);
        },
        py::arg("params"), py::arg("name"), py::arg("shape"), py::arg("schedule"), py::arg("inputs"),
        py::arg("cpu_schedule") = false);
    m.def(
        "quantize_multiplier",
        [](double scale) {
            FixedPoint f = quantize_multiplier(scale);
            return py::make_tuple(f.multiplier, f.shift);
        },
        py::arg("scale"));
    // Keep the SystemC entry point referenced so the linker exports it from this module.
}

}  // namespace npusim::bindings
