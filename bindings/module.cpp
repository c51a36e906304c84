// _npusim: the compiled half of the Python package. Kept thin: it converts arguments, releases
// the GIL around simulation and Halide work, and maps npusim's error types to Python exceptions.
// The functions are bound by area, one file each: presets, kernels, tune, models, encoder, and
// kernels defined in Python.
#include "bindings/convert.h"

extern "C" __attribute__((visibility("default"))) int sc_main(int, char**);

namespace npusim::bindings {
void bind_presets(py::module_& m);
void bind_kernels(py::module_& m);
void bind_tune(py::module_& m);
void bind_models(py::module_& m);
void bind_encoder(py::module_& m);
void bind_user_kernels(py::module_& m);
}  // namespace npusim::bindings

PYBIND11_MODULE(_npusim, m) {
    namespace py = pybind11;
    using namespace npusim::bindings;
    m.doc() = "npusim compiled core (use the `npusim` package)";
    auto user = py::register_exception<npu::UserError>(m, "UserError", PyExc_ValueError);
    py::register_exception<npu::ConfigError>(m, "ConfigError", user.ptr());
    py::register_exception<npu::ScheduleError>(m, "ScheduleError", user.ptr());
    py::register_exception<npu::ProgramError>(m, "ProgramError", user.ptr());
    py::register_exception<npu::ShapeError>(m, "ShapeError", user.ptr());
    py::register_exception<npu::InternalError>(m, "InternalError", PyExc_RuntimeError);
    py::register_exception<npusim::models::ModelError>(m, "ModelError", user.ptr());

    bind_encoder(m);
    bind_presets(m);
    bind_kernels(m);
    bind_tune(m);
    bind_models(m);
    bind_user_kernels(m);
    m.attr("_sc_main") = py::capsule(reinterpret_cast<void*>(&sc_main), "sc_main");
}
