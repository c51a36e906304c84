// _npusim: the compiled half of the Python package. Kept thin: it converts arguments, releases
// the GIL around simulation and Halide work, and maps npusim's error types to Python exceptions.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "schedules/gemm/gemm_flow.h"
#include "schedules/gemm/requant_params.h"
#include "sim/config/npu_config.h"
#include "sim/errors.h"
#include "sim/simulator.h"

namespace py = pybind11;
using namespace npusim::schedules;

namespace {

// Schedules and layouts come as a dict of knobs or a "knob=value,..." string; the C++ parsers give
// the errors. Python booleans become 1 and 0.
template <typename Knobs>
Knobs knobs(const py::object& o, const char* what) {
    if (o.is_none()) return Knobs{};
    if (py::isinstance<py::str>(o)) return Knobs::parse(o.cast<std::string>());
    if (!py::isinstance<py::dict>(o))
        throw npu::ShapeError(std::string(what) + " must be a dict or a 'knob=value,...' string");
    std::map<std::string, std::string> m;
    for (auto item : o.cast<py::dict>()) {
        py::handle v = item.second;
        m[py::str(item.first)] = py::isinstance<py::bool_>(v) ? (v.cast<bool>() ? "1" : "0") : std::string(py::str(v));
    }
    return Knobs::from_map(m);
}

npu::NpuConfig config_of(const py::dict& params) {
    std::map<std::string, std::string> values;
    for (auto item : params)
        values[py::str(item.first)] = py::str(item.second);
    return npu::config_from_values(values, "parameters");
}

GemmProblem problem(int64_t m, int64_t n, int64_t k, const py::object& schedule, const py::object& layout) {
    GemmProblem p;
    p.m = m;
    p.n = n;
    p.k = k;
    p.schedule = knobs<GemmSchedule>(schedule, "schedule");
    p.layout = knobs<GemmLayout>(layout, "layout");
    return p;
}

template <typename T>
py::array_t<T, py::array::c_style> as_array(const py::object& o, const char* name, int ndim) {
    py::array arr = py::array::ensure(o);
    if (!arr) throw npu::ShapeError(std::string(name) + " must be a numpy array");
    if (!arr.dtype().is(py::dtype::of<T>()))
        throw npu::ShapeError(std::string(name) + " must have dtype " +
                              py::str(py::dtype::of<T>()).cast<std::string>() + ", got " +
                              py::str(arr.dtype()).cast<std::string>());
    if (arr.ndim() != ndim)
        throw npu::ShapeError(std::string(name) + " must have " + std::to_string(ndim) + " dimension(s), got " +
                              std::to_string(arr.ndim()));
    return py::array_t<T, py::array::c_style>::ensure(arr);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int sc_main(int, char**);

PYBIND11_MODULE(_npusim, m) {
    m.doc() = "npusim compiled core (use the `npusim` package)";
    auto user = py::register_exception<npu::UserError>(m, "UserError", PyExc_ValueError);
    py::register_exception<npu::ConfigError>(m, "ConfigError", user.ptr());
    py::register_exception<npu::ScheduleError>(m, "ScheduleError", user.ptr());
    py::register_exception<npu::ProgramError>(m, "ProgramError", user.ptr());
    py::register_exception<npu::ShapeError>(m, "ShapeError", user.ptr());
    py::register_exception<npu::InternalError>(m, "InternalError", PyExc_RuntimeError);

    m.def("preset_names", &npu::preset_names, "Names of the shipped NPU presets.");
    m.def("param_specs", [] {
        py::list out;
        for (const auto& s : npu::param_specs()) {
            const char* type = s.type == npu::ParamType::Int     ? "int"
                               : s.type == npu::ParamType::Float ? "float"
                                                                 : "str";
            out.append(py::dict(py::arg("key") = s.key, py::arg("type") = type, py::arg("unit") = s.unit,
                                py::arg("min") = s.min, py::arg("max") = s.max,
                                py::arg("description") = s.description));
        }
        return out;
    });
    m.def(
        "load_preset",
        [](const std::string& name, const std::map<std::string, std::string>& overrides) {
            npu::NpuConfig cfg = npu::load_preset(name);
            for (const auto& [k, v] : overrides)
                cfg.set(k, v, "override " + k);
            cfg.validate();
            py::dict params;
            for (const auto& s : npu::param_specs())
                params[s.key] = npu::param_value(cfg, s.key);
            return params;
        },
        py::arg("name_or_path"), py::arg("overrides") = std::map<std::string, std::string>{},
        "Loads and validates a preset; returns its parameters as text.");

    m.def(
        "simulate_gemm",
        [](const py::dict& params, int64_t mm, int64_t n, int64_t k, const py::object& schedule,
           const py::object& layout, bool trace) {
            npu::NpuConfig cfg = config_of(params);
            GemmProblem p = problem(mm, n, k, schedule, layout);
            py::gil_scoped_release release;
            npu::TraceRecorder rec;
            npu::Report r = simulate_gemm(p, cfg, trace ? &rec : nullptr);
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
    m.def(
        "quantize_multiplier",
        [](double scale) {
            FixedPoint f = quantize_multiplier(scale);
            return py::make_tuple(f.multiplier, f.shift);
        },
        py::arg("scale"));
    // Keep the SystemC entry point referenced so the linker exports it from this module.
    m.attr("_sc_main") = py::capsule(reinterpret_cast<void*>(&sc_main), "sc_main");
}
