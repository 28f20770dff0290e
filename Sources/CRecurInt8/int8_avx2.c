// AVX2 products of eight-bit weights; exact integer sums and the shared epilogue (see
// int8_kernels.c).
#pragma clang fp contract(off)

#include "int8_finish.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

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

/// This thread's room for a widened block and `rows` rows of partial sums: kept for the
/// thread's life and grown as needed, so that a product's pieces allocate nothing (a
/// partial buffer past glibc's mmap threshold, from about 1,000 rows, would otherwise be
/// mapped and faulted in anew by every piece). NULL when memory runs out.
static __m256i *widenedScratch(int32_t rows) {
    static _Thread_local __m256i *scratch;
    static _Thread_local size_t capacity;  // in vectors
    const size_t needed = (size_t)WIDE_GROUPS * 4 + (size_t)rows * 4;
    if (needed > capacity) {
        __m256i *grown = aligned_alloc(32, needed * sizeof(__m256i));
        if (!grown) return NULL;
        free(scratch);
        scratch = grown;
        capacity = needed;
    }
    return scratch;
}

__attribute__((target("avx2")))
void recur_i8_multiply_avx2(
    const recur_i8_matrix *m, const int8_t *q, const int16_t *qWide, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride) {
    const int32_t stride = 4 * m->groups, groups = m->groups;
    if (qWide) {
        __m256i *scratch = widenedScratch(groups > WIDE_GROUPS ? rows : 0);
        if (scratch) {
            __m256i *partial = scratch + WIDE_GROUPS * 4;  // after the block (16 KB)
            multiplyWidened(m, qWide, xScales, rows, panelBegin, panelEnd, y, outputStride, (int16_t *)scratch, partial);
            return;
        }
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

#endif
