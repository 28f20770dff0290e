// Eight-bit products: the input quantizer and the scalar reference; the AVX2 and AVX-512
// VNNI kernels are in int8_avx2.c and int8_vnni.c. See recur_int8.h.
//
// Every variant computes the same integers (int32 sums of int8 products cannot round),
// then the same float epilogue: `(float)acc * (xScale * wScale) + bias`, two roundings in
// that order. Contraction into a fused multiply-add would change the last bit in one
// build and not another, so it is off in every file of these kernels.
#pragma clang fp contract(off)

#include "int8_finish.h"

#include <math.h>
#include <string.h>

// The largest magnitude of a part of a row; NaN never compares greater. Exact, so the
// order (and the vector width the compiler picks) cannot change it.
static inline float largestOf(const float *x, int32_t count, float largest) {
    for (int32_t k = 0; k < count; k++) {
        float a = fabsf(x[k]);
        largest = a > largest ? a : largest;
    }
    return largest;
}

// q = clamp(round-half-even(x · inverse), ±127); one rounding of a product, then an
// exact rounding to an integer: the same in every vector width.
static inline void quantizePart(const float *x, int32_t count, float inverse, int8_t *q) {
    for (int32_t k = 0; k < count; k++) {
        float rounded = __builtin_rintf(x[k] * inverse);  // to nearest, ties to even
        rounded = rounded > 127.0f ? 127.0f : rounded;
        rounded = rounded < -127.0f ? -127.0f : rounded;
        rounded = rounded == rounded ? rounded : 0.0f;
        q[k] = (int8_t)(int32_t)rounded;
    }
}

#define QUANTIZE_ROWS_BODY                                                                              \
    const int32_t stride = 4 * groups;                                                                  \
    for (int32_t r = 0; r < rows; r++) {                                                                \
        const float *a = left + (int64_t)r * leftStride;                                                \
        const float *b = right + (int64_t)r * rightStride;                                              \
        float largest = largestOf(b, inner - leftColumns, largestOf(a, leftColumns, 0.0f));             \
        int8_t *row = q + (int64_t)r * stride;                                                          \
        memset(row, 0, (size_t)stride);                                                                 \
        if (!(largest > 0) || isinf(largest)) {                                                         \
            scales[r] = 0;                                                                              \
            continue;                                                                                   \
        }                                                                                               \
        const float inverse = 127.0f / largest;                                                         \
        quantizePart(a, leftColumns, inverse, row);                                                     \
        quantizePart(b, inner - leftColumns, inverse, row + leftColumns);                               \
        scales[r] = largest / 127.0f;                                                                   \
    }

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void quantizeRowsAVX2(
    const float *left, int32_t leftColumns, int32_t leftStride, const float *right, int32_t rightStride,
    int32_t rows, int32_t inner, int32_t groups, int8_t *q, float *scales) {
    QUANTIZE_ROWS_BODY
}
#endif

static void quantizeRowsPlain(
    const float *left, int32_t leftColumns, int32_t leftStride, const float *right, int32_t rightStride,
    int32_t rows, int32_t inner, int32_t groups, int8_t *q, float *scales) {
    QUANTIZE_ROWS_BODY
}

void recur_i8_quantize_rows(
    const float *left, int32_t leftColumns, int32_t leftStride, const float *right, int32_t rightStride,
    int32_t rows, int32_t inner, int32_t groups, int8_t *q, float *scales) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) {
        quantizeRowsAVX2(left, leftColumns, leftStride, right, rightStride, rows, inner, groups, q, scales);
        return;
    }
#endif
    quantizeRowsPlain(left, leftColumns, leftStride, right, rightStride, rows, inner, groups, q, scales);
}

void recur_i8_multiply_reference(
    const recur_i8_matrix *m, const int8_t *q, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride) {
    const int32_t stride = 4 * m->groups;
    for (int32_t p = panelBegin; p < panelEnd; p++) {
        const int8_t *w = m->panels + (int64_t)p * m->groups * 64;
        for (int32_t r = 0; r < rows; r++) {
            const int8_t *x = q + (int64_t)r * stride;
            int32_t acc[16] = {0};
            for (int32_t g = 0; g < m->groups; g++) {
                for (int32_t lane = 0; lane < 16; lane++) {
                    for (int32_t j = 0; j < 4; j++) {
                        acc[lane] += (int32_t)x[4 * g + j] * (int32_t)w[g * 64 + lane * 4 + j];
                    }
                }
            }
            finish(m, p, acc, xScales[r], y + (int64_t)r * outputStride);
        }
    }
}
