#ifndef RECUR_INT8_H
#define RECUR_INT8_H

#include <stdint.h>

/// Eight-bit products for sampling (docs/DESIGN.md §4, "Eight-bit weights").
///
/// Weights are int8 with one scale per output row; each input row is quantized to int8
/// with a scale of its own (max |x| / 127, round to nearest even). The integer dot
/// products are exact in every variant, and the float epilogue is the same operations in
/// the same order, so an output depends only on its own row: not on the batch, the
/// threads or the instruction set.

/// A matrix packed for the kernels: panels of 16 outputs; in each, K in groups of 4, and
/// per group the 4 values of output 0, then of output 1, … (64 bytes). Outputs past the
/// last and K past `inner` are zero.
typedef struct {
    const int8_t *panels;    // panelCount × groups × 64 bytes
    const int32_t *rowSums;  // per output (padded to 16 × panelCount): Σ_k w[n, k]
    const float *scales;     // per output (padded): the row's weight scale
    const float *bias;       // per output (padded)
    int32_t groups;          // ⌈inner / 4⌉
    int32_t outputs;
} recur_i8_matrix;

/// Quantizes `rows` input rows `[left | right]` (`leftColumns` from `left`, the rest of
/// `inner` from `right`) into `q` (row stride `4 × groups`, the tail zero) and `scales`.
void recur_i8_quantize_rows(
    const float *left, int32_t leftColumns, int32_t leftStride, const float *right, int32_t rightStride,
    int32_t rows, int32_t inner, int32_t groups, int8_t *q, float *scales);

/// `y[r, n] = bias[n] + float(Σ_k q[r, k] · w[n, k]) · (xScale[r] · wScale[n])` for the
/// outputs of panels `panelBegin ..< panelEnd` and every row.
void recur_i8_multiply_reference(
    const recur_i8_matrix *m, const int8_t *q, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride);
/// As the reference; `qWide`, when not NULL, is `q` widened to int16 by
/// `recur_i8_widen_rows`, which the kernel wants from `recur_i8_avx2_widens(rows)` on:
/// widened once per product, not once per worker or piece.
void recur_i8_multiply_avx2(
    const recur_i8_matrix *m, const int8_t *q, const int16_t *qWide, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride);
/// Whether the AVX2 kernel wants a widened copy of this many input rows.
int recur_i8_avx2_widens(int32_t rows);
/// `wide[i] = q[i]` for the `rows × 4 × groups` values of quantized rows.
void recur_i8_widen_rows(const int8_t *q, int32_t rows, int32_t groups, int16_t *wide);
void recur_i8_multiply_avx512vnni(
    const recur_i8_matrix *m, const int8_t *q, const float *xScales, int32_t rows,
    int32_t panelBegin, int32_t panelEnd, float *y, int32_t outputStride);

#endif
