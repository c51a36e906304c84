#pragma once
// Subnormal floats flushed to zero (x86 FTZ and DAZ) for the lifetime of the object, on the
// calling thread. A causal softmax makes many attention weights subnormal (exp of a large negative
// score), and x86 multiplies those tens of times slower than normal floats: a float or quantized
// forward pass over a window spent most of its time there. Their contribution is below 1e-38 of a
// weight that is at most 1, so no result changes measurably. Elsewhere (non-SSE) it does nothing.
#if defined(__SSE__)
#include <pmmintrin.h>
#endif

namespace npu {

class FlushSubnormals {
public:
#if defined(__SSE__)
    FlushSubnormals() : saved_(_mm_getcsr()) {
        _mm_setcsr(saved_ | _MM_FLUSH_ZERO_ON | _MM_DENORMALS_ZERO_ON);
    }
    ~FlushSubnormals() {
        _mm_setcsr(saved_);
    }
    FlushSubnormals(const FlushSubnormals&) = delete;
    FlushSubnormals& operator=(const FlushSubnormals&) = delete;

private:
    unsigned saved_;
#endif
};

}  // namespace npu
