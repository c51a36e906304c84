#include "schedules/gemm/requant_params.h"

#include <cmath>
#include <string>

#include "base/errors.h"

namespace npusim::schedules {

FixedPoint quantize_multiplier(double real) {
    if (!std::isfinite(real) || real < std::ldexp(1.0, -31) || real > std::ldexp(1.0, 29))
        throw npu::ShapeError("requantization scale " + std::to_string(real) + " must be finite and in [2^-31, 2^29]");
    int exp = 0;
    double frac = std::frexp(real, &exp);              // real = frac * 2^exp, frac in [0.5, 1)
    int64_t mult = std::llround(frac * 2147483648.0);  // frac * 2^31
    if (mult == (int64_t{1} << 31)) {                  // rounding reached 1.0
        mult /= 2;
        ++exp;
    }
    // real = mult * 2^(exp - 31)  =>  shift = 31 - exp
    return {static_cast<int32_t>(mult), 31 - exp};
}

}  // namespace npusim::schedules
