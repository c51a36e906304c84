#pragma once
// What a recipe's calibration takes from one float pass of a model, seen through its linears: the
// activation observers ("<linear>.in", "<linear>.out"), GPTQ's input Gram matrices, SmoothQuant's
// or AWQ's factors (quant/smoothing.h, from the linear's calibration inputs and weights), and the
// per-channel output clips of -outch. The encoder and decoder passes run their float model with
// hook() and then call finish().
//
// A fused linear's parts (q, k, v; gate, up) are one linear here, named as the NPU runs it
// (linear_name): one input, the parts' weights stacked in the order they are seen.
#include <map>
#include <string>
#include <vector>

#include "models/bert_reference.h"
#include "quant/calibration.h"
#include "recipes/recipe.h"

namespace npusim::quant {

class CalibrationPass {
public:
    explicit CalibrationPass(Recipe r) : r_(std::move(r)) {}
    // Valid while this object lives.
    models::LinearFn hook();
    Calibration finish();

private:
    struct Seen {
        std::vector<std::string> parts;
        std::vector<models::Linear> weights;            // the parts, kept only when a factor is searched
        std::vector<models::Matrix> inputs;             // from them and the inputs
        std::map<std::string, models::Vector> out_max;  // per part, per output channel (-outch)
    };
    TensorObserver& observer(const std::string& name);
    Recipe r_;
    std::map<std::string, TensorObserver> obs_;
    std::map<std::string, InputGram> grams_;
    std::map<std::string, Seen> seen_;
};

}  // namespace npusim::quant
