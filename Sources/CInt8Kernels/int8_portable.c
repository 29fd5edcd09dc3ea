// SN_INT8_PORTABLE: plain C for any CPU (what arm64 runs; the fallback elsewhere). Written so that a vectorizing
// compiler finds independent lanes (16 outputs of a panel, 64 channels of a pixel), but the arithmetic is the
// header's contract literally: fmaf and rintf, no contraction (the target compiles with -ffp-contract=off).
#include "int8_copies.h"

#include <math.h>
#include <string.h>

/// The header's requantization of one corrected accumulator: clamp(rint(y), lo, 255). The clamp happens in
/// float (the same result for finite y, and no undefined float → int conversion for a huge one).
static inline uint8_t clamp_round(float y, int32_t lo) {
    float r = rintf(y);
    if (r < (float)lo) r = (float)lo;
    if (r > 255.0f) r = 255.0f;
    return (uint8_t)(int32_t)r;
}

static inline uint8_t requantize(int32_t acc, size_t m, const sn_int8_epilogue *e, const uint8_t *residualRow) {
    if (e->correction) acc = (int32_t)((uint32_t)acc - (uint32_t)e->correction[m]);
    float y = fmaf((float)acc, e->scale[m], e->offset[m]);
    if (residualRow) y = fmaf((float)residualRow[m], e->residualScale, y);
    return clamp_round(y, e->lo);
}

#define ROWS 4

static void gemm(size_t N, size_t M, size_t K, const uint8_t *A, size_t lda, const int8_t *W, const sn_int8_epilogue *e, uint8_t *C,
                 size_t ldc, int32_t *acc, size_t ldacc) {
    size_t Kp = sn_int8_padded_k(K), panels = sn_int8_panels(M);
    for (size_t n0 = 0; n0 < N; n0 += ROWS) {
        size_t rows = N - n0 < ROWS ? N - n0 : ROWS;
        for (size_t p = 0; p < panels; p++) {
            const int8_t *panel = W + p * Kp * SN_INT8_PANEL;
            int32_t s[ROWS][SN_INT8_PANEL];
            memset(s, 0, sizeof s);
            for (size_t q = 0; q < Kp / 4; q++) {
                const int8_t *w = panel + q * 4 * SN_INT8_PANEL;
                for (size_t r = 0; r < rows; r++) {
                    // Inputs K…Kp − 1 are read (the rows' slack) and meet zero weights.
                    const uint8_t *a = A + (n0 + r) * lda + q * 4;
                    for (size_t j = 0; j < SN_INT8_PANEL; j++) {
                        s[r][j] += a[0] * w[j * 4] + a[1] * w[j * 4 + 1] + a[2] * w[j * 4 + 2] + a[3] * w[j * 4 + 3];
                    }
                }
            }
            size_t m0 = p * SN_INT8_PANEL, count = M - m0 < SN_INT8_PANEL ? M - m0 : SN_INT8_PANEL;
            for (size_t r = 0; r < rows; r++) {
                size_t n = n0 + r;
                if (e) {
                    const uint8_t *residualRow = e->residual ? e->residual + n * e->ldr : NULL;
                    for (size_t j = 0; j < count; j++) C[n * ldc + m0 + j] = requantize(s[r][j], m0 + j, e, residualRow);
                } else {
                    for (size_t j = 0; j < count; j++) acc[n * ldacc + m0 + j] = s[r][j];
                }
            }
        }
    }
}

// Channels of one pixel handled at a time by the window kernels (a stack buffer of accumulators).
#define CHUNK 64

static void depthwise(size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights, const float *scale,
                      const float *offset, int32_t lo, const uint16_t *outputIndex, uint8_t *output, size_t rowBegin, size_t rowEnd) {
    size_t Wo = sn_int8_output_side(W, stride);
    for (size_t oy = rowBegin; oy < rowEnd; oy++) {
        for (size_t ox = 0; ox < Wo; ox++) {
            uint8_t *out = output + (oy * Wo + ox) * C;
            for (size_t c0 = 0; c0 < C; c0 += CHUNK) {
                size_t count = C - c0 < CHUNK ? C - c0 : CHUNK;
                int32_t s[CHUNK] = {0};
                for (size_t ky = 0; ky < 3; ky++) {
                    size_t iy = oy * stride + ky - 1; // wraps past H above the image
                    if (iy >= H) continue;
                    for (size_t kx = 0; kx < 3; kx++) {
                        size_t ix = ox * stride + kx - 1;
                        if (ix >= W) continue;
                        const uint8_t *x = input + (iy * W + ix) * C + c0;
                        const int8_t *w = weights + (ky * 3 + kx) * C + c0;
                        for (size_t c = 0; c < count; c++) s[c] += x[c] * w[c];
                    }
                }
                for (size_t c = 0; c < count; c++) {
                    size_t channel = c0 + c;
                    uint8_t q = clamp_round(fmaf((float)s[c], scale[channel], offset[channel]), lo);
                    out[outputIndex ? outputIndex[channel] : channel] = q;
                }
            }
        }
    }
}

static void avgpool(size_t H, size_t W, size_t C, const uint8_t *input, float scale, uint8_t *output, size_t ldo, size_t rowBegin,
                    size_t rowEnd) {
    size_t Wo = sn_int8_output_side(W, 2);
    for (size_t oy = rowBegin; oy < rowEnd; oy++) {
        for (size_t ox = 0; ox < Wo; ox++) {
            for (size_t c0 = 0; c0 < C; c0 += CHUNK) {
                size_t count = C - c0 < CHUNK ? C - c0 : CHUNK;
                int32_t s[CHUNK] = {0};
                for (size_t ky = 0; ky < 3; ky++) {
                    size_t iy = oy * 2 + ky - 1;
                    if (iy >= H) continue;
                    for (size_t kx = 0; kx < 3; kx++) {
                        size_t ix = ox * 2 + kx - 1;
                        if (ix >= W) continue;
                        const uint8_t *x = input + (iy * W + ix) * C + c0;
                        for (size_t c = 0; c < count; c++) s[c] += x[c];
                    }
                }
                uint8_t *out = output + (oy * Wo + ox) * ldo + c0;
                for (size_t c = 0; c < count; c++) out[c] = clamp_round((float)s[c] * scale, 0);
            }
        }
    }
}

static void maxpool(size_t H, size_t W, size_t C, const uint8_t *input, uint8_t *output, size_t rowBegin, size_t rowEnd) {
    size_t Wo = sn_int8_output_side(W, 2);
    for (size_t oy = rowBegin; oy < rowEnd; oy++) {
        for (size_t ox = 0; ox < Wo; ox++) {
            uint8_t *out = output + (oy * Wo + ox) * C;
            // The window's centre (2·oy, 2·ox) is always inside the image, so 0 never beats a real value.
            memset(out, 0, C);
            for (size_t ky = 0; ky < 3; ky++) {
                size_t iy = oy * 2 + ky - 1;
                if (iy >= H) continue;
                for (size_t kx = 0; kx < 3; kx++) {
                    size_t ix = ox * 2 + kx - 1;
                    if (ix >= W) continue;
                    const uint8_t *x = input + (iy * W + ix) * C;
                    for (size_t c = 0; c < C; c++) out[c] = x[c] > out[c] ? x[c] : out[c];
                }
            }
        }
    }
}

static void quantize(const float *x, size_t count, float inverseScale, float zeroPoint, uint8_t *q) {
    for (size_t i = 0; i < count; i++) q[i] = clamp_round(fmaf(x[i], inverseScale, zeroPoint), 0);
}

static void channel_sums(size_t pixels, size_t C, const uint8_t *input, int32_t *sums) {
    for (size_t c = 0; c < C; c++) sums[c] = 0;
    for (size_t p = 0; p < pixels; p++) {
        for (size_t c = 0; c < C; c++) sums[c] += input[p * C + c];
    }
}

const sn_int8_copy sn_int8_portable_copy = {gemm, depthwise, avgpool, maxpool, quantize, channel_sums};
