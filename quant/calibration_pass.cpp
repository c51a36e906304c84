#include "quant/calibration_pass.h"

#include <algorithm>

#include "quant/host_kernels.h"
#include "quant/smoothing.h"

namespace npusim::quant {

using models::Linear;
using models::Matrix;
using models::Vector;

TensorObserver& CalibrationPass::observer(const std::string& name) {
    return obs_.try_emplace(name, name).first->second;
}

models::LinearFn CalibrationPass::hook() {
    const bool keep_inputs = r_.smooth || r_.awq;
    return [this, keep_inputs](const Matrix& x, const Linear& l) {
        const std::string name = linear_name(l.name);
        Seen& seen = seen_[name];
        if (std::find(seen.parts.begin(), seen.parts.end(), l.name) == seen.parts.end()) {
            seen.parts.push_back(l.name);
            if (keep_inputs) seen.weights.push_back(l);
        }
        if (seen.parts.front() == l.name) {  // the fused linear's input, once
            if (keep_inputs) {
                if (!x.allFinite()) observer(name + ".in").add(x.data(), static_cast<size_t>(x.size()));  // names it
                seen.inputs.push_back(x);
            } else {
                observer(name + ".in").add(x.data(), static_cast<size_t>(x.size()));
                if (r_.gptq) grams_[name].add(x);
            }
        }
        Matrix y = models::float_linear(x, l);
        observer(name + ".out").add(y.data(), static_cast<size_t>(y.size()));
        if (r_.out_channels) {
            const Vector m = y.cwiseAbs().colwise().maxCoeff().transpose();
            auto [it, fresh] = seen.out_max.try_emplace(l.name, m);
            if (!fresh) it->second = it->second.cwiseMax(m);
        }
        return y;
    };
}

Calibration CalibrationPass::finish() {
    std::map<std::string, Vector> smooth;
    for (auto& [name, seen] : seen_) {
        if (seen.inputs.empty()) continue;
        Eigen::Index rows = 0;
        for (const Matrix& x : seen.inputs)
            rows += x.rows();
        Matrix x(rows, seen.inputs.front().cols());
        rows = 0;
        for (Matrix& part : seen.inputs) {
            x.middleRows(rows, part.rows()) = part;
            rows += part.rows();
            part = Matrix();
        }
        std::vector<const Linear*> parts;
        for (const Linear& p : seen.weights)
            parts.push_back(&p);
        const Matrix w = stack_linears(name, parts).w;
        // SmoothQuant where the linear runs static int8, AWQ where it keeps fp16 activations.
        const Activations act = r_.activations_of(name);
        if (r_.smooth && act == Activations::Int8) {
            smooth[name] = smooth_quant(w, x, r_.w_bits, r_.smooth_alpha).s;
        } else if (r_.awq && act == Activations::Fp16) {
            const int64_t group =
                r_.granularity == Granularity::Group && w.cols() % r_.group == 0 ? r_.group : w.cols();
            smooth[name] = awq(w, x, r_.w_bits, group).s;
        }
        if (smooth.count(name)) x = x * smooth[name].cwiseInverse().asDiagonal();
        observer(name + ".in").add(x.data(), static_cast<size_t>(x.size()));
        if (r_.gptq) grams_[name].add(x);
    }
    Calibration cal = calibration_from(obs_, r_);
    cal.grams = std::move(grams_);
    cal.smooth = std::move(smooth);
    for (const auto& [name, seen] : seen_) {
        if (seen.out_max.empty()) continue;
        std::vector<float> clips;
        for (const std::string& p : seen.parts) {
            const Vector& m = seen.out_max.at(p);
            clips.insert(clips.end(), m.data(), m.data() + m.size());
        }
        Vector v = Eigen::Map<Vector>(clips.data(), static_cast<Eigen::Index>(clips.size()));
        cal.out_clips[name] = v.cwiseMax(1e-6f);  // an all-zero channel still gets a usable scale
    }
    return cal;
}

}  // namespace npusim::quant
