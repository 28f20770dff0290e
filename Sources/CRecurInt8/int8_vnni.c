// AVX-512 VNNI products of eight-bit weights; exact integer sums and the shared epilogue
// (see int8_kernels.c).
#pragma clang fp contract(off)

#include "int8_finish.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

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

void recur_i8_multiply_avx512vnni(
    const recur_i8_matrix *m, const int8_t *q, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride) {
    recur_i8_multiply_reference(m, q, xScales, rows, panelBegin, panelEnd, y, outputStride);
}

#endif
