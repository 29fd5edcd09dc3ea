#include "cpu_features.h"

int shufflenet_cpu_supports_avx512(void) {
#if defined(__x86_64__) || defined(__i386__)
    // __builtin_cpu_supports reads CPUID and, for AVX-512, also checks with XGETBV that the kernel saves
    // the ZMM and mask registers (compiler-rt and libgcc both do), so a "yes" is safe to act on.
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}
