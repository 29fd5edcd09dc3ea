// The public entry points: which copy runs (cpuid), weight packing, and the dispatch to each copy.
#include "int8_copies.h"

#include <string.h>

#if defined(__x86_64__)
// __builtin_cpu_supports reads CPUID and, for AVX and AVX-512 features, also checks with XGETBV that the OS saves
// the YMM / ZMM and mask registers (compiler-rt and libgcc both do), so a "yes" is safe to act on.
static int cpu_supports(sn_int8_isa isa) {
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    switch (isa) {
    case SN_INT8_PORTABLE: return 1;
    case SN_INT8_AVX2: return avx2;
    case SN_INT8_AVX_VNNI: return avx2 && __builtin_cpu_supports("avxvnni");
    case SN_INT8_AVX512_VNNI:
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni");
    }
    return 0;
}
#endif

int sn_int8_supports(sn_int8_isa isa) {
#if defined(__x86_64__)
    // Cached: the kernels check on every call (an unsupported isa runs the portable copy instead of faulting).
    // 0 = not yet asked, 1 = no, 2 = yes; racing threads store the same answer.
    static int cache[4];
    if ((unsigned)isa > SN_INT8_AVX512_VNNI) return 0;
    int known = __atomic_load_n(&cache[isa], __ATOMIC_RELAXED);
    if (known == 0) {
        known = cpu_supports(isa) ? 2 : 1;
        __atomic_store_n(&cache[isa], known, __ATOMIC_RELAXED);
    }
    return known == 2;
#else
    return isa == SN_INT8_PORTABLE;
#endif
}

sn_int8_isa sn_int8_detect(void) {
    if (sn_int8_supports(SN_INT8_AVX512_VNNI)) return SN_INT8_AVX512_VNNI;
    if (sn_int8_supports(SN_INT8_AVX_VNNI)) return SN_INT8_AVX_VNNI;
    if (sn_int8_supports(SN_INT8_AVX2)) return SN_INT8_AVX2;
    return SN_INT8_PORTABLE;
}

static const sn_int8_copy *copy_for(sn_int8_isa isa) {
#if defined(__x86_64__)
    if (sn_int8_supports(isa)) {
        switch (isa) {
        case SN_INT8_AVX2: return &sn_int8_avx2_copy;
        case SN_INT8_AVX_VNNI: return &sn_int8_avx_vnni_copy;
        case SN_INT8_AVX512_VNNI: return &sn_int8_avx512_vnni_copy;
        case SN_INT8_PORTABLE: break;
        }
    }
#else
    (void)isa;
#endif
    return &sn_int8_portable_copy;
}

size_t sn_int8_packed_size(size_t K, size_t M) { return sn_int8_panels(M) * sn_int8_padded_k(K) * SN_INT8_PANEL; }

void sn_int8_pack(const int8_t *weights, size_t K, size_t M, int8_t *packed) {
    size_t Kp = sn_int8_padded_k(K);
    memset(packed, 0, sn_int8_packed_size(K, M));
    for (size_t m = 0; m < M; m++) {
        int8_t *panel = packed + (m / SN_INT8_PANEL) * Kp * SN_INT8_PANEL + (m % SN_INT8_PANEL) * 4;
        for (size_t k = 0; k < K; k++) panel[(k / 4) * 4 * SN_INT8_PANEL + k % 4] = weights[m * K + k];
    }
}

void sn_int8_gemm(sn_int8_isa isa, size_t N, size_t M, size_t K, const uint8_t *A, size_t lda, const int8_t *W, uint8_t *C, size_t ldc,
                  const sn_int8_epilogue *epilogue) {
    copy_for(isa)->gemm(N, M, K, A, lda, W, epilogue, C, ldc, NULL, 0);
}

void sn_int8_gemm_accumulate(sn_int8_isa isa, size_t N, size_t M, size_t K, const uint8_t *A, size_t lda, const int8_t *W,
                             int32_t *acc, size_t ldacc) {
    copy_for(isa)->gemm(N, M, K, A, lda, W, NULL, NULL, 0, acc, ldacc);
}

void sn_int8_depthwise(sn_int8_isa isa, size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights,
                       const float *scale, const float *offset, int32_t lo, const uint16_t *outputIndex, uint8_t *output,
                       size_t rowBegin, size_t rowEnd) {
    copy_for(isa)->depthwise(H, W, C, stride, input, weights, scale, offset, lo, outputIndex, output, rowBegin, rowEnd);
}

void sn_int8_avgpool(sn_int8_isa isa, size_t H, size_t W, size_t C, const uint8_t *input, float scale, uint8_t *output, size_t ldo,
                     size_t rowBegin, size_t rowEnd) {
    copy_for(isa)->avgpool(H, W, C, input, scale, output, ldo, rowBegin, rowEnd);
}

void sn_int8_maxpool(sn_int8_isa isa, size_t H, size_t W, size_t C, const uint8_t *input, uint8_t *output, size_t rowBegin,
                     size_t rowEnd) {
    copy_for(isa)->maxpool(H, W, C, input, output, rowBegin, rowEnd);
}

void sn_int8_quantize(sn_int8_isa isa, const float *x, size_t count, float inverseScale, float zeroPoint, uint8_t *q) {
    copy_for(isa)->quantize(x, count, inverseScale, zeroPoint, q);
}

void sn_int8_channel_sums(sn_int8_isa isa, size_t pixels, size_t C, const uint8_t *input, int32_t *sums) {
    copy_for(isa)->channel_sums(pixels, C, input, sums);
}

