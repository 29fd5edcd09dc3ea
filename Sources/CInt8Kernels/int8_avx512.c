// SN_INT8_AVX512_VNNI: AVX-512 F/BW/VL/DQ + VNNI (Ice Lake, Zen 4 …). Per-function target attributes, so this
// file builds without any -m flag and the binary runs anywhere; sn_int8_supports gates the calls.
// Partial vectors (M, C and count tails) use masked loads and stores: nothing outside the outputs is written and
// nothing past a row's valid bytes is relied on (the contract's slack is allowed but not needed here).
#if defined(__x86_64__)
#include "int8_copies.h"

#include <immintrin.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma")))
#define INLINE static inline __attribute__((always_inline)) TARGET
// The depthwise kernel also needs AVX-512 VBMI (vpermb, vpermt2b: Ice Lake, Zen 4); without it the older kernel runs.
#define TARGET_DW __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,avx512vbmi")))
#define INLINE_DW static inline __attribute__((always_inline)) TARGET_DW

INLINE int32_t load_i32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

INLINE __mmask16 lanes16(size_t count) { return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1); }
INLINE __mmask64 lanes64(size_t count) { return count >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << count) - 1); }

/// clamp(rint(y), lo, 255) of 16 finite floats (|y| < 2^30: vcvtps2dq rounds half to even under the default
/// MXCSR and cannot overflow), narrowed to 16 bytes.
INLINE __m128i clamp_round(__m512 y, __m512i lo) {
    __m512i q = _mm512_cvtps_epi32(y);
    q = _mm512_min_epi32(_mm512_max_epi32(q, lo), _mm512_set1_epi32(255));
    return _mm512_cvtepi32_epi8(q);
}

// ---- GEMM: register tiles of R rows × V panels (16 outputs each) of int32 accumulators ----

/// Rows n0…n0+R−1 of outputs m0…m0+16·V−1 (the last panel possibly partial); W points at panel m0/16.
/// R and V are constants at every call site: the loops unroll and `s` lives in registers (R·V ≤ 24 of 32 zmm).
INLINE void gemm_tile(const size_t R, const size_t V, size_t n0, size_t m0, size_t M, size_t Kq, const uint8_t *A, size_t lda,
                      const int8_t *W, size_t panelBytes, const sn_int8_epilogue *e, uint8_t *C, size_t ldc, int32_t *acc,
                      size_t ldacc) {
    __m512i s[12][4];
    for (size_t r = 0; r < R; r++)
        for (size_t v = 0; v < V; v++) s[r][v] = _mm512_setzero_si512();
    const uint8_t *a = A + n0 * lda;
    for (size_t q = 0; q < Kq; q++) {
        __m512i w[4];
        for (size_t v = 0; v < V; v++) w[v] = _mm512_loadu_si512(W + v * panelBytes + q * 64);
        for (size_t r = 0; r < R; r++) {
            // 4 bytes of row r (inputs 4q…4q+3) in every lane; vpdpbusd adds their products with each output's 4 weights.
            __m512i b = _mm512_set1_epi32(load_i32(a + r * lda + q * 4));
            for (size_t v = 0; v < V; v++) s[r][v] = _mm512_dpbusd_epi32(s[r][v], b, w[v]);
        }
    }
    for (size_t v = 0; v < V; v++) {
        size_t m = m0 + v * 16;
        __mmask16 mask = lanes16(M - m);
        if (!e) {
            for (size_t r = 0; r < R; r++) _mm512_mask_storeu_epi32(acc + (n0 + r) * ldacc + m, mask, s[r][v]);
            continue;
        }
        __m512 scale = _mm512_maskz_loadu_ps(mask, e->scale + m), offset = _mm512_maskz_loadu_ps(mask, e->offset + m);
        __m512i correction = e->correction ? _mm512_maskz_loadu_epi32(mask, e->correction + m) : _mm512_setzero_si512();
        __m512i lo = _mm512_set1_epi32(e->lo);
        for (size_t r = 0; r < R; r++) {
            __m512 y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(s[r][v], correction)), scale, offset);
            if (e->residual) {
                __m128i res = _mm_maskz_loadu_epi8(mask, e->residual + (n0 + r) * e->ldr + m);
                y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(res)), _mm512_set1_ps(e->residualScale), y);
            }
            _mm_mask_storeu_epi8(C + (n0 + r) * ldc + m, mask, clamp_round(y, lo));
        }
    }
}

// All N rows for V panels: tiles of RMAIN rows, then 4, 2, 1.
#define GEMM_ROWS(V, RMAIN)                                                                                                      \
    do {                                                                                                                         \
        size_t n = 0;                                                                                                            \
        for (; n + (RMAIN) <= N; n += (RMAIN)) gemm_tile(RMAIN, V, n, m0, M, Kq, A, lda, Wp, panelBytes, e, C, ldc, acc, ldacc); \
        for (; n + 4 <= N; n += 4) gemm_tile(4, V, n, m0, M, Kq, A, lda, Wp, panelBytes, e, C, ldc, acc, ldacc);                 \
        if (n + 2 <= N) {                                                                                                        \
            gemm_tile(2, V, n, m0, M, Kq, A, lda, Wp, panelBytes, e, C, ldc, acc, ldacc);                                        \
            n += 2;                                                                                                              \
        }                                                                                                                        \
        if (n < N) gemm_tile(1, V, n, m0, M, Kq, A, lda, Wp, panelBytes, e, C, ldc, acc, ldacc);                                 \
    } while (0)

TARGET static void gemm(size_t N, size_t M, size_t K, const uint8_t *A, size_t lda, const int8_t *W, const sn_int8_epilogue *e,
                        uint8_t *C, size_t ldc, int32_t *acc, size_t ldacc) {
    size_t Kp = sn_int8_padded_k(K), Kq = Kp / 4, panelBytes = Kp * SN_INT8_PANEL, panels = sn_int8_panels(M);
    // Panels in groups of up to 4 (64 outputs); each group sweeps all rows, so its weights stay in L1.
    for (size_t p = 0; p < panels;) {
        size_t V = panels - p >= 4 ? 4 : panels - p, m0 = p * SN_INT8_PANEL;
        const int8_t *Wp = W + p * panelBytes;
        switch (V) {
        case 4: GEMM_ROWS(4, 6); break;
        case 3: GEMM_ROWS(3, 8); break;
        case 2: GEMM_ROWS(2, 12); break;
        default: GEMM_ROWS(1, 12); break;
        }
        p += V;
    }
}

// ---- Window kernels ----

INLINE __m512i load16u(__mmask16 mask, const uint8_t *p) { return _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask, p)); }

// ---- Depthwise 3×3: vpdpbusd over the three rows of one input column ----
//
// For an output row, input column ix contributes the same three bytes per channel (rows oy·s − 1 … oy·s + 1) to
// every output whose window covers it, once per kernel column kx. So each column is interleaved once into quads
// (row 0, row 1, row 2, 0) per channel and an output is 3 vpdpbusd per 16 channels against the quads of kernel
// column kx, (w[0][kx], w[1][kx], w[2][kx], 0). unpack* work within 128-bit lanes, so quad vector k (0…3) of a
// 64-channel block holds channel 16·l + 4·k + i in 128-bit lane l, element i; packs_epi32 + packus_epi16 of the
// four requantized vectors undo exactly that order (and clamp to 0…255 on the way: exact, since lo ≥ 0).
// A whole output row is written for each 64-channel block, then (outputIndex) each pixel is permuted in place.
#define DW_MAX_C 1024

typedef struct {
    __m512i w[3][4];          // [kx][k] weight quads
    __m512 scale[4], offset[4]; // [k] in quad order
} dw_block;

/// Quads (r0, r1, r2, 0) of 64 channels in the lane order above.
INLINE void dw_interleave(__m512i r0, __m512i r1, __m512i r2, __m512i v[4]) {
    __m512i zero = _mm512_setzero_si512();
    __m512i a = _mm512_unpacklo_epi8(r0, r1), b = _mm512_unpackhi_epi8(r0, r1);
    __m512i z = _mm512_unpacklo_epi8(r2, zero), y = _mm512_unpackhi_epi8(r2, zero);
    v[0] = _mm512_unpacklo_epi16(a, z);
    v[1] = _mm512_unpackhi_epi16(a, z);
    v[2] = _mm512_unpacklo_epi16(b, y);
    v[3] = _mm512_unpackhi_epi16(b, y);
}

INLINE __mmask16 lanes16_from(size_t C, size_t start) { return start >= C ? 0 : lanes16(C - start); }

/// [s0.k, s1.k, s2.k, s3.k] (128-bit chunks): the floats of quad vector k.
#define DW_CHUNKS(s, k)                                                                                            \
    _mm512_shuffle_f32x4(_mm512_shuffle_f32x4(s[0], s[1], (k) * 0x55), _mm512_shuffle_f32x4(s[2], s[3], (k) * 0x55), \
                         _MM_SHUFFLE(2, 0, 2, 0))

TARGET static void dw_pack(size_t C, const int8_t *weights, const float *scale, const float *offset, dw_block *blocks) {
    for (size_t c0 = 0, b = 0; c0 < C; c0 += 64, b++) {
        __mmask64 mask = lanes64(C - c0);
        for (size_t kx = 0; kx < 3; kx++)
            dw_interleave(_mm512_maskz_loadu_epi8(mask, weights + kx * C + c0), _mm512_maskz_loadu_epi8(mask, weights + (3 + kx) * C + c0),
                          _mm512_maskz_loadu_epi8(mask, weights + (6 + kx) * C + c0), blocks[b].w[kx]);
        __m512 s[4], o[4];
        for (size_t m = 0; m < 4; m++) {
            __mmask16 lanes = lanes16_from(C, c0 + 16 * m);
            s[m] = _mm512_maskz_loadu_ps(lanes, lanes ? scale + c0 + 16 * m : scale);
            o[m] = _mm512_maskz_loadu_ps(lanes, lanes ? offset + c0 + 16 * m : offset);
        }
        blocks[b].scale[0] = DW_CHUNKS(s, 0), blocks[b].scale[1] = DW_CHUNKS(s, 1);
        blocks[b].scale[2] = DW_CHUNKS(s, 2), blocks[b].scale[3] = DW_CHUNKS(s, 3);
        blocks[b].offset[0] = DW_CHUNKS(o, 0), blocks[b].offset[1] = DW_CHUNKS(o, 1);
        blocks[b].offset[2] = DW_CHUNKS(o, 2), blocks[b].offset[3] = DW_CHUNKS(o, 3);
    }
}

/// Where dw_row stores output ox (from ox0): at out + (ox − ox0)·pitch, the lanes of `mask`, permuted by vpermb
/// with `shuffle` first when that is set.
typedef struct {
    uint8_t *out;
    size_t pitch;
    __mmask64 mask;
    const __m512i *shuffle;
} dw_target;

/// Column ix's quads: rows[ky] point at channel c0 of input row oy·s − 1 + ky, masks zero for rows outside the
/// image (masked loads touch no memory) and for channels past C. `pair` (C ≤ 32): the upper 256 bits hold the
/// next output row's 32 channels (rows[3 + ky]).
INLINE_DW void dw_column(const int pair, const uint8_t *const rows[6], const __mmask64 masks[6], size_t offset, __m512i v[4]) {
    __m512i r[3];
    for (size_t ky = 0; ky < 3; ky++)
        r[ky] = pair ? _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_maskz_loadu_epi8((__mmask32)masks[ky], rows[ky] + offset)),
                                          _mm256_maskz_loadu_epi8((__mmask32)masks[3 + ky], rows[3 + ky] + offset), 1)
                     : _mm512_maskz_loadu_epi8(masks[ky], rows[ky] + offset);
    dw_interleave(r[0], r[1], r[2], v);
}

/// Outputs [ox0, ox1) of one 64-channel block of an output row (`pair`: of two rows, the second's outputs
/// `second` bytes after the first's).
INLINE_DW void dw_row(const size_t stride, const int pair, size_t W, size_t ox0, size_t ox1, size_t C, const uint8_t *const rows[6],
                      const __mmask64 masks[6], const dw_block *blk, __m512i low, dw_target t, size_t second) {
    __m512i w[3][4], zero = _mm512_setzero_si512();
    __m512 sc[4], of[4];
    for (size_t k = 0; k < 4; k++) {
        w[0][k] = blk->w[0][k], w[1][k] = blk->w[1][k], w[2][k] = blk->w[2][k];
        sc[k] = blk->scale[k], of[k] = blk->offset[k];
    }
#define DW_COLUMN(ix, v) dw_column(pair, rows, masks, (ix) * C, v)
    // The window of output ox covers columns ox·s − 1 … ox·s + 1: prev, cur, next.
    __m512i prev[4] = {zero, zero, zero, zero}, cur[4], next[4];
    if (ox0 > 0) DW_COLUMN(ox0 * stride - 1, prev);
    if (stride == 1) DW_COLUMN(ox0, cur);
    for (size_t ox = ox0; ox < ox1; ox++) {
        size_t ix = ox * stride + 1;
        if (stride == 2) DW_COLUMN(2 * ox, cur);
        if (ix < W) {
            DW_COLUMN(ix, next);
        } else {
            next[0] = next[1] = next[2] = next[3] = zero;
        }
        __m512i q[4];
        for (size_t k = 0; k < 4; k++) {
            __m512i s = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, prev[k], w[0][k]), cur[k], w[1][k]), next[k], w[2][k]);
            q[k] = _mm512_cvtps_epi32(_mm512_fmadd_ps(_mm512_cvtepi32_ps(s), sc[k], of[k]));
        }
        __m512i bytes = _mm512_max_epu8(_mm512_packus_epi16(_mm512_packs_epi32(q[0], q[1]), _mm512_packs_epi32(q[2], q[3])), low);
        if (t.shuffle) bytes = _mm512_permutexvar_epi8(*t.shuffle, bytes);
        if (pair) {
            _mm256_mask_storeu_epi8(t.out + (ox - ox0) * t.pitch, (__mmask32)t.mask, _mm512_castsi512_si256(bytes));
            _mm256_mask_storeu_epi8(t.out + (ox - ox0) * t.pitch + second, (__mmask32)t.mask, _mm512_extracti64x4_epi64(bytes, 1));
        } else {
            _mm512_mask_storeu_epi8(t.out + (ox - ox0) * t.pitch, t.mask, bytes);
        }
        for (size_t k = 0; k < 4; k++) {
            if (stride == 1) prev[k] = cur[k], cur[k] = next[k];
            else prev[k] = next[k];
        }
    }
#undef DW_COLUMN
}

/// The channel shuffle of Wo pixels whose channels (quad order undone) are `pitch` bytes apart in `buf`, 64-byte
/// aligned and padded, into `out` (C bytes apart) with vpermt2b: out[j] = pixel[inverse[j]], the inverse split
/// into its low 7 bits (the index within a 128-byte table pair) and the pair number.
TARGET_DW static void dw_permute(const uint8_t *buf, size_t pitch, size_t Wo, size_t C, const uint8_t *low, const uint8_t *pair,
                                 uint8_t *out) {
    size_t tables = (C + 63) / 64;
    for (size_t ox = 0; ox < Wo; ox++) {
        const uint8_t *pixel = buf + ox * pitch;
        __m512i t[DW_MAX_C / 64 + 1];
        for (size_t i = 0; i < tables; i++) t[i] = _mm512_load_si512(pixel + 64 * i);
        t[tables] = _mm512_setzero_si512();
        for (size_t j0 = 0; j0 < C; j0 += 64) {
            __m512i index = _mm512_loadu_si512(low + j0), which = _mm512_loadu_si512(pair + j0);
            __m512i v = _mm512_permutex2var_epi8(t[0], index, t[1]);
            for (size_t p = 1; 2 * p < tables; p++)
                v = _mm512_mask_mov_epi8(v, _mm512_cmpeq_epi8_mask(which, _mm512_set1_epi8((char)p)), _mm512_permutex2var_epi8(t[2 * p], index, t[2 * p + 1]));
            _mm512_mask_storeu_epi8(out + ox * C + j0, lanes64(C - j0), v);
        }
    }
}

static int has_vbmi(void) {
    static int known; // 0 = not yet asked, 1 = no, 2 = yes (racing threads store the same answer)
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v == 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512vbmi") ? 2 : 1;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v == 2;
}

// ---- Depthwise without VBMI (Cascade / Cooper Lake): 16 channels of one pixel per vector ----

// The channel shuffle (outputIndex) for C ≤ 128, the widths of 0.5× networks: a pixel's C outputs are computed
// into a buffer as int16, then gathered in output order with vpermt2w (AVX-512 BW; no VBMI needed), 32 at a
// time: out[j] = buffer[inverse[j]].
#define PERMUTED_MAX 128

TARGET static void depthwise_permuted(size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights,
                                      const float *scale, const float *offset, int32_t lo, const uint16_t *outputIndex,
                                      uint8_t *output, size_t rowBegin, size_t rowEnd) {
    size_t Wo = sn_int8_output_side(W, stride), blocks = (C + 15) / 16;
    // Weights widened once (int32 lanes for vpdpwssd), zero past C; the per-channel scale and offset likewise.
    int32_t wide[9][PERMUTED_MAX];
    float sc[PERMUTED_MAX], of[PERMUTED_MAX];
    uint16_t inverse[PERMUTED_MAX];
    memset(inverse, 0, sizeof inverse);
    for (size_t c = 0; c < PERMUTED_MAX; c++) {
        for (size_t t = 0; t < 9; t++) wide[t][c] = c < C ? weights[t * C + c] : 0;
        sc[c] = c < C ? scale[c] : 0;
        of[c] = c < C ? offset[c] : 0;
        if (c < C) inverse[outputIndex[c]] = (uint16_t)c;
    }
    __m512i low = _mm512_set1_epi32(lo), sixtyFour = _mm512_set1_epi16(64);
    int16_t values[PERMUTED_MAX];
    memset(values, 0, sizeof values);
    for (size_t oy = rowBegin; oy < rowEnd; oy++) {
        for (size_t ox = 0; ox < Wo; ox++) {
            sn_int8_window win = sn_int8_window_at(oy, ox, stride, H, W);
            ptrdiff_t base = sn_int8_corner(oy, ox, stride, W, C);
            int full = win.ky0 == 0 && win.ky1 == 3 && win.kx0 == 0 && win.kx1 == 3; // all 9 taps: the unrolled loop
            for (size_t b = 0; b < blocks; b++) {
                size_t c0 = b * 16;
                __mmask16 mask = lanes16(C - c0);
                __m512i s = _mm512_setzero_si512();
                if (full) {
                    for (size_t t = 0; t < 9; t++)
                        s = _mm512_dpwssd_epi32(s, load16u(mask, input + (base + (ptrdiff_t)(((t / 3) * W + t % 3) * C + c0))),
                                                _mm512_loadu_si512(&wide[t][c0]));
                } else {
                    for (size_t ky = win.ky0; ky < win.ky1; ky++)
                        for (size_t kx = win.kx0; kx < win.kx1; kx++)
                            s = _mm512_dpwssd_epi32(s, load16u(mask, input + (base + (ptrdiff_t)((ky * W + kx) * C + c0))),
                                                    _mm512_loadu_si512(&wide[ky * 3 + kx][c0]));
                }
                __m512 y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_loadu_ps(sc + c0), _mm512_loadu_ps(of + c0));
                __m512i q = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(y), low), _mm512_set1_epi32(255));
                _mm256_storeu_si256((__m256i *)(values + c0), _mm512_cvtepi32_epi16(q));
            }
            __m512i t0 = _mm512_loadu_si512(values), t1 = _mm512_loadu_si512(values + 32);
            __m512i t2 = _mm512_loadu_si512(values + 64), t3 = _mm512_loadu_si512(values + 96);
            uint8_t *out = output + (oy * Wo + ox) * C;
            for (size_t j0 = 0; j0 < C; j0 += 32) {
                __m512i index = _mm512_loadu_si512(inverse + j0);
                __m512i v = _mm512_permutex2var_epi16(t0, index, t1); // entries 0…63 (index bit 5 picks the table)
                if (C > 64) v = _mm512_mask_blend_epi16(_mm512_cmpge_epu16_mask(index, sixtyFour), v, _mm512_permutex2var_epi16(t2, index, t3));
                size_t left = C - j0;
                _mm256_mask_storeu_epi8(out + j0, left >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << left) - 1), _mm512_cvtepi16_epi8(v));
            }
        }
    }
}

TARGET static void depthwise_bw(size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights,
                             const float *scale, const float *offset, int32_t lo, const uint16_t *outputIndex, uint8_t *output,
                             size_t rowBegin, size_t rowEnd) {
    if (outputIndex && C <= PERMUTED_MAX) {
        depthwise_permuted(H, W, C, stride, input, weights, scale, offset, lo, outputIndex, output, rowBegin, rowEnd);
        return;
    }
    size_t Wo = sn_int8_output_side(W, stride);
    __m512i low = _mm512_set1_epi32(lo);
    // Channel blocks outermost: a block's 9 weight vectors, scales and offsets stay in registers over all pixels.
    for (size_t c0 = 0; c0 < C; c0 += 16) {
        __mmask16 mask = lanes16(C - c0);
        __m512i w[9];
        for (size_t t = 0; t < 9; t++) w[t] = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, weights + t * C + c0));
        __m512 sc = _mm512_maskz_loadu_ps(mask, scale + c0), of = _mm512_maskz_loadu_ps(mask, offset + c0);
        for (size_t oy = rowBegin; oy < rowEnd; oy++) {
            for (size_t ox = 0; ox < Wo; ox++) {
                sn_int8_window win = sn_int8_window_at(oy, ox, stride, H, W);
                const uint8_t *corner = input + c0;
                ptrdiff_t base = sn_int8_corner(oy, ox, stride, W, C);
                __m512i s = _mm512_setzero_si512();
                // vpdpwssd on zero-extended bytes: the high 16 bits of each input lane are 0, so each lane adds
                // exactly x·w (w sign-extended in its low 16 bits).
                if (win.ky0 == 0 && win.ky1 == 3 && win.kx0 == 0 && win.kx1 == 3) {
                    for (size_t t = 0; t < 9; t++) s = _mm512_dpwssd_epi32(s, load16u(mask, corner + (base + (ptrdiff_t)(((t / 3) * W + t % 3) * C))), w[t]);
                } else {
                    for (size_t ky = win.ky0; ky < win.ky1; ky++)
                        for (size_t kx = win.kx0; kx < win.kx1; kx++)
                            s = _mm512_dpwssd_epi32(s, load16u(mask, corner + (base + (ptrdiff_t)((ky * W + kx) * C))), w[ky * 3 + kx]);
                }
                __m128i q = clamp_round(_mm512_fmadd_ps(_mm512_cvtepi32_ps(s), sc, of), low);
                uint8_t *out = output + (oy * Wo + ox) * C;
                if (outputIndex) {
                    uint8_t bytes[16];
                    _mm_storeu_si128((__m128i *)bytes, q);
                    size_t count = C - c0 < 16 ? C - c0 : 16;
                    for (size_t i = 0; i < count; i++) out[outputIndex[c0 + i]] = bytes[i];
                } else {
                    _mm_mask_storeu_epi8(out + c0, mask, q);
                }
            }
        }
    }
}


#define DW_ROW_BYTES 8192 // the permuted path's row buffer: up to DW_ROW_BYTES / (64·blocks) pixels at a time

TARGET_DW static void depthwise(size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights,
                                const float *scale, const float *offset, int32_t lo, const uint16_t *outputIndex, uint8_t *output,
                                size_t rowBegin, size_t rowEnd) {
    if (C > DW_MAX_C || !has_vbmi()) {
        depthwise_bw(H, W, C, stride, input, weights, scale, offset, lo, outputIndex, output, rowBegin, rowEnd);
        return;
    }
    size_t Wo = sn_int8_output_side(W, stride), blocks = (C + 63) / 64, pitch = blocks * 64, chunk = DW_ROW_BYTES / pitch;
    dw_block packed[DW_MAX_C / 64];
    dw_pack(C, weights, scale, offset, packed);
    uint8_t low7[DW_MAX_C], pair[DW_MAX_C];
    _Alignas(64) uint8_t buffer[DW_ROW_BYTES];
    __m512i shuffle = _mm512_setzero_si512(); // one block: out[j] = pixel[inverse[j]] with vpermb before the store
    if (outputIndex) {
        for (size_t c = 0; c < C; c++) {
            low7[outputIndex[c]] = (uint8_t)(c & 127);
            pair[outputIndex[c]] = (uint8_t)(c >> 7);
        }
        for (size_t j = C; j < pitch; j++) low7[j] = pair[j] = 0;
        shuffle = _mm512_loadu_si512(low7);
    }
    __m512i low = _mm512_set1_epi8((char)lo);
    size_t oy = rowBegin;
    if (C <= 32) {
        // Two output rows per vector: the block's weights, scales and offsets (and the shuffle) in both halves.
        dw_block *blk = packed;
        for (size_t k = 0; k < 4; k++) {
            for (size_t kx = 0; kx < 3; kx++) blk->w[kx][k] = _mm512_shuffle_i64x2(blk->w[kx][k], blk->w[kx][k], _MM_SHUFFLE(1, 0, 1, 0));
            blk->scale[k] = _mm512_shuffle_f32x4(blk->scale[k], blk->scale[k], _MM_SHUFFLE(1, 0, 1, 0));
            blk->offset[k] = _mm512_shuffle_f32x4(blk->offset[k], blk->offset[k], _MM_SHUFFLE(1, 0, 1, 0));
        }
        shuffle = _mm512_add_epi8(_mm512_shuffle_i64x2(shuffle, shuffle, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi8(32), 1));
        __mmask64 channels = lanes64(C), masks[6];
        for (; oy + 2 <= rowEnd; oy += 2) {
            const uint8_t *rows[6];
            for (size_t r = 0; r < 6; r++) {
                size_t iy = (oy + r / 3) * stride + r % 3 - 1; // wraps past H above the image
                masks[r] = iy < H ? channels : 0;
                rows[r] = iy < H ? input + iy * W * C : input;
            }
            dw_target t = {output + oy * Wo * C, C, channels, outputIndex ? &shuffle : NULL};
            if (stride == 1) dw_row(1, 1, W, 0, Wo, C, rows, masks, blk, low, t, Wo * C);
            else dw_row(2, 1, W, 0, Wo, C, rows, masks, blk, low, t, Wo * C);
        }
    }
    for (; oy < rowEnd; oy++) {
        uint8_t *out = output + oy * Wo * C;
        // Up to `chunk` outputs of the row at a time (all of it without a shuffle or with one block).
        size_t step = outputIndex && blocks > 1 ? chunk : Wo;
        for (size_t ox0 = 0; ox0 < Wo; ox0 += step) {
            size_t ox1 = Wo - ox0 < step ? Wo : ox0 + step;
            for (size_t b = 0; b < blocks; b++) {
                size_t c0 = b * 64;
                __mmask64 channels = lanes64(C - c0), masks[6];
                const uint8_t *rows[6];
                for (size_t ky = 0; ky < 3; ky++) {
                    size_t iy = oy * stride + ky - 1; // wraps past H above the image
                    masks[ky] = iy < H ? channels : 0;
                    rows[ky] = iy < H ? input + iy * W * C + c0 : input;
                }
                dw_target t = {out + ox0 * C + c0, C, channels, NULL};
                if (outputIndex && blocks > 1) t = (dw_target){buffer + c0, pitch, ~(__mmask64)0, NULL};
                if (outputIndex && blocks == 1) t.shuffle = &shuffle;
                if (stride == 1) dw_row(1, 0, W, ox0, ox1, C, rows, masks, packed + b, low, t, 0);
                else dw_row(2, 0, W, ox0, ox1, C, rows, masks, packed + b, low, t, 0);
            }
            if (outputIndex && blocks > 1) dw_permute(buffer, pitch, ox1 - ox0, C, low7, pair, out + ox0 * C);
        }
    }
}

TARGET static void avgpool(size_t H, size_t W, size_t C, const uint8_t *input, float scale, uint8_t *output, size_t ldo,
                           size_t rowBegin, size_t rowEnd) {
    size_t Wo = sn_int8_output_side(W, 2);
    __m512 sc = _mm512_set1_ps(scale);
    __m512i zero = _mm512_setzero_si512();
    for (size_t oy = rowBegin; oy < rowEnd; oy++) {
        for (size_t ox = 0; ox < Wo; ox++) {
            sn_int8_window win = sn_int8_window_at(oy, ox, 2, H, W);
            ptrdiff_t base = sn_int8_corner(oy, ox, 2, W, C);
            for (size_t c0 = 0; c0 < C; c0 += 16) {
                __mmask16 mask = lanes16(C - c0);
                __m512i s = zero;
                for (size_t ky = win.ky0; ky < win.ky1; ky++)
                    for (size_t kx = win.kx0; kx < win.kx1; kx++) s = _mm512_add_epi32(s, load16u(mask, input + (base + (ptrdiff_t)((ky * W + kx) * C + c0))));
                // (float)sum · scale: a plain multiply (the contract has no fma here).
                _mm_mask_storeu_epi8(output + (oy * Wo + ox) * ldo + c0, mask, clamp_round(_mm512_mul_ps(_mm512_cvtepi32_ps(s), sc), zero));
            }
        }
    }
}

TARGET static void maxpool(size_t H, size_t W, size_t C, const uint8_t *input, uint8_t *output, size_t rowBegin, size_t rowEnd) {
    size_t Wo = sn_int8_output_side(W, 2);
    for (size_t oy = rowBegin; oy < rowEnd; oy++) {
        for (size_t ox = 0; ox < Wo; ox++) {
            sn_int8_window win = sn_int8_window_at(oy, ox, 2, H, W);
            ptrdiff_t base = sn_int8_corner(oy, ox, 2, W, C);
            for (size_t c0 = 0; c0 < C; c0 += 64) {
                __mmask64 mask = lanes64(C - c0);
                __m512i m = _mm512_setzero_si512(); // the centre tap is always inside: 0 never beats a real value
                for (size_t ky = win.ky0; ky < win.ky1; ky++)
                    for (size_t kx = win.kx0; kx < win.kx1; kx++)
                        m = _mm512_max_epu8(m, _mm512_maskz_loadu_epi8(mask, input + (base + (ptrdiff_t)((ky * W + kx) * C + c0))));
                _mm512_mask_storeu_epi8(output + (oy * Wo + ox) * C + c0, mask, m);
            }
        }
    }
}

TARGET static void quantize(const float *x, size_t count, float inverseScale, float zeroPoint, uint8_t *q) {
    __m512 inv = _mm512_set1_ps(inverseScale), zp = _mm512_set1_ps(zeroPoint);
    __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255);
    for (size_t i = 0; i < count; i += 16) {
        __mmask16 mask = lanes16(count - i);
        __m512 y = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, x + i), inv, zp);
        // Clamped in float first (the same result as after rounding; huge values cannot overflow the conversion).
        y = _mm512_min_ps(_mm512_max_ps(y, zero), top);
        _mm_mask_storeu_epi8(q + i, mask, _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(y)));
    }
}

TARGET static void channel_sums(size_t pixels, size_t C, const uint8_t *input, int32_t *sums) {
    for (size_t c0 = 0; c0 < C; c0 += 64) {
        __mmask64 mask = lanes64(C - c0);
        __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t p = 0; p < pixels; p++) {
            __m512i v = _mm512_maskz_loadu_epi8(mask, input + p * C + c0);
            s0 = _mm512_add_epi32(s0, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(v)));
            s1 = _mm512_add_epi32(s1, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 1)));
            s2 = _mm512_add_epi32(s2, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 2)));
            s3 = _mm512_add_epi32(s3, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(v, 3)));
        }
        size_t left = C - c0;
        _mm512_mask_storeu_epi32(sums + c0, lanes16(left), s0);
        if (left > 16) _mm512_mask_storeu_epi32(sums + c0 + 16, lanes16(left - 16), s1);
        if (left > 32) _mm512_mask_storeu_epi32(sums + c0 + 32, lanes16(left - 32), s2);
        if (left > 48) _mm512_mask_storeu_epi32(sums + c0 + 48, lanes16(left - 48), s3);
    }
}

const sn_int8_copy sn_int8_avx512_vnni_copy = {gemm, depthwise, avgpool, maxpool, quantize, channel_sums};
#endif
