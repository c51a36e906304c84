#pragma once
// What the binding files share: argument conversion (schedules, layouts and shapes from dicts or
// "name=value,..." strings, numpy arrays, Halide types) and the preset a call runs on.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "base/errors.h"
#include "base/host_memory.h"
#include "flow/gemm_flow.h"
#include "flow/kernel_flow.h"
#include "flow/knob_effect.h"
#include "flow/model_breakdown.h"
#include "flow/tuner.h"
#include "models/model_config.h"
#include "quant/quant_eval.h"
#include "schedules/gemm/requant_params.h"
#include "sim/config/npu_config.h"
#include "sim/simulator.h"

namespace npusim::bindings {

namespace py = pybind11;
using namespace npusim::schedules;
using namespace npusim::flow;

// Schedules, layouts and shapes come as a dict or a "name=value,..." string; the C++ parsers give
// the errors. Python booleans become 1 and 0.
inline std::map<std::string, std::string> text_map(const py::object& o, const char* what) {
    if (o.is_none()) return {};
    if (py::isinstance<py::str>(o)) return parse_fields(o.cast<std::string>(), what);
    if (!py::isinstance<py::dict>(o))
        throw npu::ShapeError(std::string(what) + " must be a dict or a 'name=value,...' string");
    std::map<std::string, std::string> m;
    for (auto item : o.cast<py::dict>()) {
        py::handle v = item.second;
        m[py::str(item.first)] = py::isinstance<py::bool_>(v) ? (v.cast<bool>() ? "1" : "0") : std::string(py::str(v));
    }
    return m;
}

template <typename Fields>
inline Fields knobs(const py::object& o, const char* what) {
    return Fields::from_map(text_map(o, what));
}

inline npu::NpuConfig config_of(const py::dict& params) {
    std::map<std::string, std::string> values;
    for (auto item : params)
        values[py::str(item.first)] = py::str(item.second);
    return npu::config_from_values(values, "parameters");
}

inline GemmProblem problem(int64_t m, int64_t n, int64_t k, const py::object& schedule, const py::object& layout) {
    GemmProblem p;
    p.m = m;
    p.n = n;
    p.k = k;
    p.schedule = knobs<GemmSchedule>(schedule, "schedule");
    p.layout = knobs<GemmLayout>(layout, "layout");
    return p;
}

template <typename T>
inline py::array_t<T, py::array::c_style> as_array(const py::object& o, const char* name, int ndim) {
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

inline KernelCall kernel_call(const py::dict& params, const std::string& name, const py::dict& shape,
                              const py::object& schedule) {
    Shape s;
    for (auto item : shape) {
        const std::string dim = py::str(item.first);
        if (!py::isinstance<py::int_>(item.second) || py::isinstance<py::bool_>(item.second))
            throw npu::ShapeError("shape " + dim + " must be an int, got " + std::string(py::str(item.second)));
        s[dim] = item.second.cast<int64_t>();
    }
    return KernelCall(name, s, text_map(schedule, "schedule"), config_of(params));
}

// numpy dtype <-> Halide type for the kernels' tensors.
inline Halide::Type halide_type(const py::dtype& d) {
    if (d.is(py::dtype::of<int8_t>())) return Halide::Int(8);
    if (d.is(py::dtype::of<int32_t>())) return Halide::Int(32);
    if (d.is(py::dtype("float16"))) return Halide::Float(16);
    if (d.is(py::dtype::of<float>())) return Halide::Float(32);
    throw npu::ShapeError("arrays must be int8, int32, float16 or float32, got " +
                          py::str(static_cast<const py::handle&>(d)).cast<std::string>());
}

inline py::dtype numpy_type(const Halide::Type& t) {
    if (t == Halide::Int(8)) return py::dtype::of<int8_t>();
    if (t == Halide::Int(32)) return py::dtype::of<int32_t>();
    if (t == Halide::Float(16)) return py::dtype("float16");
    if (t == Halide::Float(32)) return py::dtype::of<float>();
    throw npu::InternalError("no numpy dtype for a kernel tensor type");
}

inline py::dict kernel_description(const Kernel& k) {
    py::list dims, knobs;
    for (const auto& d : k.shape_dims())
        dims.append(py::dict(py::arg("name") = d.name, py::arg("default") = d.fallback, py::arg("min") = d.min,
                             py::arg("max") = d.max, py::arg("doc") = d.doc));
    for (const auto& kn : k.knob_specs())
        knobs.append(py::dict(py::arg("name") = kn.name, py::arg("integer") = kn.integer, py::arg("space") = kn.space,
                              py::arg("doc") = kn.doc));
    return py::dict(py::arg("name") = k.name(), py::arg("summary") = k.summary(), py::arg("shape") = dims,
                    py::arg("knobs") = knobs);
}

inline py::dict step_dict(const TuneStep& s) {
    return py::dict(py::arg("index") = s.index, py::arg("schedule") = s.knobs, py::arg("ok") = s.ok,
                    py::arg("cycles") = s.cycles, py::arg("roofline_fraction") = s.roofline_fraction,
                    py::arg("cached") = s.cached, py::arg("error") = s.error);
}

}  // namespace npusim::bindings
