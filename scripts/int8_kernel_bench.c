// The int8 kernels alone: multiply-adds per cycle of one product, one thread.
// Built and run by scripts/bench-int8-kernel; see there.
#include "recur_int8.h"

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// The clock, from a chain of dependent vpaddd (one cycle each).
__attribute__((target("avx2"))) static double gigahertz(void) {
    const long n = 200000000L;
    __m256i a = _mm256_set1_epi32(1), b = _mm256_set1_epi32(3);
    double t = now();
    for (long i = 0; i < n; i++) {
        a = _mm256_add_epi32(a, b);
        __asm__ volatile("" : "+x"(a));
    }
    return n / (now() - t) / 1e9;
}

typedef void (*kernel)(const recur_i8_matrix *, const int8_t *, const int16_t *, const float *, int32_t, int32_t, int32_t,
    float *, int32_t);

static void avx2(const recur_i8_matrix *m, const int8_t *q, const int16_t *wide, const float *s, int32_t rows, int32_t b,
    int32_t e, float *y, int32_t stride) {
    recur_i8_multiply_avx2(m, q, wide, s, rows, b, e, y, stride);
}

static void vnni(const recur_i8_matrix *m, const int8_t *q, const int16_t *wide, const float *s, int32_t rows, int32_t b,
    int32_t e, float *y, int32_t stride) {
    (void)wide;
    recur_i8_multiply_avx512vnni(m, q, s, rows, b, e, y, stride);
}

int main(int argc, char **argv) {
    if (argc != 5 || (strcmp(argv[1], "avx2") && strcmp(argv[1], "vnni"))) {
        fprintf(stderr, "usage: int8_kernel_bench avx2|vnni ROWS INNER OUTPUTS\n");
        return 2;
    }
    const int vnniKernel = !strcmp(argv[1], "vnni");
    if (vnniKernel && !__builtin_cpu_supports("avx512vnni")) {
        fprintf(stderr, "this CPU has no AVX-512 VNNI\n");
        return 2;
    }
    const int rows = atoi(argv[2]), inner = atoi(argv[3]), outputs = atoi(argv[4]);
    const int groups = (inner + 3) / 4, panels = (outputs + 15) / 16;
    const size_t weights = (size_t)panels * groups * 64, inputs = (size_t)rows * groups * 4;
    int8_t *w = aligned_alloc(64, weights), *q = aligned_alloc(64, inputs);
    int16_t *wide = aligned_alloc(64, inputs * 2);
    int32_t *sums = calloc((size_t)panels * 16, sizeof(int32_t));
    float *scales = malloc((size_t)panels * 16 * sizeof(float)), *bias = malloc((size_t)panels * 16 * sizeof(float));
    float *xScales = malloc((size_t)rows * sizeof(float));
    float *y = malloc((size_t)rows * outputs * sizeof(float)), *expected = malloc((size_t)rows * outputs * sizeof(float));
    srand(1);
    for (size_t i = 0; i < weights; i++) w[i] = (int8_t)(rand() % 255 - 127);
    for (size_t i = 0; i < inputs; i++) q[i] = (int8_t)(rand() % 255 - 127);
    for (int n = 0; n < panels * 16; n++) scales[n] = 0.01f, bias[n] = 0.5f;
    for (int r = 0; r < rows; r++) xScales[r] = 0.02f;
    for (int p = 0; p < panels; p++)
        for (int g = 0; g < groups; g++)
            for (int l = 0; l < 16; l++)
                for (int j = 0; j < 4; j++) sums[p * 16 + l] += w[((size_t)p * groups + g) * 64 + l * 4 + j];
    const recur_i8_matrix m = {w, sums, scales, bias, groups, outputs};
    const int16_t *widened = NULL;
    if (!vnniKernel && recur_i8_avx2_widens(rows)) {
        recur_i8_widen_rows(q, rows, groups, wide);
        widened = wide;
    }
    const kernel run = vnniKernel ? vnni : avx2;
    recur_i8_multiply_reference(&m, q, xScales, rows, 0, panels, expected, outputs);
    run(&m, q, widened, xScales, rows, 0, panels, y, outputs);
    if (memcmp(y, expected, (size_t)rows * outputs * sizeof(float))) {
        fprintf(stderr, "the %s kernel differs from the reference\n", argv[1]);
        return 1;
    }
    double best = 1e30;
    for (int i = 0; i < 7; i++) {
        double t = now();
        run(&m, q, widened, xScales, rows, 0, panels, y, outputs);
        t = now() - t;
        best = t < best ? t : best;
    }
    const double ghz = gigahertz(), macs = (double)rows * groups * 4 * panels * 16;
    printf("%s rows %d inner %d outputs %d: %.1f GMAC/s, %.2f GHz, %.1f multiply-adds per cycle\n", argv[1], rows, inner,
        outputs, macs / best / 1e9, ghz, macs / best / (ghz * 1e9));
    return 0;
}
