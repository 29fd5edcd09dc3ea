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

__attribute__((target("avx512f"))) static double zmm_rate(void) {
    __m512 acc[12], b = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(0.001f);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps((float)i);
    double start = seconds();
    for (long r = 0; r < ROUNDS; r++) {
        // Unrolled by hand: as a loop the compiler may keep acc[] in memory, and the store-load chain then
        // measures memory latency instead of the FMA pipes.
        FMA12(_mm512_fmadd_ps)
    }
    double elapsed = seconds() - start;
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += _mm512_reduce_add_ps(acc[i]);
    if (sink == 42.0f) puts(""); // keeps the loop's results live
    return ROUNDS * 12.0 * 16 / elapsed / 1e9;
}

__attribute__((target("avx2,fma"))) static double ymm_rate(void) {
    __m256 acc[12], b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.001f);
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
    double start = seconds();
    for (long r = 0; r < ROUNDS; r++) {
        FMA12(_mm256_fmadd_ps)
    }
    double elapsed = seconds() - start;
    float sink = 0;
    for (int i = 0; i < 12; i++) {
        float lanes[8];
        _mm256_storeu_ps(lanes, acc[i]);
        for (int j = 0; j < 8; j++) sink += lanes[j];
    }
    if (sink == 42.0f) puts("");
    return ROUNDS * 12.0 * 8 / elapsed / 1e9;
}

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
