#include "recipes/recipe.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "base/yaml_reader.h"

namespace npusim::quant {

namespace {

[[noreturn]] void bad(const std::string& text, const std::string& why) {
    throw npu::UserError("quantization recipe '" + text + "': " + why +
                         " (recipes: w8a8, w8a8-dynamic, w4a8, w4a8-dynamic, w8a16, w4a16, w8a16i, w4a16i, with -gN, "
                         "-per-channel, -per-tensor, "
                         "-gptq, -smooth[A], -awq, -outch, -nf4, -mxfp4, -int3, -mxint8, -fp8-e4m3, -fp8-e5m2, "
                         "-minmax, -pctP, -mse, +kv4, +kv8, +kv16, +head4, +head8, "
                         "+a16@PATTERN, +mpP, +shadow[P], "
                         "+rot; or a .yaml file)");
}

bool number(const std::string& s, double lo, double hi, double* out) {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end || errno || !(v >= lo && v <= hi)) return false;
    *out = v;
    return true;
}

void set_base(Recipe& q, const std::string& base, const std::string& text) {
    if (base == "w8a8" || base == "w4a8" || base == "w8a16" || base == "w4a16" || base == "w8a16i" ||
        base == "w4a16i") {
        q.w_bits = base[1] - '0';
        q.a_bits = base.compare(2, 3, "a16") == 0 ? 16 : 8;
        q.int16_activations = base.back() == 'i';
    } else {
        bad(text, "unknown base '" + base + "'");
    }
    q.granularity = q.activations() == Activations::Fp16 ? Granularity::Group : Granularity::Channel;
    q.head_w_bits = q.w_bits;
}

void set_option(Recipe& q, const std::string& opt, const std::string& text) {
    double v = 0;
    if (opt == "dynamic" && q.a_bits == 8) {
        q.dynamic = true;
    } else if (opt == "asym" || opt == "asymmetric") {
        bad(text,
            "asymmetric quantization is not supported: the GEMM kernels take symmetric weights and "
            "activations (no zero points)");
    } else if (opt.size() > 1 && opt[0] == 'g' && number(opt.substr(1), 2, 1 << 16, &v) && v == static_cast<int>(v)) {
        if (q.activations() != Activations::Fp16)
            bad(text, "-" + opt + ": per-group weight scales need fp16 activations (w8a16, w4a16)");
        q.granularity = Granularity::Group;
        q.group = static_cast<int>(v);
    } else if (opt == "per-channel" || opt == "per-tensor") {
        q.granularity = opt == "per-tensor" ? Granularity::Tensor : Granularity::Channel;
    } else if (opt == "gptq") {
        q.gptq = true;
    } else if (opt == "smooth" || (opt.rfind("smooth", 0) == 0 && number(opt.substr(6), 0.01, 0.99, &v))) {
        q.smooth = true;
        q.smooth_alpha = opt == "smooth" ? 0 : v;
    } else if (opt == "awq") {
        q.awq = true;
    } else if (opt == "outch") {
        q.out_channels = true;
    } else if (opt == "nf4" || opt == "mxfp4" || opt == "int3" || opt == "mxint8" || opt == "fp8-e4m3" ||
               opt == "fp8-e5m2") {
        q.has_format = true;
        q.format = parse_format(opt);
        q.granularity = Granularity::Group;
    } else if (opt == "minmax" || opt == "mse") {
        q.observer = opt == "mse" ? Observer::Mse : Observer::MinMax;
    } else if (opt.rfind("pct", 0) == 0 && number(opt.substr(3), 50, 100, &v)) {
        q.observer = Observer::Percentile;
        q.percentile = v;
    } else {
        bad(text, "unknown or unsupported option '-" + opt + "'");
    }
}

void set_extra(Recipe& q, const std::string& e, const std::string& text) {
    double v = 0;
    if (e == "kv8" || e == "kv4" || e == "kv16") {
        q.kv_bits = std::stoi(e.substr(2));
    } else if ((e == "head8" || e == "head4") && !(q.dynamic && e == "head4")) {
        q.head_w_bits = e == "head8" ? 8 : 4;
    } else if (e.rfind("a16@", 0) == 0 && e.size() > 4) {
        q.a16_patterns.push_back(e.substr(4));
    } else if (e == "rot") {
        q.rotate = true;
    } else if (e.rfind("mp", 0) == 0 && number(e.substr(2), 0, 100, &v)) {
        q.promote_percent = v;
    } else if (e == "shadow" || (e.rfind("shadow", 0) == 0 && number(e.substr(6), 1e-6, 100, &v))) {
        q.shadow = true;
        q.shadow_percent = e == "shadow" ? 0 : v;
    } else {
        bad(text, "unknown or unsupported option '+" + e + "'");
    }
}

// A format's scales are per block of its own size unless a group was given.
void default_block(Recipe& q, bool group_given) {
    if (q.has_format && !group_given) q.group = format_spec(q.format).default_block;
}

// Rules across fields, for a short name and a YAML file alike.
void check_combination(const Recipe& q, const std::string& text) {
    if (q.gptq && q.granularity == Granularity::Tensor)
        bad(text, "-gptq quantizes a row at a time: it needs per-channel or per-group weight scales");
    const bool static_a8 = q.activations() == Activations::Int8 && !q.dynamic;
    if (q.smooth && !static_a8)
        bad(text,
            "-smooth migrates activation outliers into the weights of static int8 linears: it needs a "
            "static a8 base (w8a8, w4a8)");
    if (q.out_channels && !static_a8)
        bad(text, "-outch sets static int8 output scales per channel: it needs a static a8 base (w8a8, w4a8)");
    if (q.awq && q.activations() != Activations::Fp16)
        bad(text, "-awq scales the weights of weight-only linears: it needs fp16 activations (w8a16, w4a16)");
    if (q.has_format) {
        const FormatSpec& f = format_spec(q.format);
        const int lanes = f.element_bits <= 4 ? 4 : 8;  // int3 codes travel in int4 lanes
        if (q.activations() != Activations::Fp16)
            bad(text, std::string("-") + f.name +
                          ": the integer-activation GEMMs multiply integer weights and cannot consume this "
                          "format; formats are decoded to fp16 for weight-only bases (w4a16, w8a16)");
        if (q.w_bits != lanes)
            bad(text, std::string("-") + f.name + " has " + std::to_string(f.element_bits) +
                          "-bit elements: the base must be w" + std::to_string(lanes) + "a16");
        if (q.granularity != Granularity::Group)
            bad(text,
                std::string("-") + f.name + " scales blocks of weights: -per-channel and -per-tensor do not apply");
        if (f.fixed_block && q.group != f.default_block)
            bad(text, std::string("-") + f.name + " has blocks of " + std::to_string(f.default_block) + " (-g" +
                          std::to_string(q.group) + " is not allowed)");
        if (q.gptq || q.awq)
            bad(text,
                std::string("-") + f.name + ": -gptq and -awq round to the integer grid, not to this format's levels");
    }
    if (q.shadow && q.smooth) bad(text, "+shadow and -smooth both treat the activation outliers: choose one");
    if (q.shadow && (q.activations() != Activations::Int8 || q.dynamic))
        bad(text, "+shadow runs the outliers beyond a static int8 clip on the CPU: it needs a static a8 base");
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep))
        out.push_back(item);
    return out;
}

Recipe from_yaml(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw npu::UserError(path + ": cannot read the quantization recipe");
    std::stringstream ss;
    ss << in.rdbuf();
    const auto kv = npu::parse_yaml_mapping(ss.str(), path);
    auto get = [&](const std::string& key) -> const npu::YamlScalar* {
        auto it = kv.find(key);
        return it == kv.end() ? nullptr : &it->second;
    };
    auto fail = [&](const std::string& key, const std::string& why) {
        const npu::YamlScalar* s = get(key);
        throw npu::UserError(path + ":" + std::to_string(s ? s->line : 0) + ": " + key + " " + why);
    };
    const npu::YamlScalar* base = get("base");
    if (!base) throw npu::UserError(path + ": the recipe needs `base:` (w8a8, w4a8, w8a16, w4a16, w8a16i, w4a16i)");
    Recipe q;
    set_base(q, base->value, path);
    for (const auto& [key, s] : kv) {
        const std::string& v = s.value;
        if (key == "base") continue;
        if (key.rfind("a16.", 0) == 0) {  // a16: {NAME: PATTERN}
            q.a16_patterns.push_back(v);
            continue;
        }
        std::string opt;
        if (key == "activations" && (v == "dynamic" || v == "static")) {
            if (v == "dynamic") set_option(q, "dynamic", path);
            continue;
        }
        if (key == "group")
            opt = "g" + v;
        else if (key == "granularity" && (v == "per-channel" || v == "per-tensor"))
            opt = v;
        else if (key == "weights" && (v == "gptq" || v == "awq"))
            opt = v;
        else if (key == "smooth")
            opt = v == "true" ? "smooth" : v == "false" ? "" : "smooth" + v;
        else if (key == "output_scales" && v == "per-channel")
            opt = "outch";
        else if (key == "format")
            opt = v;
        if (key == "smooth" && v == "false")
            continue;
        else if (key == "observer" && (v == "minmax" || v == "mse"))
            opt = v;
        else if (key == "percentile")
            opt = "pct" + v;
        if (!opt.empty()) {
            try {
                set_option(q, opt, path);
            } catch (const npu::UserError&) {
                fail(key, "= '" + v + "' is not allowed here");
            }
            continue;
        }
        std::string extra;
        if (key == "kv_bits" && (v == "4" || v == "8" || v == "16"))
            extra = "kv" + v;
        else if (key == "lm_head_bits" && (v == "4" || v == "8"))
            extra = "head" + v;
        else if (key == "promote_percent")
            extra = "mp" + v;
        else if (key == "shadow_percent")
            extra = "shadow" + v;
        else if (key == "rotate" && (v == "true" || v == "false")) {
            q.rotate = v == "true";
            continue;
        }
        if (extra.empty()) fail(key, "= '" + v + "' is not a recipe field or value");
        try {
            set_extra(q, extra, path);
        } catch (const npu::UserError&) {
            fail(key, "= '" + v + "' is not allowed here");
        }
    }
    default_block(q, kv.count("group") > 0);
    check_combination(q, path);
    return q;
}

}  // namespace

bool glob_match(const std::string& p, const std::string& t) {
    size_t pi = 0, ti = 0, star = std::string::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = ti;
        } else if (pi < p.size() && p[pi] == t[ti]) {
            ++pi;
            ++ti;
        } else if (star != std::string::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*')
        ++pi;
    return pi == p.size();
}

Recipe Recipe::parse(const std::string& text) {
    if (text.size() > 5 && text.substr(text.size() - 5) == ".yaml") return from_yaml(text);
    std::vector<std::string> plus = split(text, '+');
    if (plus.empty() || plus[0].empty()) bad(text, "empty recipe");
    std::vector<std::string> dash = split(plus[0], '-');
    Recipe q;
    set_base(q, dash[0], text);
    for (size_t i = 1; i < dash.size(); ++i) {
        // -per-channel and -per-tensor hold the separator themselves.
        if ((dash[i] == "per" || dash[i] == "fp8") && i + 1 < dash.size())
            set_option(q, dash[i] + "-" + dash[i + 1], text), ++i;
        else
            set_option(q, dash[i], text);
    }
    for (size_t i = 1; i < plus.size(); ++i)
        set_extra(q, plus[i], text);
    default_block(q, std::any_of(dash.begin() + 1, dash.end(), [](const std::string& o) {
                      return o.size() > 1 && o[0] == 'g' && std::isdigit(static_cast<unsigned char>(o[1]));
                  }));
    if (q.dynamic) q.head_w_bits = 8;
    check_combination(q, text);
    return q;
}

std::string Recipe::name() const {
    std::ostringstream s;
    s << "w" << w_bits << "a" << a_bits << (int16_activations ? "i" : "") << (dynamic ? "-dynamic" : "");
    if (granularity == Granularity::Group && group != (has_format ? format_spec(format).default_block : 128))
        s << "-g" << group;
    if (granularity == Granularity::Tensor) s << "-per-tensor";
    if (activations() == Activations::Fp16 && granularity == Granularity::Channel) s << "-per-channel";
    if (gptq) s << "-gptq";
    if (awq) s << "-awq";
    if (smooth) s << "-smooth";
    if (smooth && smooth_alpha > 0) s << smooth_alpha;
    if (out_channels) s << "-outch";
    if (has_format) s << "-" << format_spec(format).name;
    if (observer == Observer::Mse) s << "-mse";
    if (observer == Observer::Percentile) s << "-pct" << percentile;
    s << "+kv" << kv_bits;
    if (head_w_bits != w_bits) s << "+head" << head_w_bits;
    for (const std::string& p : a16_patterns)
        s << "+a16@" << p;
    if (promote_percent > 0) s << "+mp" << promote_percent;
    if (shadow) s << "+shadow";
    if (shadow && shadow_percent > 0) s << shadow_percent;
    if (rotate) s << "+rot";
    return s.str();
}

Activations Recipe::activations() const {
    if (a_bits == 8) return Activations::Int8;
    return int16_activations ? Activations::Int16 : Activations::Fp16;
}

Activations Recipe::activations_of(const std::string& op) const {
    for (const std::string& p : a16_patterns)
        if (glob_match(p, op)) return Activations::Fp16;
    return activations();
}

int Recipe::a_bits_of(const std::string& op) const {
    return activations_of(op) == Activations::Int8 ? 8 : 16;
}

}  // namespace npusim::quant
