// _npusim: The schedule tuner and the compile statistics it and the flows share.
#include "bindings/convert.h"

namespace npusim::bindings {

void bind_tune(py::module_& m) {
    m.def(
        "tune",
        [](const py::dict& params, const std::string& name, const py::dict& shape, int budget, uint64_t seed,
           const std::string& cache_dir, const std::map<std::string, std::vector<std::string>>& space, bool progress,
           bool exhaustive) {
            Shape s;
            for (auto item : shape)
                s[py::str(item.first)] = item.second.cast<int64_t>();
            npu::NpuConfig cfg = config_of(params);
            TuneOptions opts;
            opts.budget = budget;
            opts.seed = seed;
            opts.cache_dir = cache_dir;
            opts.space = space;
            if (progress)
                opts.progress = [&](const TuneStep& st, const TuneStep& best) {
                    std::fprintf(stderr, "[%d/%d] %s: %s | best %llu\n", st.index, exhaustive ? 0 : budget,
                                 fields_text(st.knobs).c_str(),
                                 st.ok ? (std::to_string(st.cycles) + " cycles").c_str() : "did not run",
                                 static_cast<unsigned long long>(best.cycles));
                };
            TuneResult r;
            {
                py::gil_scoped_release release;
                r = exhaustive ? tune_exhaustive(name, s, cfg, opts) : tune(name, s, cfg, opts);
            }
            py::list history;
            for (const auto& st : r.history)
                history.append(step_dict(st));
            return py::dict(py::arg("default") = step_dict(r.default_step), py::arg("best") = step_dict(r.best),
                            py::arg("history") = history, py::arg("space_size") = r.space_size,
                            py::arg("idle_knobs") = r.idle_knobs);
        },
        py::arg("params"), py::arg("name"), py::arg("shape"), py::arg("budget"), py::arg("seed"), py::arg("cache_dir"),
        py::arg("space"), py::arg("progress"), py::arg("exhaustive"));
    m.def(
        "idle_knobs",
        [](const py::dict& params, const std::string& name, const py::dict& shape, const py::object& schedule) {
            const KernelCall call = kernel_call(params, name, shape, schedule);
            const npu::NpuConfig cfg = config_of(params);
            py::gil_scoped_release release;
            return idle_knobs(call, cfg);
        },
        py::arg("params"), py::arg("name"), py::arg("shape"), py::arg("schedule") = py::none());
    m.def("default_cache_dir", &default_cache_dir);
    m.def("compile_stats", [] {
        CompileStats s;
        {
            py::gil_scoped_release release;  // waits for any compile, which may be a Python kernel's build
            s = compile_stats();
        }
        py::dict d;
        d["lowerings"] = s.lowerings;
        d["host_jits"] = s.host_jits;
        return d;
    });
}

}  // namespace npusim::bindings
