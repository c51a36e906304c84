#include "recipes/formats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "base/errors.h"

namespace npusim::quant {

namespace {

// A minifloat as the codes we produce: sign, `e` exponent bits (bias 2^(e-1) - 1), `m` mantissa
// bits, subnormals at exponent 0, values up to `max` (codes above it, NaN or inf, are never made).
struct Minifloat {
    int e, m;
    float max;                  // largest finite value
    std::vector<float> values;  // the non-negative codes' values, ascending (index = code)

    Minifloat(int exp_bits, int man_bits, float largest) : e(exp_bits), m(man_bits), max(largest) {
        for (int c = 0; c < (1 << (e + m)) && decode(static_cast<uint8_t>(c)) <= max; ++c)
            values.push_back(decode(static_cast<uint8_t>(c)));
    }
    float decode(uint8_t code) const {
        const int bias = (1 << (e - 1)) - 1;
        const int sign = (code >> (e + m)) & 1;
        const int exp = (code >> m) & ((1 << e) - 1);
        const int man = code & ((1 << m) - 1);
        const float v = exp == 0 ? std::ldexp(static_cast<float>(man), 1 - bias - m)
                                 : std::ldexp(static_cast<float>((1 << m) | man), exp - bias - m);
        return sign ? -v : v;
    }
    // Round to nearest, ties to even (the code whose mantissa's last bit is 0), saturating at max.
    uint8_t encode(float x) const {
        const uint8_t sign = std::signbit(x) ? static_cast<uint8_t>(1 << (e + m)) : 0;
        const float a = std::min(std::fabs(x), max);
        const auto hi_it = std::lower_bound(values.begin(), values.end(), a);  // first value >= a
        const auto hi = static_cast<uint8_t>(hi_it - values.begin());
        if (*hi_it == a || hi == 0) return sign | hi;
        const auto lo = static_cast<uint8_t>(hi - 1);
        const float dlo = a - values[lo], dhi = *hi_it - a;
        return sign | (dlo < dhi ? lo : dhi < dlo ? hi : ((lo & 1) == 0 ? lo : hi));
    }
};

const Minifloat kE4m3{4, 3, 448.0f};
const Minifloat kE5m2{5, 2, 57344.0f};
const Minifloat kE2m1{2, 1, 6.0f};

// QLoRA, appendix E ("NormalFloat 4-bit data type"): the exact values of the 16 levels.
constexpr std::array<float, 16> kNf4 = {-1.0f,
                                        -0.6961928009986877f,
                                        -0.5250730514526367f,
                                        -0.39491748809814453f,
                                        -0.28444138169288635f,
                                        -0.18477343022823334f,
                                        -0.09105003625154495f,
                                        0.0f,
                                        0.07958029955625534f,
                                        0.16093020141124725f,
                                        0.24611230194568634f,
                                        0.33791524171829224f,
                                        0.44070982933044434f,
                                        0.5626170039176941f,
                                        0.7229568362236023f,
                                        1.0f};

const std::vector<FormatSpec> kFormats = {
    {WeightFormat::Int4, "int4", 4, 16, 128, false},        {WeightFormat::Int3, "int3", 3, 16, 128, false},
    {WeightFormat::Nf4, "nf4", 4, 32, 64, false},           {WeightFormat::Mxfp4, "mxfp4", 4, 8, 32, true},
    {WeightFormat::Mxint8, "mxint8", 8, 8, 32, true},       {WeightFormat::Fp8E4m3, "fp8-e4m3", 8, 32, 128, false},
    {WeightFormat::Fp8E5m2, "fp8-e5m2", 8, 32, 128, false},
};

// MX shared scale exponent: floor(log2(absmax)) - emax of the element, kept within E8M0's range.
int mx_exponent(float absmax, int emax) {
    if (absmax == 0) return -127;
    int e = 0;
    std::frexp(absmax, &e);  // absmax = f * 2^e, f in [0.5, 1): floor(log2 absmax) = e - 1
    return std::clamp(e - 1 - emax, -127, 127);
}

}  // namespace

float round_to_fp16(float x) {
    if (!std::isfinite(x) || x == 0) return x;
    int e = 0;
    std::frexp(x, &e);  // |x| = f * 2^e, f in [0.5, 1)
    // The spacing of fp16 values around x: 2^(exponent - 10), and 2^-24 below the normals.
    const int quantum = std::max(e - 1, -14) - 10;
    const float r = std::ldexp(std::nearbyint(std::ldexp(x, -quantum)), quantum);
    return std::fabs(r) > 65504.0f ? std::copysign(std::numeric_limits<float>::infinity(), x) : r;
}

const std::vector<FormatSpec>& weight_formats() {
    return kFormats;
}

const FormatSpec& format_spec(WeightFormat f) {
    for (const FormatSpec& s : kFormats)
        if (s.format == f) return s;
    throw npu::InternalError("unknown weight format");
}

WeightFormat parse_format(const std::string& name) {
    std::string known;
    for (const FormatSpec& s : kFormats) {
        if (name == s.name) return s.format;
        known += (known.empty() ? "" : ", ") + std::string(s.name);
    }
    throw npu::UserError("unknown weight format '" + name + "' (formats: " + known + ")");
}

uint8_t fp8_e4m3_encode(float x) {
    return kE4m3.encode(x);
}
float fp8_e4m3_decode(uint8_t code) {
    return kE4m3.decode(code);
}
uint8_t fp8_e5m2_encode(float x) {
    return kE5m2.encode(x);
}
float fp8_e5m2_decode(uint8_t code) {
    return kE5m2.decode(code);
}
uint8_t fp4_e2m1_encode(float x) {
    return kE2m1.encode(x);
}
float fp4_e2m1_decode(uint8_t code) {
    return kE2m1.decode(code & 0xf);
}
float e8m0_decode(uint8_t code) {
    return code == 255 ? std::numeric_limits<float>::quiet_NaN() : std::ldexp(1.0f, static_cast<int>(code) - 127);
}
const float* nf4_levels() {
    return kNf4.data();
}

EncodedTensor encode_weights(WeightFormat f, const float* x, int64_t n, int64_t block) {
    const FormatSpec& spec = format_spec(f);
    if (block == 0) block = spec.default_block;
    if (spec.fixed_block && block != spec.default_block)
        throw npu::UserError(std::string(spec.name) + ": the block is " + std::to_string(spec.default_block) +
                             " elements by definition, not " + std::to_string(block));
    if (block < 1 || n % block != 0)
        throw npu::UserError(std::string(spec.name) + ": a block of " + std::to_string(block) +
                             " elements does not divide the " + std::to_string(n) + " elements");
    for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(x[i]))
            throw npu::UserError(std::string(spec.name) + ": element " + std::to_string(i) + " is " +
                                 (std::isnan(x[i]) ? "NaN" : "infinite") + "; only finite weights can be encoded");
    EncodedTensor t;
    t.format = f;
    t.elements = n;
    t.block = block;
    t.codes.resize(static_cast<size_t>(n));
    for (int64_t b = 0; b < n / block; ++b) {
        const float* v = x + b * block;
        uint8_t* c = t.codes.data() + b * block;
        float absmax = 0;
        for (int64_t i = 0; i < block; ++i)
            absmax = std::max(absmax, std::fabs(v[i]));
        switch (f) {
            case WeightFormat::Int4:
            case WeightFormat::Int3: {
                const float qmax = f == WeightFormat::Int4 ? 7.0f : 3.0f;
                const float scale = round_to_fp16(absmax / qmax);
                t.scales.push_back(scale);
                for (int64_t i = 0; i < block; ++i) {
                    const float q = scale > 0 ? std::clamp(std::nearbyint(v[i] / scale), -qmax, qmax) : 0.0f;
                    c[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
                }
                break;
            }
            case WeightFormat::Nf4: {
                t.scales.push_back(absmax);
                for (int64_t i = 0; i < block; ++i) {
                    const float u = absmax > 0 ? v[i] / absmax : 0.0f;
                    int best = 0;
                    for (int k = 1; k < 16; ++k)
                        if (std::fabs(u - kNf4[static_cast<size_t>(k)]) <
                            std::fabs(u - kNf4[static_cast<size_t>(best)]))
                            best = k;
                    c[i] = static_cast<uint8_t>(best);
                }
                break;
            }
            case WeightFormat::Mxfp4:
            case WeightFormat::Mxint8: {
                const bool fp4 = f == WeightFormat::Mxfp4;
                const int e = mx_exponent(absmax, fp4 ? 2 : 0);
                const auto code = static_cast<uint8_t>(e + 127);
                t.scale_codes.push_back(code);
                t.scales.push_back(e8m0_decode(code));
                for (int64_t i = 0; i < block; ++i) {
                    const float u = std::ldexp(v[i], -e);
                    if (fp4) {
                        c[i] = fp4_e2m1_encode(u);
                    } else {
                        const float q = std::clamp(std::nearbyint(std::ldexp(u, 6)), -127.0f, 127.0f);
                        c[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
                    }
                }
                break;
            }
            case WeightFormat::Fp8E4m3:
            case WeightFormat::Fp8E5m2: {
                const Minifloat& mf = f == WeightFormat::Fp8E4m3 ? kE4m3 : kE5m2;
                const float scale = absmax / mf.max;
                t.scales.push_back(scale);
                for (int64_t i = 0; i < block; ++i)
                    c[i] = mf.encode(scale > 0 ? v[i] / scale : 0.0f);
                break;
            }
        }
    }
    return t;
}

std::vector<float> decode_weights(const EncodedTensor& t) {
    std::vector<float> out(static_cast<size_t>(t.elements));
    for (int64_t i = 0; i < t.elements; ++i) {
        const float s = t.scales[static_cast<size_t>(i / t.block)];
        const uint8_t c = t.codes[static_cast<size_t>(i)];
        float v = 0;
        switch (t.format) {
            case WeightFormat::Int4:
            case WeightFormat::Int3:
                v = static_cast<float>(static_cast<int8_t>(c)) * s;
                break;
            case WeightFormat::Nf4:
                v = kNf4[c & 0xf] * s;
                break;
            case WeightFormat::Mxfp4:
                v = fp4_e2m1_decode(c) * s;
                break;
            case WeightFormat::Mxint8:
                v = std::ldexp(static_cast<float>(static_cast<int8_t>(c)), -6) * s;
                break;
            case WeightFormat::Fp8E4m3:
                v = kE4m3.decode(c) * s;
                break;
            case WeightFormat::Fp8E5m2:
                v = kE5m2.decode(c) * s;
                break;
        }
        out[static_cast<size_t>(i)] = v;
    }
    return out;
}

double bits_per_weight(WeightFormat f, int64_t block) {
    const FormatSpec& s = format_spec(f);
    if (block == 0) block = s.default_block;
    return s.element_bits + static_cast<double>(s.scale_bits) / static_cast<double>(block);
}

}  // namespace npusim::quant
