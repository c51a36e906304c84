// _npusim: the compiled half of the Python package. Kept thin: it converts arguments, releases
// the GIL around simulation and Halide work, and maps npusim's error types to Python exceptions.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <functional>

#include "models/model_config.h"
#include "quant/quant_eval.h"
#include "schedules/gemm/gemm_flow.h"
#include "schedules/gemm/requant_params.h"
#include "schedules/kernel_flow.h"
#include "schedules/model_breakdown.h"
#include "schedules/tuner.h"
#include "sim/config/npu_config.h"
#include "sim/errors.h"
#include "sim/host_memory.h"
#include "sim/simulator.h"

namespace py = pybind11;
using namespace npusim::schedules;

namespace {

// Schedules, layouts and shapes come as a dict or a "name=value,..." string; the C++ parsers give
// the errors. Python booleans become 1 and 0.
std::map<std::string, std::string> text_map(const py::object& o, const char* what) {
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
Fields knobs(const py::object& o, const char* what) {
    return Fields::from_map(text_map(o, what));
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

KernelCall kernel_call(const py::dict& params, const std::string& name, const py::dict& shape,
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
Halide::Type halide_type(const py::dtype& d) {
    if (d.is(py::dtype::of<int8_t>())) return Halide::Int(8);
    if (d.is(py::dtype::of<int32_t>())) return Halide::Int(32);
    if (d.is(py::dtype("float16"))) return Halide::Float(16);
    if (d.is(py::dtype::of<float>())) return Halide::Float(32);
    throw npu::ShapeError("arrays must be int8, int32, float16 or float32, got " +
                          py::str(static_cast<const py::handle&>(d)).cast<std::string>());
}

py::dtype numpy_type(const Halide::Type& t) {
    if (t == Halide::Int(8)) return py::dtype::of<int8_t>();
    if (t == Halide::Int(32)) return py::dtype::of<int32_t>();
    if (t == Halide::Float(16)) return py::dtype("float16");
    if (t == Halide::Float(32)) return py::dtype::of<float>();
    throw npu::InternalError("no numpy dtype for a kernel tensor type");
}

py::dict kernel_description(const Kernel& k) {
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

py::dict step_dict(const TuneStep& s) {
    return py::dict(py::arg("index") = s.index, py::arg("schedule") = s.knobs, py::arg("ok") = s.ok,
                    py::arg("cycles") = s.cycles, py::arg("roofline_fraction") = s.roofline_fraction,
                    py::arg("cached") = s.cached, py::arg("error") = s.error);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int sc_main(int, char**);

void bind_encoder(py::module_& m,
                  const std::function<npu::NpuConfig(const py::dict&)>& config_of);  // encoder_module.cpp

PYBIND11_MODULE(_npusim, m) {
    m.doc() = "npusim compiled core (use the `npusim` package)";
    auto user = py::register_exception<npu::UserError>(m, "UserError", PyExc_ValueError);
    py::register_exception<npu::ConfigError>(m, "ConfigError", user.ptr());
    py::register_exception<npu::ScheduleError>(m, "ScheduleError", user.ptr());
    py::register_exception<npu::ProgramError>(m, "ProgramError", user.ptr());
    py::register_exception<npu::ShapeError>(m, "ShapeError", user.ptr());
    py::register_exception<npu::InternalError>(m, "InternalError", PyExc_RuntimeError);
    py::register_exception<npusim::models::ModelError>(m, "ModelError", user.ptr());

    bind_encoder(m, config_of);
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
           const py::dict& arrays) {
            const KernelCall call = kernel_call(params, name, shape, schedule);
            std::vector<Halide::Buffer<>> inputs;
            std::vector<py::array> keep;  // the buffers borrow these arrays' memory
            std::vector<std::string> names;
            for (const TensorInfo& t : kernel_inputs(call)) {
                names.push_back(t.name);
                if (!arrays.contains(t.name)) throw npu::ShapeError(name + " needs input '" + t.name + "'");
                py::array a = py::array::ensure(arrays[t.name.c_str()], py::array::c_style);
                if (!a) throw npu::ShapeError(name + " input " + t.name + " must be a numpy array");
                std::vector<int> sizes;
                for (ssize_t d = a.ndim() - 1; d >= 0; --d)
                    sizes.push_back(static_cast<int>(a.shape(d)));
                inputs.emplace_back(halide_type(a.dtype()), const_cast<void*>(a.data()), sizes);
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
                out = run_kernel_host(call, inputs);
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
        py::arg("params"), py::arg("name"), py::arg("shape"), py::arg("schedule"), py::arg("inputs"));
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
                            py::arg("history") = history, py::arg("space_size") = r.space_size);
        },
        py::arg("params"), py::arg("name"), py::arg("shape"), py::arg("budget"), py::arg("seed"), py::arg("cache_dir"),
        py::arg("space"), py::arg("progress"), py::arg("exhaustive"));
    m.def("default_cache_dir", &default_cache_dir);
    m.def("compile_stats", [] {
        const CompileStats s = compile_stats();
        py::dict d;
        d["lowerings"] = s.lowerings;
        d["host_jits"] = s.host_jits;
        return d;
    });
    m.def("model_names", &npusim::models::model_names, "Names of the shipped model configs.");
    m.def("config_dir", &npu::config_dir, "The folder of the presets (npu/) and model configs (models/).");
    m.def("available_host_bytes", &npu::available_host_bytes,
          "Bytes this process can still allocate (MemAvailable, within the cgroup limit); 0 if unknown.");
    m.def(
        "quant_eval",
        [](const py::dict& params, const std::vector<std::string>& recipes, const std::string& minilm_dir,
           const std::string& data_dir, const std::string& lm_dir, int64_t sentences, int64_t calib, int64_t tokens,
           int64_t lm_windows, const std::string& calibration_dir, const py::object& progress) {
            npusim::quant::QuantEvalOptions o;
            o.recipes = recipes;
            o.minilm_dir = minilm_dir;
            o.data_dir = data_dir;
            o.lm_dir = lm_dir;
            o.sentences = sentences;
            o.calib = calib;
            o.tokens = tokens;
            o.lm_windows = lm_windows;
            o.calibration_dir = calibration_dir;
            if (!progress.is_none())  // a borrowed handle: copies of the std::function need no GIL
                o.progress = [fn = py::handle(progress)](const std::string& recipe, const std::string& what,
                                                         size_t done, size_t total) {
                    py::gil_scoped_acquire acquire;
                    fn(recipe, what, done, total);
                };
            const npu::NpuConfig cfg = config_of(params);
            py::gil_scoped_release release;
            return npusim::quant::quant_eval(o, cfg).to_json();
        },
        py::arg("params"), py::arg("recipes"), py::arg("minilm_dir"), py::arg("data_dir"), py::arg("lm_dir"),
        py::arg("sentences"), py::arg("calib"), py::arg("tokens"), py::arg("lm_windows"), py::arg("calibration_dir"),
        py::arg("progress"), "The accuracy-against-cost table of quantization recipes, as JSON.");
    m.def(
        "run_model",
        [](const py::dict& params, const std::string& model, const std::string& quant, int64_t prefill, int64_t decode,
           int64_t chunk, int64_t kv_block, bool max_context, const std::string& draft, const std::string& draft_quant,
           int64_t spec_k, double accept, bool skip_prefill) {
            npu::NpuConfig cfg = config_of(params);
            const auto mc = npusim::models::load_model(model);
            const auto q = npusim::models::QuantRecipe::parse(quant);
            ModelRunOptions o;
            o.prefill = prefill;
            o.decode = decode;
            o.chunk = chunk;
            o.kv_block = kv_block;
            o.max_context = max_context;
            o.draft = draft;
            o.draft_quant = draft_quant;
            o.spec_k = spec_k;
            o.accept = accept;
            o.skip_prefill = skip_prefill;
            py::gil_scoped_release release;
            return model_report_json(run_model(mc, q, cfg, o));
        },
        py::arg("params"), py::arg("model"), py::arg("quant"), py::arg("prefill"), py::arg("decode"), py::arg("chunk"),
        py::arg("kv_block"), py::arg("max_context"), py::arg("draft"), py::arg("draft_quant"), py::arg("spec_k"),
        py::arg("accept"), py::arg("skip_prefill") = false);
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
