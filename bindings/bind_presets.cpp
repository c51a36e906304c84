// _npusim: The presets and their parameters, the shipped model configs, the host.
#include "base/config_dir.h"
#include "bindings/convert.h"

namespace npusim::bindings {

void bind_presets(py::module_& m) {
    m.def("preset_names", &npu::preset_names, "Names of the shipped NPU presets.");
    m.def("param_specs", [] {
        py::list out;
        for (const auto& s : npu::param_specs()) {
            const char* type = s.type == npu::ParamType::Int     ? "int"
                               : s.type == npu::ParamType::Float ? "float"
                                                                 : "str";
            out.append(py::dict(py::arg("key") = s.key, py::arg("type") = type, py::arg("unit") = s.unit,
                                py::arg("min") = s.min, py::arg("max") = s.max, py::arg("description") = s.description,
                                py::arg("fittable") = s.fittable(), py::arg("fit_min") = s.fit_min,
                                py::arg("fit_max") = s.fit_max, py::arg("fit_why") = s.fit_why));
        }
        return out;
    });
    m.def(
        "preset_entries",
        [](const std::string& name) {
            npu::PresetFile f = npu::read_preset(name);
            py::dict entries;
            for (const auto& [key, e] : f.entries)
                entries[py::str(key)] =
                    py::dict(py::arg("value") = e.value, py::arg("comment") = e.comment, py::arg("where") = e.where,
                             py::arg("provenance") = npu::provenance(e.comment));
            return py::make_tuple(f.base, entries);
        },
        py::arg("name_or_path"),
        "A preset's values after inheritance: (base, {key: {value, comment, where, provenance}}).");
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

    m.def("model_names", &npusim::models::model_names, "Names of the shipped model configs.");
    m.def("config_dir", &npu::config_dir, "The folder of the presets (npu/) and model configs (models/).");
    m.def("available_host_bytes", &npu::available_host_bytes,
          "Bytes this process can still allocate (MemAvailable, within the cgroup limit); 0 if unknown.");
}

}  // namespace npusim::bindings
