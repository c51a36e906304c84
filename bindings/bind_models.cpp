// _npusim: Whole models and the accuracy of quantization recipes.
#include "bindings/convert.h"
#include "deploy/deploy_run.h"
#include "quant/gptq.h"
#include "quant/smoothing.h"
#include "recipes/formats.h"

namespace npusim::bindings {

void bind_models(py::module_& m) {
    m.def(
        "run_model",
        [](const py::dict& params, const std::string& model, const std::string& quant, int64_t prefill, int64_t decode,
           int64_t chunk, int64_t kv_block, bool max_context, const std::string& draft, const std::string& draft_quant,
           int64_t spec_k, double accept, bool skip_prefill, double sustained_s, const std::string& placement) {
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
            o.placement = npusim::soc::PlacementPolicy::parse(placement, "place");
            py::gil_scoped_release release;
            const ModelReport r = run_model(mc, q, cfg, o);
            if (sustained_s == 0) return model_report_json(r);
            const SustainedRun s = sustained_generation(mc, q, cfg, o, sustained_s);
            return model_report_json(r, &s);
        },
        py::arg("params"), py::arg("model"), py::arg("quant"), py::arg("prefill"), py::arg("decode"), py::arg("chunk"),
        py::arg("kv_block"), py::arg("max_context"), py::arg("draft"), py::arg("draft_quant"), py::arg("spec_k"),
        py::arg("accept"), py::arg("skip_prefill") = false, py::arg("sustained_s") = 0.0, py::arg("placement") = "");
    m.def(
        "encode_weights",
        [](const std::string& format, const py::object& x, int64_t block) {
            const auto a = as_array<float>(x, "weights", 1);
            const auto f = npusim::quant::parse_format(format);
            const auto t = npusim::quant::encode_weights(f, a.data(), a.shape(0), block);
            const std::vector<float> decoded = npusim::quant::decode_weights(t);
            auto copy = [](const auto& v) {
                using T = typename std::decay_t<decltype(v)>::value_type;
                py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
                std::copy(v.begin(), v.end(), out.mutable_data());
                return out;
            };
            return py::make_tuple(copy(t.codes), copy(t.scales), copy(t.scale_codes), copy(decoded), t.block);
        },
        py::arg("format"), py::arg("weights"), py::arg("block") = 0);
    m.def(
        "gptq",
        [](const py::object& w, const py::object& x, int bits, int64_t group, bool fp16_scales) {
            const auto wa = as_array<float>(w, "w", 2), xa = as_array<float>(x, "x", 2);
            using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
            const RowMajor wm = Eigen::Map<const RowMajor>(wa.data(), wa.shape(0), wa.shape(1));
            npusim::quant::InputGram gram;
            gram.add(Eigen::Map<const RowMajor>(xa.data(), xa.shape(0), xa.shape(1)));
            const auto r = npusim::quant::gptq(wm, gram, bits, group, fp16_scales);
            py::array_t<int8_t> ints({wa.shape(0), wa.shape(1)});
            std::copy(r.ints.begin(), r.ints.end(), ints.mutable_data());
            py::array_t<float> scales(
                {static_cast<py::ssize_t>(wa.shape(0)), static_cast<py::ssize_t>(wa.shape(1) / group)});
            std::copy(r.scales.begin(), r.scales.end(), scales.mutable_data());
            return py::make_tuple(ints, scales);
        },
        py::arg("w"), py::arg("x"), py::arg("bits"), py::arg("group"), py::arg("fp16_scales") = false);
    // SmoothQuant's and AWQ's per-channel factors of one linear (quant/smoothing.h): (s, alpha).
    auto scaling = [](const py::object& w, const py::object& x, const auto& fn) {
        const auto wa = as_array<float>(w, "w", 2), xa = as_array<float>(x, "x", 2);
        using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        const RowMajor wm = Eigen::Map<const RowMajor>(wa.data(), wa.shape(0), wa.shape(1));
        const RowMajor xm = Eigen::Map<const RowMajor>(xa.data(), xa.shape(0), xa.shape(1));
        const npusim::quant::ChannelScaling c = fn(wm, xm);
        py::array_t<float> s(static_cast<py::ssize_t>(c.s.size()));
        std::copy(c.s.data(), c.s.data() + c.s.size(), s.mutable_data());
        return py::make_tuple(s, c.alpha);
    };
    m.def(
        "smooth_quant",
        [scaling](const py::object& w, const py::object& x, int bits, double alpha) {
            return scaling(
                w, x, [&](const auto& wm, const auto& xm) { return npusim::quant::smooth_quant(wm, xm, bits, alpha); });
        },
        py::arg("w"), py::arg("x"), py::arg("bits") = 8, py::arg("alpha") = 0.0);
    m.def(
        "awq",
        [scaling](const py::object& w, const py::object& x, int bits, int64_t group) {
            return scaling(w, x,
                           [&](const auto& wm, const auto& xm) { return npusim::quant::awq(wm, xm, bits, group); });
        },
        py::arg("w"), py::arg("x"), py::arg("bits"), py::arg("group"));
    m.def("weight_formats", [] {
        py::list out;
        for (const auto& s : npusim::quant::weight_formats())
            out.append(py::dict(py::arg("name") = s.name, py::arg("element_bits") = s.element_bits,
                                py::arg("scale_bits") = s.scale_bits, py::arg("default_block") = s.default_block,
                                py::arg("fixed_block") = s.fixed_block,
                                py::arg("bits_per_weight") = npusim::quant::bits_per_weight(s.format)));
        return out;
    });
    m.def(
        "compare_manifests",
        [](const std::vector<std::string>& paths) {
            std::vector<npusim::deploy::Manifest> manifests;
            for (const std::string& p : paths)
                manifests.push_back(npusim::deploy::read_manifest(p));  // every file's errors before any run
            py::gil_scoped_release release;
            std::vector<npusim::deploy::DeployReport> reports;
            for (const auto& m : manifests)
                reports.push_back(npusim::deploy::run_manifest(m));
            return npusim::deploy::compare_json(reports);
        },
        py::arg("paths"));
    m.def(
        "quant_eval",
        [](const py::dict& params, const std::vector<std::string>& recipes, const std::string& minilm_dir,
           const std::string& data_dir, const std::string& lm_dir, int64_t sentences, int64_t calib, int64_t tokens,
           int64_t lm_windows, const std::string& calibration_dir, const py::object& progress,
           const std::string& cost_model, double budget_s) {
            npusim::quant::QuantEvalOptions o;
            o.cost_model = cost_model;
            o.budget_s = budget_s;
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
        py::arg("progress"), py::arg("cost_model") = "", py::arg("budget_s") = 0.0,
        "The accuracy-against-cost table of quantization recipes, as JSON.");
}

}  // namespace npusim::bindings
