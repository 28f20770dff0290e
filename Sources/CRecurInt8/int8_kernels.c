// Eight-bit products: a scalar reference, AVX2 and AVX-512 VNNI. See recur_int8.h.
//
// Every variant computes the same integers (int32 sums of int8 products cannot round),
// then the same float epilogue: `(float)acc * (xScale * wScale) + bias`, two roundings in
// that order. Contraction into a fused multiply-add would change the last bit in one
// build and not another, so it is off for this file.
#pragma clang fp contract(off)

#include "recur_int8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

/// The epilogue of one row and one panel, shared by every variant.
static inline void finish(
    const recur_i8_matrix *m, int32_t panel, const int32_t acc[16], float xScale, float *y) {
    const int32_t first = panel * 16;
    int32_t count = m->outputs - first;
    if (count > 16) count = 16;
    for (int32_t lane = 0; lane < count; lane++) {
        const int32_t n = first + lane;
        const float scale = xScale * m->scales[n];
        const float product = (float)acc[lane] * scale;
        y[n] = product + m->bias[n];
    }
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

#if defined(__x86_64__)

// AVX2: no instruction multiplies signed bytes by signed bytes without saturating
// (vpmaddubsw adds pairs into int16 and saturates), so each group of 4 outputs × 4 K is
// widened to int16 and multiplied with vpmaddwd (exact int32 pair sums); the pairs are
// added at the end.

__attribute__((target("avx2")))
static inline __m256i broadcast4(const int8_t *x) {
    int32_t four;
    memcpy(&four, x, 4);
    return _mm256_cvtepi8_epi16(_mm_set1_epi32(four));
}

/// The epilogue of one row of a panel: acc[c] holds outputs 4c..4c+3 as (k0+k1, k2+k3)
/// pairs, summed here, then finished as in every variant.
__attribute__((target("avx2")))
static inline void finishPairs(const recur_i8_matrix *m, int32_t panel, const __m256i acc[4], float xScale, float *y) {
    int32_t out[16];
    _mm256_storeu_si256((__m256i *)out, _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[0], acc[1]), 0xD8));
    _mm256_storeu_si256((__m256i *)(out + 8), _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[2], acc[3]), 0xD8));
    finish(m, panel, out, xScale, y);
}

/// `to[k] = from[k]` for `count` bytes: a block of a panel, or quantized input rows.
__attribute__((target("avx2")))
static void widenBytes(const int8_t *from, int64_t count, int16_t *to) {
    int64_t k = 0;
    for (; k + 16 <= count; k += 16)
        _mm256_storeu_si256((__m256i *)(to + k), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(from + k))));
    for (; k < count; k++) to[k] = from[k];
}

// Many rows: the bytes of a panel are widened to int16 a block of K at a time (16 KB, so
// that it stays in L1 while every row passes over it), and the input rows once per
// product (`recur_i8_widen_rows`, by the workers that quantized them), so that the inner
// loop is loads, vpmaddwd and vpaddd only, two rows at a time: eight accumulators, two
// broadcasts, a weight vector and a product (three rows would need 17 of the 16
// registers, and the spills cost more than the third row saves). Between blocks each
// row's sums wait in `partial`.
enum { WIDE_GROUPS = 128 };

/// Adds block `[0, count)` of the widened panel times `n` rows of widened input to acc.
__attribute__((target("avx2"), always_inline))
static inline void accumulateWide(
    const int16_t *wide, int32_t count, const int16_t *x, int64_t xStride, int n, __m256i acc[2][4]) {
    for (int32_t g = 0; g < count; g++) {
        __m256i s[2];
        for (int i = 0; i < n; i++) {
            int64_t four;  // a group's four int16 values, broadcast as one
            memcpy(&four, x + i * xStride + 4 * g, 8);
            s[i] = _mm256_set1_epi64x(four);
        }
        for (int c = 0; c < 4; c++) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)(wide + (int64_t)g * 64 + 16 * c));
            for (int i = 0; i < n; i++) acc[i][c] = _mm256_add_epi32(acc[i][c], _mm256_madd_epi16(s[i], v));
        }
    }
}

/// Rows `r ..< r + n` over one block: sums so far from `partial` (none in the first
/// block), then to `partial` again, or finished into y after the last block.
__attribute__((target("avx2"), always_inline))
static inline void wideRows(
    const recur_i8_matrix *m, int32_t p, const int16_t *wide, int32_t g0, int32_t count, const int16_t *xWide,
    const float *xScales, int32_t r, int n, __m256i *partial, float *y, int32_t outputStride) {
    const int32_t groups = m->groups;
    __m256i acc[2][4];
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 4; c++)
            acc[i][c] = g0 == 0 ? _mm256_setzero_si256() : _mm256_loadu_si256(partial + 4 * (r + i) + c);
    accumulateWide(wide, count, xWide + ((int64_t)r * groups + g0) * 4, 4 * groups, n, acc);
    for (int i = 0; i < n; i++) {
        if (g0 + count == groups) {
            finishPairs(m, p, acc[i], xScales[r + i], y + (int64_t)(r + i) * outputStride);
        } else {
            for (int c = 0; c < 4; c++) _mm256_storeu_si256(partial + 4 * (r + i) + c, acc[i][c]);
        }
    }
}

__attribute__((target("avx2")))
static void multiplyWidened(
    const recur_i8_matrix *m, const int16_t *xWide, const float *xScales, int32_t rows, int32_t panelBegin,
    int32_t panelEnd, float *y, int32_t outputStride, int16_t *wide, __m256i *partial) {
    const int32_t groups = m->groups;
    for (int32_t p = panelBegin; p < panelEnd; p++) {
        const int8_t *w = m->panels + (int64_t)p * groups * 64;
        for (int32_t g0 = 0; g0 < groups; g0 += WIDE_GROUPS) {
            const int32_t count = groups - g0 < WIDE_GROUPS ? groups - g0 : WIDE_GROUPS;
            widenBytes(w + (int64_t)g0 * 64, (int64_t)count * 64, wide);
            int32_t r = 0;
            for (; r + 2 <= rows; r += 2)
                wideRows(m, p, wide, g0, count, xWide, xScales, r, 2, partial, y, outputStride);
            if (r < rows) wideRows(m, p, wide, g0, count, xWide, xScales, r, 1, partial, y, outputStride);
        }
    }
}

// From this many rows the widened path is faster (measured with 2×1024 LSTM weights).
enum { WIDE_ROWS = 8 };

int recur_i8_avx2_widens(int32_t rows) { return rows >= WIDE_ROWS; }

void recur_i8_widen_rows(const int8_t *q, int32_t rows, int32_t groups, int16_t *wide) {
    widenBytes(q, (int64_t)rows * 4 * groups, wide);
}

__attribute__((target("avx2")))
void recur_i8_multiply_avx2(
    const recur_i8_matrix *m, const int8_t *q, const int16_t *qWide, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride) {
    const int32_t stride = 4 * m->groups, groups = m->groups;
    if (qWide) {
        int16_t *wide = malloc((size_t)WIDE_GROUPS * 64 * sizeof(int16_t));
        __m256i *partial = groups > WIDE_GROUPS ? malloc((size_t)rows * 4 * sizeof(__m256i)) : NULL;
        if (wide && (partial || groups <= WIDE_GROUPS)) {
            multiplyWidened(m, qWide, xScales, rows, panelBegin, panelEnd, y, outputStride, wide, partial);
            free(wide);
            free(partial);
            return;
        }
        free(wide);
        free(partial);
    }
    for (int32_t p = panelBegin; p < panelEnd; p++) {
        const int8_t *w = m->panels + (int64_t)p * groups * 64;
        int32_t r = 0;
        // Two rows share each widened weight vector.
        for (; r + 2 <= rows; r += 2) {
            const int8_t *x0 = q + (int64_t)r * stride, *x1 = x0 + stride;
            __m256i a0[4], a1[4];
            for (int c = 0; c < 4; c++) a0[c] = a1[c] = _mm256_setzero_si256();
            for (int32_t g = 0; g < groups; g++) {
                const int8_t *wg = w + g * 64;
                __m256i s0 = broadcast4(x0 + 4 * g), s1 = broadcast4(x1 + 4 * g);
                for (int c = 0; c < 4; c++) {
                    __m256i v = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wg + 16 * c)));
                    a0[c] = _mm256_add_epi32(a0[c], _mm256_madd_epi16(s0, v));
                    a1[c] = _mm256_add_epi32(a1[c], _mm256_madd_epi16(s1, v));
                }
            }
            finishPairs(m, p, a0, xScales[r], y + (int64_t)r * outputStride);
            finishPairs(m, p, a1, xScales[r + 1], y + (int64_t)(r + 1) * outputStride);
        }
        for (; r < rows; r++) {
            const int8_t *x0 = q + (int64_t)r * stride;
            __m256i a0[4], b0[4];
            for (int c = 0; c < 4; c++) a0[c] = b0[c] = _mm256_setzero_si256();
            int32_t g = 0;
            // One row streams the weights: two groups in flight.
            for (; g + 2 <= groups; g += 2) {
                const int8_t *wg = w + g * 64;
                __m256i s0 = broadcast4(x0 + 4 * g), s1 = broadcast4(x0 + 4 * g + 4);
                for (int c = 0; c < 4; c++) {
                    __m256i v = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wg + 16 * c)));
                    __m256i u = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wg + 64 + 16 * c)));
                    a0[c] = _mm256_add_epi32(a0[c], _mm256_madd_epi16(s0, v));
                    b0[c] = _mm256_add_epi32(b0[c], _mm256_madd_epi16(s1, u));
                }
            }
            for (; g < groups; g++) {
                const int8_t *wg = w + g * 64;
                __m256i s0 = broadcast4(x0 + 4 * g);
                for (int c = 0; c < 4; c++) {
                    __m256i v = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wg + 16 * c)));
                    a0[c] = _mm256_add_epi32(a0[c], _mm256_madd_epi16(s0, v));
                }
            }
            for (int c = 0; c < 4; c++) a0[c] = _mm256_add_epi32(a0[c], b0[c]);
            finishPairs(m, p, a0, xScales[r], y + (int64_t)r * outputStride);
        }
    }
}

// AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes and adds each group of four
// into an int32 lane, exactly. The input is made unsigned by adding 128 (flipping the top
// bit); Σ (x + 128) · w − 128 · Σ w = Σ x · w, with Σ w precomputed per output.

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

VNNI static inline __m512i broadcastUnsigned(const int8_t *x) {
    int32_t four;
    memcpy(&four, x, 4);
    return _mm512_set1_epi32(four ^ (int32_t)0x80808080);
}

// The epilogue of `finish` sixteen lanes at a time: the same conversion, product and sum,
// each rounded alone, so the same bits.
VNNI static inline void finishVNNI(
    const recur_i8_matrix *m, int32_t panel, __m512i acc, float xScale, float *y) {
    const int32_t first = panel * 16;
    __m512i sums = _mm512_loadu_si512((const void *)(m->rowSums + first));
    acc = _mm512_sub_epi32(acc, _mm512_slli_epi32(sums, 7));
    int32_t count = m->outputs - first;
    __mmask16 lanes = count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
    __m512 scale = _mm512_mul_ps(_mm512_set1_ps(xScale), _mm512_loadu_ps(m->scales + first));
    __m512 product = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
    __m512 sum = _mm512_add_ps(product, _mm512_loadu_ps(m->bias + first));
    _mm512_mask_storeu_ps(y + first, lanes, sum);
}

VNNI void recur_i8_multiply_avx512vnni(
    const recur_i8_matrix *m, const int8_t *q, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride) {
    const int32_t stride = 4 * m->groups, groups = m->groups;
    int32_t p = panelBegin;
    // Four panels at a time: four weight streams for one row, sixteen accumulators for four.
    for (; p + 4 <= panelEnd; p += 4) {
        const int8_t *w0 = m->panels + (int64_t)p * groups * 64;
        const int64_t next = (int64_t)groups * 64;
        int32_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const int8_t *x = q + (int64_t)r * stride;
            __m512i a[4][4];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) a[i][j] = _mm512_setzero_si512();
            for (int32_t g = 0; g < groups; g++) {
                __m512i v[4];
                for (int j = 0; j < 4; j++) v[j] = _mm512_loadu_si512((const void *)(w0 + j * next + g * 64));
                for (int i = 0; i < 4; i++) {
                    __m512i s = broadcastUnsigned(x + i * stride + 4 * g);
                    for (int j = 0; j < 4; j++) a[i][j] = _mm512_dpbusd_epi32(a[i][j], s, v[j]);
                }
            }
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    finishVNNI(m, p + j, a[i][j], xScales[r + i], y + (int64_t)(r + i) * outputStride);
        }
        for (; r < rows; r++) {
            const int8_t *x = q + (int64_t)r * stride;
            __m512i a[4];
            for (int j = 0; j < 4; j++) a[j] = _mm512_setzero_si512();
            for (int32_t g = 0; g < groups; g++) {
                __m512i s = broadcastUnsigned(x + 4 * g);
                for (int j = 0; j < 4; j++)
                    a[j] = _mm512_dpbusd_epi32(a[j], s, _mm512_loadu_si512((const void *)(w0 + j * next + g * 64)));
            }
            for (int j = 0; j < 4; j++) finishVNNI(m, p + j, a[j], xScales[r], y + (int64_t)r * outputStride);
        }
    }
    for (; p < panelEnd; p++) {
        const int8_t *w = m->panels + (int64_t)p * groups * 64;
        for (int32_t r = 0; r < rows; r++) {
            const int8_t *x = q + (int64_t)r * stride;
            __m512i a = _mm512_setzero_si512();
            for (int32_t g = 0; g < groups; g++)
                a = _mm512_dpbusd_epi32(a, broadcastUnsigned(x + 4 * g), _mm512_loadu_si512((const void *)(w + g * 64)));
            finishVNNI(m, p, a, xScales[r], y + (int64_t)r * outputStride);
        }
    }
}

#else

int recur_i8_avx2_widens(int32_t rows) { return 0; }

void recur_i8_widen_rows(const int8_t *q, int32_t rows, int32_t groups, int16_t *wide) {
    for (int64_t k = 0; k < (int64_t)rows * 4 * groups; k++) wide[k] = q[k];
}

void recur_i8_multiply_avx2(
    const recur_i8_matrix *m, const int8_t *q, const int16_t *qWide, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride) {
    recur_i8_multiply_reference(m, q, xScales, rows, panelBegin, panelEnd, y, outputStride);
}

void recur_i8_multiply_avx512vnni(
    const recur_i8_matrix *m, const int8_t *q, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride) {
    recur_i8_multiply_reference(m, q, xScales, rows, panelBegin, panelEnd, y, outputStride);
}

#endif
