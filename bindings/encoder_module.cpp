// Bindings of the real-weights encoder: the WordPiece tokenizer and the float32 BERT reference.
#include "bindings/convert.h"
#include "models/bert_reference.h"
#include "models/llama_reference.h"
#include "models/wordpiece.h"
#include "quant/accuracy.h"
#include "quant/decoder_pass.h"
#include "quant/encoder_pass.h"
#include "quant/rotation.h"

namespace npusim::bindings {

using namespace npusim::models;

namespace {

py::array_t<float> to_numpy(const Matrix& m) {
    py::array_t<float> a({m.rows(), m.cols()});
    std::copy(m.data(), m.data() + m.size(), a.mutable_data());
    return a;
}

}  // namespace

void bind_encoder(py::module_& m) {
    py::class_<WordPiece>(m, "WordPiece")
        .def(py::init<const std::string&>(), py::arg("vocab_path"))
        .def("encode", &WordPiece::encode, py::arg("text"), py::arg("max_tokens") = 256)
        .def("token", [](const WordPiece& w, int32_t id) { return w.token(id); })
        .def("__len__", &WordPiece::size);
    py::class_<BertReference>(m, "BertReference")
        .def(py::init([](const std::string& config_path, const std::string& weights_path) {
                 const ModelConfig cfg = load_model(config_path);
                 const SafeTensors st(weights_path);
                 return BertReference(cfg, st);
             }),
             py::arg("config_path"), py::arg("weights_path"))
        .def("hidden_states",
             [](const BertReference& b, const std::vector<int32_t>& ids) {
                 std::vector<Matrix> hs;
                 {
                     py::gil_scoped_release release;
                     hs = b.hidden_states(ids);
                 }
                 py::list out;
                 for (const Matrix& h : hs)
                     out.append(to_numpy(h));
                 return out;
             })
        .def(
            "quant_eval",
            [](const BertReference& b, const py::dict& params, const std::string& recipe,
               const std::vector<std::vector<int32_t>>& ids, const std::vector<std::vector<int32_t>>& calib_ids,
               const std::string& calibration_in, const std::string& calibration_out) {
                const npu::NpuConfig cfg = config_of(params);
                const npusim::quant::Recipe r = npusim::quant::Recipe::parse(recipe);
                npusim::quant::Calibration cal;
                npusim::quant::Accuracy acc;
                {
                    py::gil_scoped_release release;
                    cal = calibration_in.empty() ? npusim::quant::calibrate(b, r, calib_ids)
                                                 : npusim::quant::Calibration::load(calibration_in);
                    if (!calibration_out.empty()) cal.save(calibration_out);
                    acc = npusim::quant::compare(npusim::quant::float_pass(b, ids),
                                                 npusim::quant::quantized_pass(b, r, cal, cfg, ids));
                }
                py::dict d;
                d["recipe"] = npusim::quant::resolve(r, cal).name();
                d["layer_sqnr_db"] = acc.layer_sqnr_db;
                d["mean_cosine"] = acc.mean_cosine;
                d["min_cosine"] = acc.min_cosine;
                d["retrieval_agreement"] = acc.retrieval_agreement;
                d["sentences"] = acc.sentences;
                d["promoted"] = cal.promoted;
                return d;
            },
            py::arg("params"), py::arg("recipe"), py::arg("ids"), py::arg("calib_ids"), py::arg("calibration_in") = "",
            py::arg("calibration_out") = "")
        .def("sentence_embedding", [](const BertReference& b, const std::vector<int32_t>& ids) {
            Vector e;
            {
                py::gil_scoped_release release;
                e = BertReference::sentence_embedding(b.hidden_states(ids).back());
            }
            py::array_t<float> a(e.size());
            std::copy(e.data(), e.data() + e.size(), a.mutable_data());
            return a;
        });
    py::class_<LlamaReference>(m, "LlamaReference")
        .def(py::init([](const std::string& config_path, const std::string& weights_path) {
                 const ModelConfig cfg = load_model(config_path);
                 return LlamaReference(cfg, SafeTensors(weights_path));
             }),
             py::arg("config_path"), py::arg("weights_path"))
        .def("logits",
             [](const LlamaReference& r, const std::vector<int32_t>& ids) {
                 Matrix l;
                 {
                     py::gil_scoped_release release;
                     l = r.logits(ids);
                 }
                 return to_numpy(l);
             })
        .def(
            "rotated",
            [](const LlamaReference& r, uint64_t seed) {
                return LlamaReference(r.config(), npusim::quant::rotate(r.weights(), npusim::quant::randomized_hadamard(
                                                                                         r.config().hidden, seed)));
            },
            py::arg("seed") = 1, "The same model with its residual stream rotated (QuaRot R1, quant/rotation.h).")
        .def(
            "perplexity",
            [](const LlamaReference& r, const std::string& text, int64_t window, size_t max_windows,
               const std::string& recipe, const py::dict& params, const std::string& calib_text, size_t calib_windows) {
                const auto windows = npusim::quant::byte_windows(text, window, max_windows);
                if (recipe.empty()) {
                    py::gil_scoped_release release;
                    return npusim::quant::float_perplexity(r, windows);
                }
                const npu::NpuConfig cfg = config_of(params);
                const npusim::quant::Recipe q = npusim::quant::Recipe::parse(recipe);
                py::gil_scoped_release release;
                const auto cal = npusim::quant::calibrate_decoder(
                    r, q, npusim::quant::byte_windows(calib_text, window, calib_windows));
                return npusim::quant::quantized_perplexity(r, q, cal, cfg, windows);
            },
            py::arg("text"), py::arg("window") = 255, py::arg("max_windows") = 1 << 20, py::arg("recipe") = "",
            py::arg("params") = py::dict(), py::arg("calib_text") = "", py::arg("calib_windows") = 8);
}

}  // namespace npusim::bindings
