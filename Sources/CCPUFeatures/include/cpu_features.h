#ifndef SHUFFLENET_CPU_FEATURES_H
#define SHUFFLENET_CPU_FEATURES_H

/// 1 when this CPU and the operating system support every instruction set the AVX-512 copy of the engine's
/// kernels is compiled for (skylake-avx512: AVX-512 F, CD, BW, DQ, VL, and the AVX2/FMA below them), else 0.
/// Always 0 on other architectures.
int shufflenet_cpu_supports_avx512(void);

#endif
