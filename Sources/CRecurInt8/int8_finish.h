// The epilogue every eight-bit kernel shares (see int8_kernels.c): compiled into each
// file that includes it, with floating-point contraction off as there.
#ifndef RECUR_INT8_FINISH_H
#define RECUR_INT8_FINISH_H
#pragma clang fp contract(off)

#include "recur_int8.h"

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

#endif
