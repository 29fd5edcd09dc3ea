#ifndef SHUFFLENET_INT8_KERNELS_H
#define SHUFFLENET_INT8_KERNELS_H

// The int8 engine's kernels: uint8 activations (NHWC, a zero point per tensor) times int8 weights (symmetric,
// a scale per output channel), int32 accumulators, requantization in float fused into each kernel's epilogue.
//
// Arithmetic contract (every implementation, and the Swift twins and reference, compute exactly this, so that
// their uint8 outputs are equal, not close):
//   acc  = Σ a·w  (int32, exact)                 acc' = acc − correction[m]   (correction NULL: 0)
//   y    = fmaf((float)acc', scale[m], offset[m])                         (one fused multiply-add)
//   y    = fmaf((float)residual, residualScale, y)   only with a residual
//   q    = clamp(rint(y), lo, 255)   rint = round half to even (the default rounding mode); y is finite
// (float)int32 rounds to nearest even. A result outside [−2^31, 2^31) before the clamp cannot happen with
// uint8 × int8 products at these sizes; implementations may assume |y| < 2^30.
//
// Memory contract: every input row may be read up to 64 bytes past its last valid byte (buffers carry that
// slack); nothing is written outside the outputs described. Pointers need no alignment.
//
// Copies: one implementation per instruction set (sn_int8_isa), chosen by the caller after checking
// sn_int8_supports(isa); every copy gives identical results.

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SN_INT8_PORTABLE = 0,      // plain C, any CPU (the arm64 path)
    SN_INT8_AVX2 = 1,          // x86-64 AVX2: vpmaddwd on int16-widened operands (never saturates)
    SN_INT8_AVX_VNNI = 2,      // AVX-VNNI (VEX vpdpbusd on 256-bit vectors): Alder Lake, Zen 5 …
    SN_INT8_AVX512_VNNI = 3,   // AVX-512 F/BW/VL + VNNI (EVEX vpdpbusd on 512-bit vectors): Ice Lake, Zen 4 …
} sn_int8_isa;

/// 1 when this CPU and OS can run the copy (cpuid + xgetbv), else 0. SN_INT8_PORTABLE: always 1.
/// (A kernel called with an unsupported isa runs the portable copy instead of faulting.)
int sn_int8_supports(sn_int8_isa isa);

/// The fastest copy this machine supports.
sn_int8_isa sn_int8_detect(void);

// ---- Weight packing (one layout for every copy) ----

/// Bytes of the packed form of a K × M weight matrix (K inputs, M outputs): panels of 16 outputs × K rounded up
/// to 4, [panel][k/4][16][4] bytes, zero padded (Sources/CInt8Kernels/int8_copies.h).
size_t sn_int8_packed_size(size_t K, size_t M);

/// Packs weights[m·K + k] (row-major, output-major: PyTorch's [out][in]) into `packed`
/// (sn_int8_packed_size bytes), zero-filling whatever padding the layout has.
void sn_int8_pack(const int8_t *weights, size_t K, size_t M, int8_t *packed);

// ---- Kernels ----

typedef struct {
    const float *scale;          // [M]
    const float *offset;         // [M]
    const int32_t *correction;   // [M] or NULL
    const uint8_t *residual;     // NULL, or residual[n·ldr + m] (uint8, added as described above)
    size_t ldr;
    float residualScale;
    int32_t lo;                  // clamp floor, 0…255 (the output zero point after a ReLU, else 0)
} sn_int8_epilogue;

/// 1×1 convolution of one group as a GEMM over N pixel rows:
///   C[n·ldc + m] = requant(Σ_k A[n·lda + k] · W[k][m])   for n < N, m < M, k < K
/// W packed by sn_int8_pack(…, K, M, …).
void sn_int8_gemm(sn_int8_isa isa, size_t N, size_t M, size_t K, const uint8_t *A, size_t lda, const int8_t *W,
                  uint8_t *C, size_t ldc, const sn_int8_epilogue *epilogue);

/// The same GEMM without an epilogue: acc[n·ldacc + m] = Σ_k A[n·lda + k] · W[k][m] (tests, reference checks).
void sn_int8_gemm_accumulate(sn_int8_isa isa, size_t N, size_t M, size_t K, const uint8_t *A, size_t lda,
                             const int8_t *W, int32_t *acc, size_t ldacc);

/// 3×3 depthwise convolution, pad 1 (padding is the value 0: the input zero point must be 0), stride 1 or 2,
/// over an [H][W][C] uint8 input; weights [9][C] int8 (tap t = ky·3 + kx); output [Ho][Wo][C] with
///   out[(oy·Wo + ox)·C + index(c)] = clamp(rint(fmaf((float)acc, scale[c], offset[c])), lo, 255)
/// where index(c) = outputIndex ? outputIndex[c] : c (a channel permutation: the channel shuffle).
/// Only output rows [rowBegin, rowEnd) are written (a thread's share).
void sn_int8_depthwise(sn_int8_isa isa, size_t H, size_t W, size_t C, size_t stride, const uint8_t *input,
                       const int8_t *weights, const float *scale, const float *offset, int32_t lo,
                       const uint16_t *outputIndex, uint8_t *output, size_t rowBegin, size_t rowEnd);

/// 3×3 stride-2 pad-1 average pooling counting padding as 0 (the input zero point must be 0), into channels
/// [0, C) of an output whose pixels are `ldo` bytes apart: out = clamp(rint((float)sum · scale), 0, 255),
/// scale already including the 1/9. Output rows [rowBegin, rowEnd).
void sn_int8_avgpool(sn_int8_isa isa, size_t H, size_t W, size_t C, const uint8_t *input, float scale,
                     uint8_t *output, size_t ldo, size_t rowBegin, size_t rowEnd);

/// 3×3 stride-2 pad-1 max pooling of [H][W][C] uint8 (padding never wins). Output rows [rowBegin, rowEnd).
void sn_int8_maxpool(sn_int8_isa isa, size_t H, size_t W, size_t C, const uint8_t *input, uint8_t *output,
                     size_t rowBegin, size_t rowEnd);

/// Quantizes `count` floats: q[i] = clamp(rint(fmaf(x[i], inverseScale, zeroPoint)), 0, 255).
void sn_int8_quantize(sn_int8_isa isa, const float *x, size_t count, float inverseScale, float zeroPoint, uint8_t *q);

/// Per-channel sums of `pixels` NHWC uint8 pixels of C channels: sums[c] (exact, int32).
void sn_int8_channel_sums(sn_int8_isa isa, size_t pixels, size_t C, const uint8_t *input, int32_t *sums);

#endif
