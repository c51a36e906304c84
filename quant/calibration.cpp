#include "quant/calibration.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "base/errors.h"

namespace npusim::quant {

namespace {

// Quantization error of one value at `scale`, symmetric, round half to even (as the kernels).
float roundtrip(float x, float scale, float qmax) {
    const float q = std::clamp(std::nearbyint(x / scale), -qmax, qmax);
    return q * scale;
}

}  // namespace

float qmax_of(int bits) {
    return static_cast<float>((1 << (bits - 1)) - 1);
}

void TensorObserver::add(const float* x, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i]))
            throw npu::UserError("calibration data of tensor '" + name_ + "' holds a NaN or inf (value " +
                                 std::to_string(abs_.size() + i) + "): no scale can be calibrated from it");
    }
    for (size_t i = 0; i < n; ++i) {
        abs_.push_back(std::fabs(x[i]));
        max_ = std::max(max_, abs_.back());
    }
}

float TensorObserver::clip(const Recipe& r, int bits) const {
    if (abs_.empty()) throw npu::UserError("tensor '" + name_ + "' saw no calibration data");
    const float floor = 1e-6f;  // an all-zero tensor still gets a usable scale
    if (r.observer == Observer::MinMax || max_ == 0) return std::max(max_, floor);
    if (r.observer == Observer::Percentile) {
        std::vector<float> v = abs_;
        const auto k =
            static_cast<size_t>(std::min<double>(v.size() - 1, std::floor(r.percentile / 100.0 * (v.size() - 1))));
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
        return std::max(v[k], floor);
    }
    const size_t stride = std::max<size_t>(1, abs_.size() >> 18);
    const float qmax = qmax_of(bits);
    float best = max_;
    double best_err = -1;
    for (int step = 30; step <= 100; ++step) {
        const float c = max_ * static_cast<float>(step) / 100.0f;
        double err = 0;
        for (size_t i = 0; i < abs_.size(); i += stride) {
            const float e = roundtrip(abs_[i], c / qmax, qmax) - abs_[i];
            err += static_cast<double>(e) * e;
        }
        if (best_err < 0 || err < best_err) best_err = err, best = c;
    }
    return std::max(best, floor);
}

double TensorObserver::relative_error(float clip, int bits) const {
    const float qmax = qmax_of(bits), scale = clip / qmax;
    double num = 0, den = 0;
    for (float a : abs_) {
        num += std::fabs(roundtrip(a, scale, qmax) - a);
        den += a;
    }
    return num / (den + 1e-12);
}

Calibration calibration_from(const std::map<std::string, TensorObserver>& obs, const Recipe& r) {
    Calibration c;
    c.recipe = r.name();
    std::vector<std::pair<double, std::string>> sensitivity;
    // 16-bit integer activations (w4a16i) are calibrated for 16 bits, the rest for 8.
    const int bits = r.activations() == Activations::Int16 ? 16 : 8;
    for (const auto& [name, o] : obs) {
        c.scales[name] = o.clip(r, bits) / qmax_of(bits);
        if (name.size() > 3 && name.compare(name.size() - 3, 3, ".in") == 0) {
            sensitivity.emplace_back(o.relative_error(o.clip(r, 8), 8), name.substr(0, name.size() - 3));
            c.sensitivity[sensitivity.back().second] = sensitivity.back().first;
        }
    }
    if (r.promote_percent > 0) {
        std::sort(sensitivity.rbegin(), sensitivity.rend());
        const auto n =
            static_cast<size_t>(std::ceil(r.promote_percent / 100.0 * static_cast<double>(sensitivity.size())));
        for (size_t i = 0; i < n && i < sensitivity.size(); ++i)
            c.promoted.push_back(sensitivity[i].second);
    }
    return c;
}

Recipe resolve(const Recipe& r, const Calibration& c) {
    Recipe out = r;
    if (r.promote_percent > 0) {
        out.promote_percent = 0;
        for (const std::string& p : c.promoted)
            out.a16_patterns.push_back(p);
    }
    return out;
}

float Calibration::scale(const std::string& tensor) const {
    auto it = scales.find(tensor);
    if (it == scales.end())
        throw npu::UserError("the calibration has no scale for tensor '" + tensor + "' (calibrated with recipe '" +
                             recipe + "')");
    return it->second;
}

void Calibration::save(const std::string& path) const {
    std::ofstream out(path);
    if (!out) throw npu::UserError(path + ": cannot write the calibration file");
    out << "# npusim calibration: static activation scales (symmetric, scale = clip / qmax)\n";
    out << "recipe " << recipe << "\n";
    char buf[64];
    for (const auto& [name, s] : scales) {
        std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(s));
        out << "scale " << name << " " << buf << "\n";
    }
    for (const std::string& p : promoted)
        out << "promote " << p << "\n";
    if (!out.flush()) throw npu::UserError(path + ": writing the calibration file failed");
}

Calibration Calibration::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw npu::UserError(path + ": cannot read the calibration file");
    Calibration c;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ss(line);
        std::string kind, name, extra;
        ss >> kind >> name;
        const std::string where = path + ":" + std::to_string(n) + ": ";
        if (kind == "recipe" && !name.empty()) {
            c.recipe = name;
        } else if (kind == "promote" && !name.empty()) {
            c.promoted.push_back(name);
        } else if (kind == "scale" && !name.empty()) {
            std::string v;
            ss >> v;
            char* end = nullptr;
            const double s = std::strtod(v.c_str(), &end);
            if (v.empty() || *end || !std::isfinite(s) || s <= 0)
                throw npu::UserError(where + "the scale of '" + name + "' must be a positive finite number, got '" + v +
                                     "'");
            c.scales[name] = static_cast<float>(s);
        } else {
            throw npu::UserError(where + "expected 'recipe NAME', 'scale TENSOR VALUE' or 'promote LINEAR'");
        }
        if (ss >> extra) throw npu::UserError(where + "unexpected '" + extra + "' at the end of the line");
    }
    if (c.recipe.empty()) throw npu::UserError(path + ": no 'recipe' line: not an npusim calibration file");
    return c;
}

}  // namespace npusim::quant
