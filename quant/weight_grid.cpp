#include "quant/weight_grid.h"

#include <algorithm>
#include <cmath>

#include "quant/calibration.h"
#include "recipes/formats.h"

namespace npusim::quant {

std::vector<int8_t> quantize_rows(const models::Matrix& w, int bits, int64_t per, bool per_tensor,
                                  std::vector<float>& scales, bool fp16_scales) {
    const float qmax = qmax_of(bits);
    const float global = w.cwiseAbs().maxCoeff();
    std::vector<int8_t> q(static_cast<size_t>(w.size()));
    scales.clear();
    for (Eigen::Index r = 0; r < w.rows(); ++r)
        for (Eigen::Index g = 0; g < w.cols(); g += per) {
            const float m = per_tensor ? global : w.row(r).segment(g, per).cwiseAbs().maxCoeff();
            float s = std::max(m, 1e-8f) / qmax;
            if (fp16_scales) s = round_to_fp16(s);
            scales.push_back(s);
            for (Eigen::Index c = g; c < g + per; ++c)
                q[static_cast<size_t>(r * w.cols() + c)] =
                    static_cast<int8_t>(std::clamp(std::nearbyint(w(r, c) / s), -qmax, qmax));
        }
    return q;
}

models::Matrix fake_quantize_rows(const models::Matrix& w, int bits, int64_t per, bool fp16_scales) {
    std::vector<float> scales;
    const std::vector<int8_t> q = quantize_rows(w, bits, per, false, scales, fp16_scales);
    const int64_t groups = w.cols() / per;
    models::Matrix out(w.rows(), w.cols());
    for (Eigen::Index r = 0; r < w.rows(); ++r)
        for (Eigen::Index c = 0; c < w.cols(); ++c)
            out(r, c) = static_cast<float>(q[static_cast<size_t>(r * w.cols() + c)]) *
                        scales[static_cast<size_t>(r * groups + c / per)];
    return out;
}

}  // namespace npusim::quant
