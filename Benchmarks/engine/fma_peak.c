// The FMA throughput one core delivers right now: 12 independent accumulators multiplied and added in
// registers only (no loads), enough to keep two FMA pipes busy through their 4-cycle latency. Prints the
// multiply-adds per second (GMAC/s) for 512-bit vectors when the CPU has AVX-512, else 256-bit. This is the
// ceiling a float32 kernel can reach on this machine at this moment (turbo, thermal and a shared host's
// neighbours all move it), so compare.py reports each engine against it as well as against the nominal peak.
// Build: cc -O2 fma_peak.c -o fma_peak
#include <stdio.h>
#include <time.h>
#include <immintrin.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#define ROUNDS 20000000L
#define FMA12(fmadd) \
    acc[0] = fmadd(acc[0], b, c); acc[1] = fmadd(acc[1], b, c); acc[2] = fmadd(acc[2], b, c); \
    acc[3] = fmadd(acc[3], b, c); acc[4] = fmadd(acc[4], b, c); acc[5] = fmadd(acc[5], b, c); \
    acc[6] = fmadd(acc[6], b, c); acc[7] = fmadd(acc[7], b, c); acc[8] = fmadd(acc[8], b, c); \
    acc[9] = fmadd(acc[9], b, c); acc[10] = fmadd(acc[10], b, c); acc[11] = fmadd(acc[11], b, c);

// One function per vector width: TYPE registers of LANES floats, built for TARGET.
#define RATE_FUNCTION(NAME, TARGET, TYPE, LANES, SET1, FMADD, STORE)                                         \
    __attribute__((target(TARGET))) static double NAME(void) {                                               \
        TYPE acc[12], b = SET1(0.999f), c = SET1(0.001f);                                                    \
        for (int i = 0; i < 12; i++) acc[i] = SET1((float)i);                                                \
        double start = seconds();                                                                            \
        for (long r = 0; r < ROUNDS; r++) {                                                                  \
            FMA12(FMADD)                                                                                     \
        }                                                                                                    \
        double elapsed = seconds() - start;                                                                  \
        float sink = 0, lanes[LANES];                                                                        \
        for (int i = 0; i < 12; i++) {                                                                       \
            STORE(lanes, acc[i]);                                                                            \
            for (int j = 0; j < LANES; j++) sink += lanes[j];                                                \
        }                                                                                                    \
        if (sink == 42.0f) puts(""); /* keeps the loop's results live */                                     \
        return ROUNDS * 12.0 * LANES / elapsed / 1e9;                                                        \
    }

RATE_FUNCTION(zmm_rate, "avx512f", __m512, 16, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
RATE_FUNCTION(ymm_rate, "avx2,fma", __m256, 8, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps)

int main(void) {
    int wide = __builtin_cpu_supports("avx512f");
    double best = 0;
    for (int trial = 0; trial < 5; trial++) {
        double rate = wide ? zmm_rate() : ymm_rate();
        if (rate > best) best = rate;
    }
    printf("%.1f %s\n", best, wide ? "avx512" : "avx2");
    return 0;
}
