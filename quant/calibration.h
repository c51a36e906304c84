#pragma once
// Static activation scales: observers over calibration inputs, and the file they are saved in.
//
// A TensorObserver keeps |x| of one tensor over every calibration input and picks the clip value c
// (scale = c / qmax, symmetric):
//   minmax      c = max |x|
//   percentile  c = the P-th percentile of |x|
//   mse         c in {0.30, 0.31, ..., 1.00} x max |x| minimising the mean squared error of
//               x against dequant(quant(x)) (on up to 2^18 evenly strided samples)
// Any NaN or inf is an error naming the tensor: a scale from garbage would be garbage.
#include <map>
#include <string>
#include <vector>

#include "quant/gptq.h"
#include "recipes/recipe.h"

namespace npusim::quant {

// The largest magnitude of a symmetric `bits`-bit integer: 127, 7.
float qmax_of(int bits);

class TensorObserver {
public:
    explicit TensorObserver(std::string tensor) : name_(std::move(tensor)) {}
    void add(const float* x, size_t n);
    float clip(const Recipe& r, int bits) const;
    // sum |dequant(quant(x)) - x| / (sum |x| + 1e-12) at scale clip / qmax: how much of the
    // tensor quantization loses (the mixed-precision sensitivity).
    double relative_error(float clip, int bits) const;
    size_t count() const { return abs_.size(); }

private:
    std::string name_;
    std::vector<float> abs_;
    float max_ = 0;
};

struct Calibration;
// Scales from observers named "<linear>.in" / "<linear>.out" (scale = clip / 127); with +mpP the
// recipe's share of linears with the largest input relative_error are promoted.
Calibration calibration_from(const std::map<std::string, TensorObserver>& observers, const Recipe& r);

// Calibrated scales by tensor name (e.g. "layer.3.down_proj.in"), and the linears mixed
// precision promoted. Text file: "# npusim calibration", "recipe NAME", then "scale NAME VALUE"
// and "promote NAME" lines.
struct Calibration {
    std::string recipe;
    std::map<std::string, float> scales;
    std::vector<std::string> promoted;
    // Each linear's input relative_error at 8 bits: what mixed precision ranks linears by.
    std::map<std::string, double> sensitivity;
    // With -gptq: each linear's calibration inputs, x^T x ("<linear>"), in memory only (a saved
    // calibration file holds the scales).
    std::map<std::string, InputGram> grams;
    // With -smooth / -awq: each scaled linear's factors s (its input divided by s, its weight
    // columns multiplied by s; the "<linear>.in" scale is then x / s's). With -outch: each static
    // int8 linear's clip per output channel. In memory only, as the grams.
    std::map<std::string, models::Vector> smooth;
    std::map<std::string, models::Vector> out_clips;

    float scale(const std::string& tensor) const;  // UserError naming the tensor if absent
    void save(const std::string& path) const;
    static Calibration load(const std::string& path);  // UserError naming file:line
};

// The recipe with mixed precision resolved: the calibration's promoted linears as +a16@ overrides.
Recipe resolve(const Recipe& r, const Calibration& c);

}  // namespace npusim::quant
