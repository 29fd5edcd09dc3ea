// Micro-benchmark of the int8 kernels (Sources/CInt8Kernels), every copy this CPU supports, on the shapes of
// ShuffleNet v1 g3 (0.5× and 2×, per group and per call). Prints GMAC/s (GEMM, depthwise) or Gpixel·channel/s.
// Built and run by run.sh; results are recorded in docs/benchmarks.md, never asserted.
#define _POSIX_C_SOURCE 199309L
#include "int8_kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *filled(size_t bytes) {
    unsigned char *p = malloc(bytes + 64);
    for (size_t i = 0; i < bytes + 64; i++) p[i] = (unsigned char)(rand() >> 7);
    return p;
}

static const char *names[] = {"portable", "avx2", "avx-vnni", "avx512-vnni"};

typedef struct {
    sn_int8_isa isa;
    size_t N, M, K;
    const uint8_t *A;
    const int8_t *W;
    uint8_t *C;
    sn_int8_epilogue e;
} gemm_case;

/// Best seconds per call over 5 rounds of at least 50 ms each.
#define BEST_TIME(call)                                                                              \
    ({                                                                                               \
        double best = 1e9;                                                                           \
        for (int round = 0; round < 5; round++) {                                                    \
            size_t reps = 0;                                                                         \
            double start = now(), elapsed;                                                           \
            do {                                                                                     \
                call;                                                                                \
                reps++;                                                                              \
            } while ((elapsed = now() - start) < 0.05);                                              \
            if (elapsed / (double)reps < best) best = elapsed / (double)reps;                        \
        }                                                                                            \
        best;                                                                                        \
    })

/// Usage: int8-bench [gemm|depthwise|other] (default: all three sections).
int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL;
    static const size_t gemms[][3] = {
        // N, M, K: 0.5× g3 pw1 (stage 2 first unit at 56², then 28², 14², 7²), pw2, stride-2 pw2, stem
        {3136, 10, 24}, {784, 10, 40}, {196, 20, 80}, {49, 40, 160},
        {784, 40, 10}, {196, 80, 20}, {49, 160, 40}, {784, 32, 10},
        // 2× g3 pw1, pw2
        {784, 40, 160}, {196, 80, 320}, {49, 160, 640}, {784, 160, 40}, {196, 320, 80}, {49, 640, 160},
        {12544, 24, 27},
    };
    // H, W, C, stride: the depthwise shapes of 0.5× g3 (mid 30, 60, 120), 0.5× g8 (48, 96, 192) and 2× g3 (120, 240, 480).
    static const size_t dws[][4] = {{56, 56, 30, 2}, {28, 28, 30, 1}, {28, 28, 60, 2}, {14, 14, 60, 1},   {14, 14, 120, 2},
                                    {7, 7, 120, 1},  {28, 28, 48, 1}, {14, 14, 96, 1}, {7, 7, 192, 1},    {56, 56, 120, 2},
                                    {28, 28, 240, 1}, {14, 14, 480, 1}, {7, 7, 480, 1}};
    sn_int8_isa isas[4];
    int count = 0;
    for (int i = 0; i < 4; i++)
        if (sn_int8_supports((sn_int8_isa)i)) isas[count++] = (sn_int8_isa)i;
    float *scale = filled(4096 * 4), *offset = filled(4096 * 4);
    for (int i = 0; i < 4096; i++) {
        scale[i] = 0.001f;
        offset[i] = 10.0f;
    }
    size_t gemmCount = only && strcmp(only, "gemm") ? 0 : sizeof gemms / sizeof gemms[0];
    size_t dwCount = only && strcmp(only, "depthwise") ? 0 : sizeof dws / sizeof dws[0];
    printf("%-8s %-5s %-5s %-5s", "gemm", "N", "M", "K");
    for (int i = 0; i < count; i++) printf(" %12s", names[isas[i]]);
    printf("   (GMAC/s)\n");
    for (size_t g = 0; g < gemmCount; g++) {
        size_t N = gemms[g][0], M = gemms[g][1], K = gemms[g][2];
        uint8_t *A = filled(N * K), *C = filled(N * M);
        int8_t *W = filled(M * K), *packed = malloc(sn_int8_packed_size(K, M));
        sn_int8_pack(W, K, M, packed);
        sn_int8_epilogue e = {scale, offset, NULL, NULL, 0, 0, 0};
        printf("%-8s %-5zu %-5zu %-5zu", "", N, M, K);
        for (int i = 0; i < count; i++) {
            double t = BEST_TIME(sn_int8_gemm(isas[i], N, M, K, A, K, packed, C, M, &e));
            printf(" %12.1f", (double)(N * M * K) / t * 1e-9);
        }
        printf("\n");
        free(A), free(C), free(W), free(packed);
    }
    printf("%-8s %-11s %-5s %-2s", "depthw", "H×W", "C", "s");
    for (int i = 0; i < count; i++) printf(" %12s", names[isas[i]]);
    printf("   (GMAC/s; second line with the channel shuffle as outputIndex)\n");
    uint16_t index[4096];
    for (size_t permuted = 0; permuted < 2; permuted++) {
        for (size_t d = 0; d < dwCount; d++) {
            size_t H = dws[d][0], W = dws[d][1], C = dws[d][2], stride = dws[d][3];
            size_t Ho = (H - 1) / stride + 1, Wo = (W - 1) / stride + 1;
            for (size_t c = 0; c < C; c++) index[c] = (uint16_t)((c % 3) * (C / 3) + c / 3);
            uint8_t *in = filled(H * W * C), *out = filled(Ho * Wo * C);
            int8_t *w = filled(9 * C);
            printf("%-8s %3zu×%-7zu %-5zu %-2zu", permuted ? "  +index" : "", H, W, C, stride);
            for (int i = 0; i < count; i++) {
                double t = BEST_TIME(sn_int8_depthwise(isas[i], H, W, C, stride, in, w, scale, offset, 0, permuted ? index : NULL, out, 0, Ho));
                printf(" %12.2f", (double)(Ho * Wo * C * 9) / t * 1e-9);
            }
            printf("\n");
            free(in), free(out), free(w);
        }
    }
    if (!only || !strcmp(only, "other")) {
        size_t H = 112, W = 112, C = 24, Ho = 56, Wo = 56;
        uint8_t *in = filled(H * W * C), *out = filled(Ho * Wo * (C + 24));
        float *x = filled(224 * 224 * 3 * 4);
        for (size_t i = 0; i < 224 * 224 * 3; i++) x[i] = (float)(i % 511) * 0.01f - 2;
        uint8_t *q = filled(224 * 224 * 3);
        int32_t sums[64];
        printf("%-27s", "other (Gbytes in/s)");
        for (int i = 0; i < count; i++) printf(" %12s", names[isas[i]]);
        printf("\n%-27s", "maxpool 112×112×24");
        for (int i = 0; i < count; i++) printf(" %12.2f", (double)(H * W * C) / BEST_TIME(sn_int8_maxpool(isas[i], H, W, C, in, out, 0, Ho)) * 1e-9);
        printf("\n%-27s", "avgpool 112×112×24 ldo 48");
        for (int i = 0; i < count; i++)
            printf(" %12.2f", (double)(H * W * C) / BEST_TIME(sn_int8_avgpool(isas[i], H, W, C, in, 0.1f, out, C + 24, 0, Ho)) * 1e-9);
        printf("\n%-27s", "quantize 224×224×3 floats");
        for (int i = 0; i < count; i++)
            printf(" %12.2f", (double)(224 * 224 * 3 * 4) / BEST_TIME(sn_int8_quantize(isas[i], x, 224 * 224 * 3, 57.0f, 3.0f, q)) * 1e-9);
        printf("\n%-27s", "channel sums 49×… 1024");
        for (int i = 0; i < count; i++) printf(" %12.2f", (double)(H * W * C) / BEST_TIME(sn_int8_channel_sums(isas[i], H * W * C / 1024, 1024, in, sums)) * 1e-9);
        printf("\n");
        (void)Wo;
    }
    return 0;
}
