#pragma once
// A quantization recipe as data: what the simulator charges (models/workload) and what the
// accuracy passes compute (quant/) read the same fields.
//
// Short names: BASE[-OPTION...][+EXTRA...]
//   BASE     w8a8, w4a8 (static int8 activations), w8a16, w4a16 (weight-only, fp16 activations),
//            w8a16i, w4a16i (static 16-bit integer activations: QNN's A16W8 and A16W4),
//            w8a8-dynamic, w4a8-dynamic (activation scales per token at run time)
//   -gN      weight scales per group of N input channels (weight-only bases; default 128)
//   -per-channel / -per-tensor   weight scale granularity (-per-channel is the default of a8)
//   -gptq                         weights by GPTQ (quant/gptq.h) instead of round-to-nearest, from
//                                 the calibration inputs (per-channel or per-group scales)
//   -smooth / -smoothA            SmoothQuant (quant/smoothing.h): each static int8 linear's input
//                                 channels divided by s = max|x|^A / max|w|^(1-A) and its weight
//                                 columns multiplied by it (A searched per linear when not given);
//                                 the division is folded into the static quantize (quantize_channels)
//   -awq                          AWQ (quant/smoothing.h): a weight-only linear's weight columns scaled
//                                 by s = mean|x|^A before rounding (A searched per linear), its input
//                                 divided by s on the vector unit (scale_channels)
//   -nf4 / -mxfp4 / -int3 (w4a16), -mxint8 / -fp8-e4m3 / -fp8-e5m2 (w8a16)
//                                 weights stored in that format (recipes/formats.h), a scale per
//                                 block of -gN (default: the format's block); decoded to fp16 on
//                                 the vector unit (a lookup table) before the fp16 MatMul
//   -outch                        static int8 outputs with a scale per output channel (each channel's
//                                 calibrated max |y|) instead of one per tensor (dequantize_channels)
//   -minmax / -pctP / -mse        activation observer (static bases): max |x|, the P-th percentile
//            of |x| (e.g. -pct99.99), or the clip that minimises the quantization MSE
//   +kv4 / +kv8 / +kv16           KV cache bits (default 8; 16: an fp16 cache, unquantized)
//   +head4 / +head8               lm_head weight bits (default: the weights')
//   +a16@PATTERN                  linears whose name matches PATTERN (`*` any run of characters,
//                                 names like layer.3.down_proj) keep fp16 activations
//   +mpP                          promote the P % most quantization-sensitive linears to fp16
//                                 activations (mixed precision; needs calibration data)
//   +shadow / +shadowP            shadow outlier execution (llm.npu): activations beyond the static
//                                 clip run in float on the CPU beside the int8 MatMul on the NPU;
//                                 P is their share (%) of the activation values, which
//                                 `npusim quant-eval` measures on real weights (static a8 only)
//   +rot                          rotate a decoder's residual stream offline first (QuaRot R1,
//                                 quant/rotation.h): folded into the weights, no run-time cost
// or a path to a YAML file (*.yaml) with the same fields spelled out (docs/quantization.md).
// Asymmetric (zero-point) quantization is refused: the GEMM kernels are symmetric.
#include <string>
#include <utility>
#include <vector>

#include "recipes/formats.h"

namespace npusim::quant {

enum class Granularity { Tensor, Channel, Group };
// What a linear's activations are on the NPU.
enum class Activations { Int8, Int16, Fp16 };
enum class Observer { MinMax, Percentile, Mse };

struct Recipe {
    int w_bits = 8, a_bits = 8;
    bool dynamic = false;
    bool int16_activations = false;  // a_bits 16 as integers (w8a16i, w4a16i), not fp16
    int kv_bits = 8;
    int head_w_bits = 8;
    Granularity granularity = Granularity::Channel;
    int group = 128;  // K elements per weight scale, for Granularity::Group
    Observer observer = Observer::MinMax;
    double percentile = 99.99;
    std::vector<std::string> a16_patterns;  // linears kept at fp16 activations
    double promote_percent = 0;             // mixed precision: share of linears promoted to a16
    bool rotate = false;                    // residual-stream rotation before quantization
    bool gptq = false;                      // weights by GPTQ from the calibration inputs
    bool smooth = false;                    // SmoothQuant on the static int8 linears
    double smooth_alpha = 0;                // its migration strength; 0: searched per linear
    bool awq = false;                       // AWQ scaling of the weight-only linears
    bool out_channels = false;              // per-channel static output scales
    bool has_format = false;                // weights in `format` (weight-only bases)
    WeightFormat format = WeightFormat::Int4;
    bool shadow = false;        // shadow outlier execution
    double shadow_percent = 0;  // share of activation values beyond the clip (0: not yet measured)

    // Throws npu::UserError "quantization recipe '<text>': <why> (recipes: ...)".
    static Recipe parse(const std::string& text_or_yaml_path);
    std::string name() const;
    // Activation bits of the linear named `op` (e.g. "layer.3.down_proj") after the overrides.
    int a_bits_of(const std::string& op) const;
    // The activations of the recipe's linears, and of the linear `op` after the +a16@ overrides
    // (which keep fp16 activations).
    Activations activations() const;
    Activations activations_of(const std::string& op) const;
};

// `*` matches any run of characters.
bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace npusim::quant
