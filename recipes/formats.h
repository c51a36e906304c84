#pragma once
// Weight formats as data types, with exact host encode and decode: each splits a tensor into
// blocks that share a scale and stores every element in a few bits.
//
//   int4, int3    symmetric integers (+-7, +-3) with an fp16 scale per block (absmax / qmax)
//   nf4           QLoRA's NormalFloat4 (Dettmers et al. 2023, appendix E): 16 levels of a normal
//                 distribution's quantiles in [-1, 1], an fp32 absmax per block (default 64)
//   mxfp4         OCP Microscaling v1.0: 32-element blocks of FP4 E2M1 sharing an E8M0 scale
//                 2^(floor(log2 absmax) - 2)
//   mxint8        the same with 8-bit integer elements (implied scale 2^-6, +-127), scale
//                 2^floor(log2 absmax)
//   fp8-e4m3, fp8-e5m2   OCP FP8 elements with an fp32 scale per block (absmax / the format's max)
//
// Elements round to nearest (ties to even; NF4: to the lower level) and saturate at the format's
// largest finite value (a quantizer scales them into range; plain casts of out-of-range values
// give NaN or inf instead).
#include <cstdint>
#include <string>
#include <vector>

namespace npusim::quant {

enum class WeightFormat { Int4, Int3, Nf4, Mxfp4, Mxint8, Fp8E4m3, Fp8E5m2 };

struct FormatSpec {
    WeightFormat format;
    const char* name;
    int element_bits;
    int scale_bits;     // per block
    int default_block;  // elements per scale
    bool fixed_block;   // the block size is part of the format (MX: 32)
};

const std::vector<FormatSpec>& weight_formats();
const FormatSpec& format_spec(WeightFormat f);
// Throws UserError naming the text and listing the formats.
WeightFormat parse_format(const std::string& name);

// `x` rounded to the nearest IEEE fp16 value (ties to even; beyond the largest, infinity), as a
// float: how the kernels store fp16 scales.
float round_to_fp16(float x);

// Scalar element codecs (codes in the low bits of a byte).
uint8_t fp8_e4m3_encode(float x);
float fp8_e4m3_decode(uint8_t code);
uint8_t fp8_e5m2_encode(float x);
float fp8_e5m2_decode(uint8_t code);
uint8_t fp4_e2m1_encode(float x);
float fp4_e2m1_decode(uint8_t code);
float e8m0_decode(uint8_t code);  // 2^(code - 127); 255 is NaN
// QLoRA's 16 NF4 levels, ascending (index = code).
const float* nf4_levels();

struct EncodedTensor {
    WeightFormat format = WeightFormat::Int4;
    int64_t elements = 0, block = 0;
    std::vector<uint8_t> codes;  // one per element
    // One per block: the scale as stored (fp16 and fp32 ones as floats; E8M0 as its code).
    std::vector<float> scales;
    std::vector<uint8_t> scale_codes;  // E8M0 codes (MX formats only)
};

// Throws UserError for a block size that does not divide `n` (or is not the format's own), or a
// NaN or infinite element (naming its index).
EncodedTensor encode_weights(WeightFormat f, const float* x, int64_t n, int64_t block = 0);
std::vector<float> decode_weights(const EncodedTensor& t);

// Bits a weight takes in the format, its block's scale included.
double bits_per_weight(WeightFormat f, int64_t block = 0);

}  // namespace npusim::quant
