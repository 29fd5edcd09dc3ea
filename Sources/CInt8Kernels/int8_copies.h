#ifndef SHUFFLENET_INT8_COPIES_H
#define SHUFFLENET_INT8_COPIES_H

// Internal to CInt8Kernels: what each compiled copy (one per sn_int8_isa) provides, and the packed weight layout
// they all read.
//
// Packed weights (sn_int8_pack): the M outputs in panels of 16, each panel holding K rounded up to a multiple of 4
// ("Kp") inputs as [Kp/4 quads][16 outputs][4 inputs] bytes, panels one after the other, zero padded (outputs
// M…16·panels − 1 and inputs K…Kp − 1 are 0):
//     W[k][m] is at (m / 16)·Kp·16 + (k / 4)·64 + (m % 16)·4 + k % 4
// One 64-byte quad row is what one vpdpbusd on a 512-bit vector needs (16 int32 outputs × 4 u8·s8 products)
// against 4 bytes of an A row broadcast to every lane; 256-bit copies use its two halves (outputs 0–7, 8–15).
// Since the padded weights are 0, kernels may read A rows up to Kp − 1 (≤ K + 2: inside the 64 bytes of slack).

#include "int8_kernels.h"

#define SN_INT8_PANEL 16

static inline size_t sn_int8_padded_k(size_t K) { return (K + 3) & ~(size_t)3; }
static inline size_t sn_int8_panels(size_t M) { return (M + SN_INT8_PANEL - 1) / SN_INT8_PANEL; }

/// One copy's kernels. `gemm` serves both sn_int8_gemm (epilogue non-NULL: uint8 into C) and
/// sn_int8_gemm_accumulate (epilogue NULL: int32 into acc).
typedef struct {
    void (*gemm)(size_t N, size_t M, size_t K, const uint8_t *A, size_t lda, const int8_t *W, const sn_int8_epilogue *epilogue,
                 uint8_t *C, size_t ldc, int32_t *acc, size_t ldacc);
    void (*depthwise)(size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights, const float *scale,
                      const float *offset, int32_t lo, const uint16_t *outputIndex, uint8_t *output, size_t rowBegin, size_t rowEnd);
    void (*avgpool)(size_t H, size_t W, size_t C, const uint8_t *input, float scale, uint8_t *output, size_t ldo, size_t rowBegin,
                    size_t rowEnd);
    void (*maxpool)(size_t H, size_t W, size_t C, const uint8_t *input, uint8_t *output, size_t rowBegin, size_t rowEnd);
    void (*quantize)(const float *x, size_t count, float inverseScale, float zeroPoint, uint8_t *q);
    void (*channel_sums)(size_t pixels, size_t C, const uint8_t *input, int32_t *sums);
} sn_int8_copy;

extern const sn_int8_copy sn_int8_portable_copy;
#if defined(__x86_64__)
extern const sn_int8_copy sn_int8_avx2_copy;
extern const sn_int8_copy sn_int8_avx_vnni_copy;
extern const sn_int8_copy sn_int8_avx512_vnni_copy;
#endif

/// Output side of a 3×3 pad-1 window of the given stride over `side` inputs.
static inline size_t sn_int8_output_side(size_t side, size_t stride) { return side == 0 ? 0 : (side - 1) / stride + 1; }

/// Offset in bytes of the 3×3 pad-1 window's top-left corner (oy·stride − 1, ox·stride − 1) in an [H][W][C]
/// input, negative at the top or left edge; pointers are formed only for taps inside the image.
static inline ptrdiff_t sn_int8_corner(size_t oy, size_t ox, size_t stride, size_t W, size_t C) {
    return (((ptrdiff_t)(oy * stride) - 1) * (ptrdiff_t)W + (ptrdiff_t)(ox * stride) - 1) * (ptrdiff_t)C;
}

/// Kernel rows [ky0, ky1) and columns [kx0, kx1) of output (oy, ox)'s 3×3 pad-1 window inside an H × W input.
typedef struct {
    size_t ky0, ky1, kx0, kx1;
} sn_int8_window;

static inline sn_int8_window sn_int8_window_at(size_t oy, size_t ox, size_t stride, size_t H, size_t W) {
    sn_int8_window w;
    w.ky0 = oy == 0 ? 1 : 0;
    w.ky1 = oy * stride + 2 <= H ? 3 : H + 1 - oy * stride;
    w.kx0 = ox == 0 ? 1 : 0;
    w.kx1 = ox * stride + 2 <= W ? 3 : W + 1 - ox * stride;
    return w;
}

#endif
