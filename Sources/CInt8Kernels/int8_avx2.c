// SN_INT8_AVX2 and SN_INT8_AVX_VNNI: 256-bit copies. They differ only in the GEMM's and the depthwise's inner
// products: AVX2 widens the bytes to int16 and uses vpmaddwd (exact: never vpmaddubsw, which saturates at int16),
// AVX-VNNI uses the VEX vpdpbusd. Their other kernels are the same AVX2 code. Per-function target attributes: no -m flags needed.
// Reads: A rows and activation pixels may be read past their valid bytes (the contract's 64 bytes of slack);
// parameters (scale, offset, correction, weights of the last channels, floats to quantize) are read with masks
// or through a copy, never past their end. Writes: partial vectors go through a stack copy.
#if defined(__x86_64__)
#include "int8_copies.h"

#include <immintrin.h>
#include <string.h>

#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline)) TARGET
#define TARGET_VNNI __attribute__((target("avx2,fma,avxvnni")))

INLINE int32_t load_i32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/// All-ones in the int32 lanes below `count` (0…8).
INLINE __m256i lanes8(size_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count < 8 ? count : 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// 8 int32 lanes in [0, 255] as 8 bytes in the low half.
INLINE __m128i narrow8(__m256i q) {
    __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    return _mm_packus_epi16(w16, w16);
}

/// The first `count` (1…8) bytes of the low half of v to p.
INLINE void store_bytes(uint8_t *p, __m128i v, size_t count) {
    if (count >= 8) {
        _mm_storel_epi64((__m128i *)p, v);
    } else {
        uint8_t bytes[16];
        _mm_storeu_si128((__m128i *)bytes, v);
        memcpy(p, bytes, count);
    }
}

/// clamp(rint(y), lo, 255) of 8 finite floats (|y| < 2^30; vcvtps2dq rounds half to even), as 8 bytes.
INLINE __m128i clamp_round(__m256 y, __m256i lo) {
    __m256i q = _mm256_cvtps_epi32(y);
    return narrow8(_mm256_min_epi32(_mm256_max_epi32(q, lo), _mm256_set1_epi32(255)));
}

/// Epilogue of R rows of 8 outputs m…m+7 (the first `count` valid) whose accumulators are s[r].
INLINE void epilogue8(const size_t R, const __m256i *s, size_t n0, size_t m, size_t count, const sn_int8_epilogue *e, uint8_t *C,
                      size_t ldc, int32_t *acc, size_t ldacc) {
    __m256i mask = lanes8(count);
    if (!e) {
        for (size_t r = 0; r < R; r++) _mm256_maskstore_epi32(acc + (n0 + r) * ldacc + m, mask, s[r]);
        return;
    }
    __m256 scale = _mm256_maskload_ps(e->scale + m, mask), offset = _mm256_maskload_ps(e->offset + m, mask);
    __m256i correction = e->correction ? _mm256_maskload_epi32(e->correction + m, mask) : _mm256_setzero_si256();
    __m256i lo = _mm256_set1_epi32(e->lo);
    for (size_t r = 0; r < R; r++) {
        __m256 y = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(s[r], correction)), scale, offset);
        if (e->residual) {
            uint8_t bytes[8] = {0};
            memcpy(bytes, e->residual + (n0 + r) * e->ldr + m, count < 8 ? count : 8);
            __m256 res = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)bytes)));
            y = _mm256_fmadd_ps(res, _mm256_set1_ps(e->residualScale), y);
        }
        store_bytes(C + (n0 + r) * ldc + m, clamp_round(y, lo), count);
    }
}

/// Both 8-output halves of one panel (outputs m0…m0+15) for R rows.
INLINE void epilogue_panel(const size_t R, const __m256i (*s)[2], size_t n0, size_t m0, size_t M, const sn_int8_epilogue *e,
                           uint8_t *C, size_t ldc, int32_t *acc, size_t ldacc) {
    for (size_t h = 0; h < 2; h++) {
        size_t m = m0 + h * 8;
        if (m >= M) break;
        __m256i column[6];
        for (size_t r = 0; r < R; r++) column[r] = s[r][h];
        epilogue8(R, column, n0, m, M - m, e, C, ldc, acc, ldacc);
    }
}

// ---- AVX2 GEMM: vpmaddwd on int16-widened operands ----

/// R rows × one panel. A quad row of the panel widened to int16 is 4 vectors, vector i holding outputs 4i…4i+3 ×
/// inputs 0…3; the row's 4 inputs broadcast as int16 (a0 a1 a2 a3 repeated). vpmaddwd gives each output two
/// partial sums (inputs 0–1 and 2–3) in adjacent lanes, added pairwise at the end (vphaddd).
INLINE void gemm_tile_avx2(const size_t R, size_t n0, size_t m0, size_t M, size_t Kq, const uint8_t *A, size_t lda, const int8_t *Wp,
                           const sn_int8_epilogue *e, uint8_t *C, size_t ldc, int32_t *acc, size_t ldacc) {
    __m256i s[2][4];
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < 4; i++) s[r][i] = _mm256_setzero_si256();
    const uint8_t *a = A + n0 * lda;
    for (size_t q = 0; q < Kq; q++) {
        __m256i w[4];
        for (size_t i = 0; i < 4; i++) w[i] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(Wp + q * 64 + i * 16)));
        for (size_t r = 0; r < R; r++) {
            __m256i b = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(_mm_cvtsi32_si128(load_i32(a + r * lda + q * 4))));
            for (size_t i = 0; i < 4; i++) s[r][i] = _mm256_add_epi32(s[r][i], _mm256_madd_epi16(b, w[i]));
        }
    }
    __m256i sums[2][2];
    for (size_t r = 0; r < R; r++) {
        // vphaddd works within 128-bit halves: outputs come out as 64-bit pairs (0 1)(4 5)(2 3)(6 7); reorder.
        sums[r][0] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(s[r][0], s[r][1]), 0xD8);
        sums[r][1] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(s[r][2], s[r][3]), 0xD8);
    }
    epilogue_panel(R, (const __m256i(*)[2])sums, n0, m0, M, e, C, ldc, acc, ldacc);
}

TARGET static void gemm_avx2(size_t N, size_t M, size_t K, const uint8_t *A, size_t lda, const int8_t *W, const sn_int8_epilogue *e,
                             uint8_t *C, size_t ldc, int32_t *acc, size_t ldacc) {
    size_t Kp = sn_int8_padded_k(K), Kq = Kp / 4, panels = sn_int8_panels(M);
    for (size_t p = 0; p < panels; p++) {
        const int8_t *Wp = W + p * Kp * SN_INT8_PANEL;
        size_t n = 0;
        for (; n + 2 <= N; n += 2) gemm_tile_avx2(2, n, p * SN_INT8_PANEL, M, Kq, A, lda, Wp, e, C, ldc, acc, ldacc);
        if (n < N) gemm_tile_avx2(1, n, p * SN_INT8_PANEL, M, Kq, A, lda, Wp, e, C, ldc, acc, ldacc);
    }
}

// ---- AVX-VNNI GEMM: VEX vpdpbusd, 16 ymm registers ----

/// R rows (≤ 6) × one panel (2 vectors of 8 outputs): 2·R accumulators + 2 weight vectors + 1 broadcast ≤ 15.
static inline __attribute__((always_inline)) TARGET_VNNI void gemm_tile_vnni(const size_t R, size_t n0, size_t m0, size_t M, size_t Kq,
                                                                               const uint8_t *A, size_t lda, const int8_t *Wp,
                                                                               const sn_int8_epilogue *e, uint8_t *C, size_t ldc,
                                                                               int32_t *acc, size_t ldacc) {
    __m256i s[6][2];
    for (size_t r = 0; r < R; r++) s[r][0] = s[r][1] = _mm256_setzero_si256();
    const uint8_t *a = A + n0 * lda;
    for (size_t q = 0; q < Kq; q++) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)(Wp + q * 64)), w1 = _mm256_loadu_si256((const __m256i *)(Wp + q * 64 + 32));
        for (size_t r = 0; r < R; r++) {
            __m256i b = _mm256_set1_epi32(load_i32(a + r * lda + q * 4));
            s[r][0] = _mm256_dpbusd_avx_epi32(s[r][0], b, w0);
            s[r][1] = _mm256_dpbusd_avx_epi32(s[r][1], b, w1);
        }
    }
    epilogue_panel(R, (const __m256i(*)[2])s, n0, m0, M, e, C, ldc, acc, ldacc);
}

TARGET_VNNI static void gemm_vnni(size_t N, size_t M, size_t K, const uint8_t *A, size_t lda, const int8_t *W,
                                  const sn_int8_epilogue *e, uint8_t *C, size_t ldc, int32_t *acc, size_t ldacc) {
    size_t Kp = sn_int8_padded_k(K), Kq = Kp / 4, panels = sn_int8_panels(M);
    for (size_t p = 0; p < panels; p++) {
        const int8_t *Wp = W + p * Kp * SN_INT8_PANEL;
        size_t n = 0, m0 = p * SN_INT8_PANEL;
        for (; n + 6 <= N; n += 6) gemm_tile_vnni(6, n, m0, M, Kq, A, lda, Wp, e, C, ldc, acc, ldacc);
        for (; n + 2 <= N; n += 2) gemm_tile_vnni(2, n, m0, M, Kq, A, lda, Wp, e, C, ldc, acc, ldacc);
        if (n < N) gemm_tile_vnni(1, n, m0, M, Kq, A, lda, Wp, e, C, ldc, acc, ldacc);
    }
}

// ---- Window kernels and the rest: 8 channels (int32 lanes) per vector ----

/// 8 activation bytes at p (slack allows reading past the pixel's last channel) widened to int32.
INLINE __m256i load8u(const uint8_t *p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)); }

/// Depthwise past DW_MAX_C channels: 8 channels of one pixel per vector.
TARGET static void depthwise_narrow(size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights,
                                    const float *scale, const float *offset, int32_t lo, const uint16_t *outputIndex, uint8_t *output,
                                    size_t rowBegin, size_t rowEnd) {
    size_t Wo = sn_int8_output_side(W, stride);
    __m256i low = _mm256_set1_epi32(lo);
    // Channel blocks outermost: a block's 9 weight vectors, scales and offsets are loaded once for all pixels.
    for (size_t c0 = 0; c0 < C; c0 += 8) {
        size_t count = C - c0 < 8 ? C - c0 : 8;
        __m256i mask = lanes8(count), w[9];
        for (size_t t = 0; t < 9; t++) {
            int8_t bytes[16] = {0};
            memcpy(bytes, weights + t * C + c0, count);
            // Sign-extended int32 lanes; with zero-extended inputs, vpmaddwd gives x·w exactly in each lane.
            w[t] = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)bytes));
        }
        __m256 sc = _mm256_maskload_ps(scale + c0, mask), of = _mm256_maskload_ps(offset + c0, mask);
        for (size_t oy = rowBegin; oy < rowEnd; oy++) {
            for (size_t ox = 0; ox < Wo; ox++) {
                sn_int8_window win = sn_int8_window_at(oy, ox, stride, H, W);
                ptrdiff_t base = sn_int8_corner(oy, ox, stride, W, C) + (ptrdiff_t)c0;
                __m256i s = _mm256_setzero_si256();
                for (size_t ky = win.ky0; ky < win.ky1; ky++)
                    for (size_t kx = win.kx0; kx < win.kx1; kx++)
                        s = _mm256_add_epi32(s, _mm256_madd_epi16(load8u(input + (base + (ptrdiff_t)((ky * W + kx) * C))), w[ky * 3 + kx]));
                __m128i q = clamp_round(_mm256_fmadd_ps(_mm256_cvtepi32_ps(s), sc, of), low);
                uint8_t *out = output + (oy * Wo + ox) * C;
                if (outputIndex) {
                    uint8_t bytes[16];
                    _mm_storeu_si128((__m128i *)bytes, q);
                    for (size_t i = 0; i < count; i++) out[outputIndex[c0 + i]] = bytes[i];
                } else {
                    store_bytes(out + c0, q, count);
                }
            }
        }
    }
}

// ---- Depthwise 3×3: the AVX-512 copy's column scheme on 32 channels per block ----
//
// Input column ix of an output row is interleaved once into quads (row 0, row 1, row 2, 0) per channel; quad
// vector k (0…3) holds channel 16·l + 4·k + i in 128-bit lane l, element i, and packs_epi32 + packus_epi16 of the
// four requantized vectors restore channel order (clamping to 0…255 exactly on the way). AVX-VNNI: one vpdpbusd per
// quad vector and kernel column. AVX2: the quads split into int16 pairs (row 0, row 2) and (row 1, 0), two
// vpmaddwd against the sign-extended weight pairs (exact). A row's outputs go to a 32-byte aligned buffer, then
// each pixel's C bytes are copied, or permuted (outputIndex), into place: partial blocks never write past C.
#define DW_MAX_C 1024
#define DW_ROW_BYTES 8192 // the row buffer: up to DW_ROW_BYTES / (32·blocks) pixels at a time

typedef struct {
    __m256i w[3][4];              // [kx][k] weight quads (w[0][kx], w[1][kx], w[2][kx], 0)
    __m256i even[3][4], odd[3][4]; // the same as int16 pairs (w[0][kx], w[2][kx]) and (w[1][kx], 0)
    __m256 scale[4], offset[4];   // [k] in quad order
} dw_block;

INLINE void dw_interleave(__m256i r0, __m256i r1, __m256i r2, __m256i v[4]) {
    __m256i zero = _mm256_setzero_si256();
    __m256i a = _mm256_unpacklo_epi8(r0, r1), b = _mm256_unpackhi_epi8(r0, r1);
    __m256i z = _mm256_unpacklo_epi8(r2, zero), y = _mm256_unpackhi_epi8(r2, zero);
    v[0] = _mm256_unpacklo_epi16(a, z);
    v[1] = _mm256_unpackhi_epi16(a, z);
    v[2] = _mm256_unpacklo_epi16(b, y);
    v[3] = _mm256_unpackhi_epi16(b, y);
}

TARGET static void dw_pack(size_t C, const int8_t *weights, const float *scale, const float *offset, dw_block *blocks) {
    for (size_t c0 = 0, b = 0; c0 < C; c0 += 32, b++) {
        size_t count = C - c0 < 32 ? C - c0 : 32;
        int8_t w[9][32];
        float s[32], o[32];
        memset(w, 0, sizeof w), memset(s, 0, sizeof s), memset(o, 0, sizeof o);
        for (size_t t = 0; t < 9; t++) memcpy(w[t], weights + t * C + c0, count);
        memcpy(s, scale + c0, count * sizeof(float)), memcpy(o, offset + c0, count * sizeof(float));
        for (size_t kx = 0; kx < 3; kx++) {
            dw_interleave(_mm256_loadu_si256((const __m256i *)w[kx]), _mm256_loadu_si256((const __m256i *)w[3 + kx]),
                          _mm256_loadu_si256((const __m256i *)w[6 + kx]), blocks[b].w[kx]);
            for (size_t k = 0; k < 4; k++) {
                __m256i q = blocks[b].w[kx][k];
                blocks[b].even[kx][k] = _mm256_srai_epi16(_mm256_slli_epi16(q, 8), 8);
                blocks[b].odd[kx][k] = _mm256_srai_epi16(q, 8);
            }
        }
        // Quad vector k, lane l: channels 16·l + 4·k + (0…3).
        for (size_t k = 0; k < 4; k++) {
            blocks[b].scale[k] = _mm256_setr_m128(_mm_loadu_ps(s + 4 * k), _mm_loadu_ps(s + 16 + 4 * k));
            blocks[b].offset[k] = _mm256_setr_m128(_mm_loadu_ps(o + 4 * k), _mm_loadu_ps(o + 16 + 4 * k));
        }
    }
}

/// Requantized bytes of 32 channels in channel order from the quad-order accumulators.
INLINE __m256i dw_requantize(const __m256i s[4], const dw_block *blk, __m256i low) {
    __m256i q[4];
    for (size_t k = 0; k < 4; k++) q[k] = _mm256_cvtps_epi32(_mm256_fmadd_ps(_mm256_cvtepi32_ps(s[k]), blk->scale[k], blk->offset[k]));
    return _mm256_max_epu8(_mm256_packus_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3])), low);
}

/// Column ix's quads; rows outside the image (keep[ky] zero) read the centre row and are zeroed. Channels past C
/// read whatever follows (slack or the next pixel): their weights are 0.
#define DW_COLUMN(ix, v)                                                                                                      \
    dw_interleave(_mm256_and_si256(keep[0], _mm256_loadu_si256((const __m256i *)(rows[0] + (ix) * C))),                      \
                  _mm256_loadu_si256((const __m256i *)(rows[1] + (ix) * C)),                                                   \
                  _mm256_and_si256(keep[2], _mm256_loadu_si256((const __m256i *)(rows[2] + (ix) * C))), v)

/// Outputs [ox0, ox1) of one 32-channel block into out (`pitch` bytes per output). `DOT(s, v, kx, k)` adds quad
/// vector v's products with kernel column kx to s.
#define DW_ROW(NAME, ATTRIBUTES, DOT)                                                                                          \
    ATTRIBUTES void NAME(const size_t stride, size_t W, size_t ox0, size_t ox1, size_t C, const uint8_t *const rows[3],       \
                         const __m256i keep[3], const dw_block *blk, __m256i low, uint8_t *out, size_t pitch) {               \
        __m256i zero = _mm256_setzero_si256(), prev[4] = {zero, zero, zero, zero}, cur[4], next[4];                        \
        if (ox0 > 0) DW_COLUMN(ox0 * stride - 1, prev);                                                                      \
        if (stride == 1) DW_COLUMN(ox0, cur);                                                                                \
        for (size_t ox = ox0; ox < ox1; ox++) {                                                                              \
            size_t ix = ox * stride + 1;                                                                                     \
            if (stride == 2) DW_COLUMN(2 * ox, cur);                                                                         \
            if (ix < W) {                                                                                                    \
                DW_COLUMN(ix, next);                                                                                         \
            } else {                                                                                                         \
                next[0] = next[1] = next[2] = next[3] = zero;                                                                \
            }                                                                                                                \
            __m256i s[4];                                                                                                    \
            for (size_t k = 0; k < 4; k++) {                                                                                 \
                s[k] = zero;                                                                                                 \
                DOT(s[k], prev[k], 0, k);                                                                                    \
                DOT(s[k], cur[k], 1, k);                                                                                     \
                DOT(s[k], next[k], 2, k);                                                                                    \
            }                                                                                                                \
            _mm256_store_si256((__m256i *)(out + (ox - ox0) * pitch), dw_requantize(s, blk, low));                           \
            for (size_t k = 0; k < 4; k++) {                                                                                 \
                if (stride == 1) prev[k] = cur[k], cur[k] = next[k];                                                         \
                else prev[k] = next[k];                                                                                      \
            }                                                                                                                \
        }                                                                                                                    \
    }

// (row 0, row 2) and (row 1, 0) as int16 pairs: the even and odd bytes of each quad, zero-extended.
#define DOT_AVX2(s, v, kx, k)                                                                                                 \
    s = _mm256_add_epi32(s, _mm256_add_epi32(                                                                                \
                                _mm256_madd_epi16(_mm256_and_si256(v, _mm256_set1_epi16(0xFF)), blk->even[kx][k]),          \
                                _mm256_madd_epi16(_mm256_srli_epi16(v, 8), blk->odd[kx][k])))
#define DOT_VNNI(s, v, kx, k) s = _mm256_dpbusd_avx_epi32(s, v, blk->w[kx][k])

DW_ROW(dw_row_avx2, INLINE, DOT_AVX2)
DW_ROW(dw_row_vnni, static inline __attribute__((always_inline)) TARGET_VNNI, DOT_VNNI)

// The channel shuffle for C ≤ 128 (0.5× networks): out[j] = pixel[inverse[j]] with vpshufb, one 16-byte segment of
// the pixel (broadcast to both lanes) at a time: select[s][j] is inverse[j] − 16·s inside segment s, else 0x80 (→ 0).
#define DW_SHUFFLE_MAX 128

TARGET static void dw_shuffle_select(size_t C, const uint16_t *inverse, uint8_t select[][DW_SHUFFLE_MAX]) {
    uint8_t bytes[DW_SHUFFLE_MAX] = {0};
    for (size_t j = 0; j < C; j++) bytes[j] = (uint8_t)inverse[j];
    __m256i fifteen = _mm256_set1_epi8(15), none = _mm256_set1_epi8((char)0x80);
    for (size_t j0 = 0; j0 < C; j0 += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(bytes + j0));
        __m256i segment = _mm256_and_si256(_mm256_srli_epi16(v, 4), fifteen), within = _mm256_and_si256(v, fifteen);
        for (size_t s = 0; s * 16 < C; s++)
            _mm256_storeu_si256((__m256i *)(select[s] + j0),
                                _mm256_blendv_epi8(none, within, _mm256_cmpeq_epi8(segment, _mm256_set1_epi8((char)s))));
    }
}

INLINE void dw_shuffle_pixel(const uint8_t *pixel, size_t C, const uint8_t select[][DW_SHUFFLE_MAX], uint8_t *out) {
    _Alignas(32) uint8_t permuted[DW_SHUFFLE_MAX];
    for (size_t j0 = 0; j0 < C; j0 += 32) {
        __m256i v = _mm256_setzero_si256();
        for (size_t s = 0; s * 16 < C; s++)
            v = _mm256_or_si256(v, _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(pixel + 16 * s))),
                                                       _mm256_loadu_si256((const __m256i *)(select[s] + j0))));
        _mm256_store_si256((__m256i *)(permuted + j0), v);
    }
    memcpy(out, permuted, C);
}

/// One output row (or `chunk` outputs of it at a time) through the row buffer; `vnni` is a constant at each call.
#define DW_RUN(ROW)                                                                                                            \
    do {                                                                                                                       \
        size_t Wo = sn_int8_output_side(W, stride), blocks = (C + 31) / 32, pitch = blocks * 32, chunk = DW_ROW_BYTES / pitch; \
        dw_block packed[DW_MAX_C / 32];                                                                                        \
        dw_pack(C, weights, scale, offset, packed);                                                                            \
        uint16_t inverse[DW_MAX_C];                                                                                            \
        uint8_t select[DW_SHUFFLE_MAX / 16][DW_SHUFFLE_MAX];                                                                   \
        if (outputIndex)                                                                                                       \
            for (size_t c = 0; c < C; c++) inverse[outputIndex[c]] = (uint16_t)c;                                              \
        if (outputIndex && C <= DW_SHUFFLE_MAX) dw_shuffle_select(C, inverse, select);                                         \
        _Alignas(32) uint8_t buffer[DW_ROW_BYTES];                                                                             \
        __m256i low = _mm256_set1_epi8((char)lo), ones = _mm256_set1_epi8(-1), none = _mm256_setzero_si256();               \
        for (size_t oy = rowBegin; oy < rowEnd; oy++) {                                                                        \
            uint8_t *out = output + oy * Wo * C;                                                                               \
            for (size_t ox0 = 0; ox0 < Wo; ox0 += chunk) {                                                                     \
                size_t ox1 = Wo - ox0 < chunk ? Wo : ox0 + chunk;                                                              \
                for (size_t b = 0; b < blocks; b++) {                                                                          \
                    const uint8_t *rows[3];                                                                                    \
                    __m256i keep[3];                                                                                           \
                    for (size_t ky = 0; ky < 3; ky++) {                                                                        \
                        size_t iy = oy * stride + ky - 1; /* wraps past H above the image; the centre row is inside */        \
                        keep[ky] = iy < H ? ones : none;                                                                       \
                        rows[ky] = input + (iy < H ? iy : oy * stride) * W * C + b * 32;                                       \
                    }                                                                                                          \
                    if (stride == 1) ROW(1, W, ox0, ox1, C, rows, keep, packed + b, low, buffer + b * 32, pitch);              \
                    else ROW(2, W, ox0, ox1, C, rows, keep, packed + b, low, buffer + b * 32, pitch);                          \
                }                                                                                                              \
                for (size_t ox = ox0; ox < ox1; ox++) {                                                                        \
                    const uint8_t *pixel = buffer + (ox - ox0) * pitch;                                                        \
                    uint8_t *o = out + ox * C;                                                                                 \
                    if (outputIndex && C <= DW_SHUFFLE_MAX) {                                                                  \
                        dw_shuffle_pixel(pixel, C, (const uint8_t(*)[DW_SHUFFLE_MAX])select, o);                               \
                    } else if (outputIndex) {                                                                                  \
                        for (size_t j = 0; j < C; j++) o[j] = pixel[inverse[j]];                                               \
                    } else {                                                                                                   \
                        memcpy(o, pixel, C);                                                                                   \
                    }                                                                                                          \
                }                                                                                                              \
            }                                                                                                                  \
        }                                                                                                                      \
    } while (0)

TARGET static void depthwise_avx2(size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights,
                                  const float *scale, const float *offset, int32_t lo, const uint16_t *outputIndex, uint8_t *output,
                                  size_t rowBegin, size_t rowEnd) {
    if (C > DW_MAX_C) {
        depthwise_narrow(H, W, C, stride, input, weights, scale, offset, lo, outputIndex, output, rowBegin, rowEnd);
        return;
    }
    DW_RUN(dw_row_avx2);
}

TARGET_VNNI static void depthwise_vnni(size_t H, size_t W, size_t C, size_t stride, const uint8_t *input, const int8_t *weights,
                                       const float *scale, const float *offset, int32_t lo, const uint16_t *outputIndex, uint8_t *output,
                                       size_t rowBegin, size_t rowEnd) {
    if (C > DW_MAX_C) {
        depthwise_narrow(H, W, C, stride, input, weights, scale, offset, lo, outputIndex, output, rowBegin, rowEnd);
        return;
    }
    DW_RUN(dw_row_vnni);
}

TARGET static void avgpool(size_t H, size_t W, size_t C, const uint8_t *input, float scale, uint8_t *output, size_t ldo,
                           size_t rowBegin, size_t rowEnd) {
    size_t Wo = sn_int8_output_side(W, 2);
    __m256 sc = _mm256_set1_ps(scale);
    for (size_t oy = rowBegin; oy < rowEnd; oy++) {
        for (size_t ox = 0; ox < Wo; ox++) {
            sn_int8_window win = sn_int8_window_at(oy, ox, 2, H, W);
            ptrdiff_t base = sn_int8_corner(oy, ox, 2, W, C);
            for (size_t c0 = 0; c0 < C; c0 += 8) {
                __m256i s = _mm256_setzero_si256();
                for (size_t ky = win.ky0; ky < win.ky1; ky++)
                    for (size_t kx = win.kx0; kx < win.kx1; kx++) s = _mm256_add_epi32(s, load8u(input + (base + (ptrdiff_t)((ky * W + kx) * C + c0))));
                // (float)sum · scale: a plain multiply (the contract has no fma here).
                __m128i q = clamp_round(_mm256_mul_ps(_mm256_cvtepi32_ps(s), sc), _mm256_setzero_si256());
                store_bytes(output + (oy * Wo + ox) * ldo + c0, q, C - c0);
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
            for (size_t c0 = 0; c0 < C; c0 += 32) {
                __m256i m = _mm256_setzero_si256(); // the centre tap is always inside: 0 never beats a real value
                for (size_t ky = win.ky0; ky < win.ky1; ky++)
                    for (size_t kx = win.kx0; kx < win.kx1; kx++)
                        m = _mm256_max_epu8(m, _mm256_loadu_si256((const __m256i *)(input + (base + (ptrdiff_t)((ky * W + kx) * C + c0)))));
                uint8_t *out = output + (oy * Wo + ox) * C + c0;
                if (C - c0 >= 32) {
                    _mm256_storeu_si256((__m256i *)out, m);
                } else {
                    uint8_t bytes[32];
                    _mm256_storeu_si256((__m256i *)bytes, m);
                    memcpy(out, bytes, C - c0);
                }
            }
        }
    }
}

TARGET static void quantize(const float *x, size_t count, float inverseScale, float zeroPoint, uint8_t *q) {
    __m256 inv = _mm256_set1_ps(inverseScale), zp = _mm256_set1_ps(zeroPoint);
    __m256 zero = _mm256_setzero_ps(), top = _mm256_set1_ps(255);
    for (size_t i = 0; i < count; i += 8) {
        __m256 y = _mm256_fmadd_ps(_mm256_maskload_ps(x + i, lanes8(count - i)), inv, zp);
        // Clamped in float first (the same result as after rounding; huge values cannot overflow the conversion).
        y = _mm256_min_ps(_mm256_max_ps(y, zero), top);
        store_bytes(q + i, narrow8(_mm256_cvtps_epi32(y)), count - i);
    }
}

TARGET static void channel_sums(size_t pixels, size_t C, const uint8_t *input, int32_t *sums) {
    for (size_t c0 = 0; c0 < C; c0 += 32) {
        __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t p = 0; p < pixels; p++) {
            const uint8_t *x = input + p * C + c0;
            s0 = _mm256_add_epi32(s0, load8u(x));
            s1 = _mm256_add_epi32(s1, load8u(x + 8));
            s2 = _mm256_add_epi32(s2, load8u(x + 16));
            s3 = _mm256_add_epi32(s3, load8u(x + 24));
        }
        size_t left = C - c0;
        _mm256_maskstore_epi32(sums + c0, lanes8(left), s0);
        if (left > 8) _mm256_maskstore_epi32(sums + c0 + 8, lanes8(left - 8), s1);
        if (left > 16) _mm256_maskstore_epi32(sums + c0 + 16, lanes8(left - 16), s2);
        if (left > 24) _mm256_maskstore_epi32(sums + c0 + 24, lanes8(left - 24), s3);
    }
}

const sn_int8_copy sn_int8_avx2_copy = {gemm_avx2, depthwise_avx2, avgpool, maxpool, quantize, channel_sums};
const sn_int8_copy sn_int8_avx_vnni_copy = {gemm_vnni, depthwise_vnni, avgpool, maxpool, quantize, channel_sums};
#endif
