// Single-precision GEMM in the style of GotoBLAS / BLIS (Goto & van de Geijn 2008, "Anatomy of
// High-Performance Matrix Multiplication"; Van Zee & van de Geijn 2015, "BLIS").
//
// Loop nest, outermost first: columns of C in blocks of NC, the shared dimension in blocks of KC
// (a KC x NC block of op(B) is packed into NR-wide micro-panels), rows of C in blocks of MC (a
// MC x KC block of op(A) is packed into MR-high micro-panels, or read in place when op(B) is too
// narrow for packing to pay), then NR-wide and MR-high micro-tiles, each computed by a
// register-blocked MR x NR micro-kernel.
//
// Micro-kernels are chosen once at run time by CPU features: AVX-512F (24 x 16, twenty-four zmm
// accumulators, A packed by 8 x 8 register transposes), AVX2 + FMA (6 x 16, twelve ymm
// accumulators), both compiled with per-function target attributes so no -march flag is needed,
// or a portable C kernel that compilers auto-vectorise (also the only one off x86-64). Every set
// uses NR = 16 columns, so packed B is laid out alike for all of them.
//
// Results are deterministic: the summation order depends only on the shapes and the kernel set.

#include "ad_gemm.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <pthread.h>
#endif

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define AD_MR 6
#define AD_NR 16
#define AD_KC 256
#define AD_MC 144 // multiple of AD_MR
#define AD_NC 4096 // multiple of AD_NR
#define AD_TILE_MAX (32 * AD_NR) // at least the largest mr of any kernel set, times AD_NR
// Below this many columns in a block of op(B), micro-panels of A are read in place (unpacked):
// with so little reuse of each panel, packing would cost more than it saves.
#define AD_PACK_A_MIN_N 64

// A micro-kernel computes the MR x NR tile  C = alpha * sum_k a(:, k) b(k, :) + beta * C
// (C is not read when beta == 0). b is a packed micro-panel: b[k * NR + j]. The element (i, k)
// of a is a[k * sa + i] for the "acol" kind (packed panels, or transposed A) and a[i * sa + k]
// for the "arow" kind (row-major A read in place).
typedef void (*ad_ukernel)(long kc, const float *a, long sa, const float *b, float *c, long ldc,
                           float alpha, float beta);

typedef struct {
    int mr, mc; // micro-tile rows (its columns are AD_NR); rows of A per cache block (a multiple of mr)
    ad_ukernel acol;
    ad_ukernel arow;
    // Packs a full mr-high micro-panel of row-major A (a[i * lda + k]) into ap[k * mr + i]; may be NULL.
    void (*pack_a_rows)(long kc, const float *a, long lda, float *ap);
    // acol kernels computing only the first 8, 16, 24 rows (index: rows / 8) for ragged panels; may be NULL.
    const ad_ukernel *acol_by_eighths;
    void (*axpy)(long n, float a, const float *x, float *y);
    float (*dot)(long n, const float *x, const float *y);
    const char *name;
} ad_kernel_set;

// MARK: - Portable kernels

static inline void ad_store_tile_portable(float acc[AD_MR][AD_NR], float *c, long ldc, float alpha,
                                          float beta) {
    for (int i = 0; i < AD_MR; i++) {
        float *ci = c + i * ldc;
        if (beta == 0.0f) {
            for (int j = 0; j < AD_NR; j++) ci[j] = alpha * acc[i][j];
        } else {
            for (int j = 0; j < AD_NR; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];
        }
    }
}

static void ad_ukernel_portable_acol(long kc, const float *a, long sa, const float *b, float *c,
                                     long ldc, float alpha, float beta) {
    float acc[AD_MR][AD_NR] = {{0}};
    for (long k = 0; k < kc; k++) {
        const float *ak = a + k * sa;
        const float *bk = b + k * AD_NR;
        for (int i = 0; i < AD_MR; i++) {
            float ai = ak[i];
            for (int j = 0; j < AD_NR; j++) acc[i][j] += ai * bk[j];
        }
    }
    ad_store_tile_portable(acc, c, ldc, alpha, beta);
}

static void ad_ukernel_portable_arow(long kc, const float *a, long sa, const float *b, float *c,
                                     long ldc, float alpha, float beta) {
    float acc[AD_MR][AD_NR] = {{0}};
    for (long k = 0; k < kc; k++) {
        const float *bk = b + k * AD_NR;
        for (int i = 0; i < AD_MR; i++) {
            float ai = a[i * sa + k];
            for (int j = 0; j < AD_NR; j++) acc[i][j] += ai * bk[j];
        }
    }
    ad_store_tile_portable(acc, c, ldc, alpha, beta);
}

static void ad_axpy_portable(long n, float a, const float *x, float *y) {
    for (long i = 0; i < n; i++) y[i] += a * x[i];
}

static float ad_dot_portable(long n, const float *x, const float *y) {
    // Eight independent partial sums, combined in a fixed order.
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int l = 0; l < 8; l++) s[l] += x[i + l] * y[i + l];
    }
    float tail = 0;
    for (; i < n; i++) tail += x[i] * y[i];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + tail;
}

static const ad_kernel_set ad_portable_set = {
    AD_MR, AD_MC, ad_ukernel_portable_acol, ad_ukernel_portable_arow, NULL, NULL, ad_axpy_portable,
    ad_dot_portable, "portable",
};

// MARK: - AVX2 + FMA kernels (x86-64)

#if defined(__x86_64__)
#define AD_AVX2 __attribute__((target("avx2,fma")))

// One rank-1 update of the 6 x 16 accumulators; A0..A5 address the six elements of a column of A.
#define AD_AVX2_STEP(A0, A1, A2, A3, A4, A5, B)                                                    \
    do {                                                                                           \
        __m256 b0 = _mm256_load_ps(B);                                                             \
        __m256 b1 = _mm256_load_ps((B) + 8);                                                       \
        __m256 t;                                                                                  \
        t = _mm256_broadcast_ss(A0);                                                               \
        c00 = _mm256_fmadd_ps(t, b0, c00);                                                         \
        c01 = _mm256_fmadd_ps(t, b1, c01);                                                         \
        t = _mm256_broadcast_ss(A1);                                                               \
        c10 = _mm256_fmadd_ps(t, b0, c10);                                                         \
        c11 = _mm256_fmadd_ps(t, b1, c11);                                                         \
        t = _mm256_broadcast_ss(A2);                                                               \
        c20 = _mm256_fmadd_ps(t, b0, c20);                                                         \
        c21 = _mm256_fmadd_ps(t, b1, c21);                                                         \
        t = _mm256_broadcast_ss(A3);                                                               \
        c30 = _mm256_fmadd_ps(t, b0, c30);                                                         \
        c31 = _mm256_fmadd_ps(t, b1, c31);                                                         \
        t = _mm256_broadcast_ss(A4);                                                               \
        c40 = _mm256_fmadd_ps(t, b0, c40);                                                         \
        c41 = _mm256_fmadd_ps(t, b1, c41);                                                         \
        t = _mm256_broadcast_ss(A5);                                                               \
        c50 = _mm256_fmadd_ps(t, b0, c50);                                                         \
        c51 = _mm256_fmadd_ps(t, b1, c51);                                                         \
    } while (0)

#define AD_AVX2_ZERO()                                                                             \
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();                                   \
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();                                   \
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();                                   \
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();                                   \
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();                                   \
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps()

AD_AVX2 static inline void ad_avx2_store_row(float *c, __m256 x0, __m256 x1, __m256 va, __m256 vb,
                                             int read) {
    if (read) {
        _mm256_storeu_ps(c, _mm256_fmadd_ps(va, x0, _mm256_mul_ps(vb, _mm256_loadu_ps(c))));
        _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(va, x1, _mm256_mul_ps(vb, _mm256_loadu_ps(c + 8))));
    } else {
        _mm256_storeu_ps(c, _mm256_mul_ps(va, x0));
        _mm256_storeu_ps(c + 8, _mm256_mul_ps(va, x1));
    }
}

#define AD_AVX2_STORE()                                                                            \
    do {                                                                                           \
        __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);                              \
        int read = beta != 0.0f;                                                                   \
        ad_avx2_store_row(c + 0 * ldc, c00, c01, va, vb, read);                                    \
        ad_avx2_store_row(c + 1 * ldc, c10, c11, va, vb, read);                                    \
        ad_avx2_store_row(c + 2 * ldc, c20, c21, va, vb, read);                                    \
        ad_avx2_store_row(c + 3 * ldc, c30, c31, va, vb, read);                                    \
        ad_avx2_store_row(c + 4 * ldc, c40, c41, va, vb, read);                                    \
        ad_avx2_store_row(c + 5 * ldc, c50, c51, va, vb, read);                                    \
    } while (0)

AD_AVX2 static void ad_ukernel_avx2_acol(long kc, const float *a, long sa, const float *b, float *c,
                                         long ldc, float alpha, float beta) {
    AD_AVX2_ZERO();
    long k = 0;
    for (; k + 4 <= kc; k += 4) {
        AD_AVX2_STEP(a + 0, a + 1, a + 2, a + 3, a + 4, a + 5, b);
        a += sa;
        AD_AVX2_STEP(a + 0, a + 1, a + 2, a + 3, a + 4, a + 5, b + 16);
        a += sa;
        AD_AVX2_STEP(a + 0, a + 1, a + 2, a + 3, a + 4, a + 5, b + 32);
        a += sa;
        AD_AVX2_STEP(a + 0, a + 1, a + 2, a + 3, a + 4, a + 5, b + 48);
        a += sa;
        b += 64;
    }
    for (; k < kc; k++) {
        AD_AVX2_STEP(a + 0, a + 1, a + 2, a + 3, a + 4, a + 5, b);
        a += sa;
        b += 16;
    }
    AD_AVX2_STORE();
}

AD_AVX2 static void ad_ukernel_avx2_arow(long kc, const float *a, long sa, const float *b, float *c,
                                         long ldc, float alpha, float beta) {
    AD_AVX2_ZERO();
    const float *a0 = a, *a1 = a + sa, *a2 = a + 2 * sa, *a3 = a + 3 * sa, *a4 = a + 4 * sa,
                *a5 = a + 5 * sa;
    long k = 0;
    for (; k + 4 <= kc; k += 4) {
        AD_AVX2_STEP(a0 + k, a1 + k, a2 + k, a3 + k, a4 + k, a5 + k, b);
        AD_AVX2_STEP(a0 + k + 1, a1 + k + 1, a2 + k + 1, a3 + k + 1, a4 + k + 1, a5 + k + 1, b + 16);
        AD_AVX2_STEP(a0 + k + 2, a1 + k + 2, a2 + k + 2, a3 + k + 2, a4 + k + 2, a5 + k + 2, b + 32);
        AD_AVX2_STEP(a0 + k + 3, a1 + k + 3, a2 + k + 3, a3 + k + 3, a4 + k + 3, a5 + k + 3, b + 48);
        b += 64;
    }
    for (; k < kc; k++) {
        AD_AVX2_STEP(a0 + k, a1 + k, a2 + k, a3 + k, a4 + k, a5 + k, b);
        b += 16;
    }
    AD_AVX2_STORE();
}

AD_AVX2 static void ad_axpy_avx2(long n, float a, const float *x, float *y) {
    __m256 va = _mm256_set1_ps(a);
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 y0 = _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i));
        __m256 y1 = _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8));
        __m256 y2 = _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16));
        __m256 y3 = _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24));
        _mm256_storeu_ps(y + i, y0);
        _mm256_storeu_ps(y + i + 8, y1);
        _mm256_storeu_ps(y + i + 16, y2);
        _mm256_storeu_ps(y + i + 24, y3);
    }
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    }
    for (; i < n; i++) y[i] = __builtin_fmaf(a, x[i], y[i]);
}

AD_AVX2 static float ad_dot_avx2(long n, const float *x, const float *y) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float total = _mm_cvtss_f32(h);
    float tail = 0;
    for (; i < n; i++) tail = __builtin_fmaf(x[i], y[i], tail);
    return total + tail;
}

static const ad_kernel_set ad_avx2_set = {
    AD_MR, AD_MC, ad_ukernel_avx2_acol, ad_ukernel_avx2_arow, NULL, NULL, ad_axpy_avx2, ad_dot_avx2, "avx2-fma",
};

// MARK: - AVX-512F kernels (x86-64)

// AD_MR512 x 16 tiles: one zmm of B per k, AD_MR512 broadcasts of A, AD_MR512 accumulators.
#define AD_MR512 24
#define AD_MC512 192 // multiple of AD_MR512
#define AD_AVX512 __attribute__((target("avx512f,avx2,fma")))
#if defined(__clang__)
#define AD_UNROLL_FULL _Pragma("clang loop unroll(full)")
#define AD_UNROLL_TWICE _Pragma("clang loop unroll_count(2)")
#else
#define AD_UNROLL_FULL _Pragma("GCC unroll 32")
#define AD_UNROLL_TWICE _Pragma("GCC unroll 2")
#endif

#define AD_INLINE inline __attribute__((always_inline))

AD_AVX512 static AD_INLINE void ad_avx512_store(__m512 *acc, const int rows, float *c, long ldc, float alpha,
                                                float beta) {
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    if (beta != 0.0f) {
AD_UNROLL_FULL
        for (int i = 0; i < rows; i++) {
            float *ci = c + i * ldc;
            _mm512_storeu_ps(ci, _mm512_fmadd_ps(va, acc[i], _mm512_mul_ps(vb, _mm512_loadu_ps(ci))));
        }
    } else {
AD_UNROLL_FULL
        for (int i = 0; i < rows; i++) _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, acc[i]));
    }
}

// The first `rows` rows (a multiple of 8, at most AD_MR512) of the tile, A read as a[k * sa + i].
AD_AVX512 static AD_INLINE void ad_avx512_acol_rows(const int rows, long kc, const float *a, long sa,
                                                    const float *b, float *c, long ldc, float alpha,
                                                    float beta) {
    __m512 acc[AD_MR512];
AD_UNROLL_FULL
    for (int i = 0; i < rows; i++) acc[i] = _mm512_setzero_ps();
AD_UNROLL_TWICE
    for (long k = 0; k < kc; k++) {
        __m512 bk = _mm512_load_ps(b);
AD_UNROLL_FULL
        for (int i = 0; i < rows; i++) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), bk, acc[i]);
        a += sa;
        b += AD_NR;
    }
    ad_avx512_store(acc, rows, c, ldc, alpha, beta);
}

AD_AVX512 static void ad_ukernel_avx512_acol(long kc, const float *a, long sa, const float *b, float *c,
                                             long ldc, float alpha, float beta) {
    ad_avx512_acol_rows(AD_MR512, kc, a, sa, b, c, ldc, alpha, beta);
}

AD_AVX512 static void ad_ukernel_avx512_acol8(long kc, const float *a, long sa, const float *b, float *c,
                                              long ldc, float alpha, float beta) {
    ad_avx512_acol_rows(8, kc, a, sa, b, c, ldc, alpha, beta);
}

AD_AVX512 static void ad_ukernel_avx512_acol16(long kc, const float *a, long sa, const float *b, float *c,
                                               long ldc, float alpha, float beta) {
    ad_avx512_acol_rows(16, kc, a, sa, b, c, ldc, alpha, beta);
}

// Kernels for ragged last panels, by the number of eighths of a panel they cover.
static const ad_ukernel ad_avx512_acol_by_eighths[4] = {
    ad_ukernel_avx512_acol8, ad_ukernel_avx512_acol8, ad_ukernel_avx512_acol16, ad_ukernel_avx512_acol,
};

AD_AVX512 static void ad_ukernel_avx512_arow(long kc, const float *a, long sa, const float *b, float *c,
                                             long ldc, float alpha, float beta) {
    __m512 acc[AD_MR512];
AD_UNROLL_FULL
    for (int i = 0; i < AD_MR512; i++) acc[i] = _mm512_setzero_ps();
    // Rows addressed from three bases (rows 0, 8, 16) plus multiples of the row stride.
    const float *r0 = a, *r8 = a + 8 * sa, *r16 = a + 16 * sa;
AD_UNROLL_TWICE
    for (long k = 0; k < kc; k++) {
        __m512 bk = _mm512_load_ps(b);
AD_UNROLL_FULL
        for (int i = 0; i < 8; i++) {
            acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(r0[i * sa + k]), bk, acc[i]);
            acc[i + 8] = _mm512_fmadd_ps(_mm512_set1_ps(r8[i * sa + k]), bk, acc[i + 8]);
            acc[i + 16] = _mm512_fmadd_ps(_mm512_set1_ps(r16[i * sa + k]), bk, acc[i + 16]);
        }
        b += AD_NR;
    }
    ad_avx512_store(acc, AD_MR512, c, ldc, alpha, beta);
}

// Packs AD_MR512 rows of row-major A by 8 x 8 transposes in ymm registers.
AD_AVX512 static void ad_pack_a_rows_avx512(long kc, const float *a, long lda, float *ap) {
    long k = 0;
    for (; k + 8 <= kc; k += 8) {
        for (int g = 0; g < AD_MR512; g += 8) {
            const float *src = a + g * lda + k;
            __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lda);
            __m256 r2 = _mm256_loadu_ps(src + 2 * lda), r3 = _mm256_loadu_ps(src + 3 * lda);
            __m256 r4 = _mm256_loadu_ps(src + 4 * lda), r5 = _mm256_loadu_ps(src + 5 * lda);
            __m256 r6 = _mm256_loadu_ps(src + 6 * lda), r7 = _mm256_loadu_ps(src + 7 * lda);
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
            __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
            __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
            __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
            __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
            __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
            __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
            __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
            float *dst = ap + k * AD_MR512 + g;
            _mm256_storeu_ps(dst + 0 * AD_MR512, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(dst + 1 * AD_MR512, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(dst + 2 * AD_MR512, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(dst + 3 * AD_MR512, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(dst + 4 * AD_MR512, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(dst + 5 * AD_MR512, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(dst + 6 * AD_MR512, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(dst + 7 * AD_MR512, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
    }
    for (; k < kc; k++) {
        for (int i = 0; i < AD_MR512; i++) ap[k * AD_MR512 + i] = a[i * lda + k];
    }
}

static const ad_kernel_set ad_avx512_set = {
    AD_MR512, AD_MC512, ad_ukernel_avx512_acol, ad_ukernel_avx512_arow, ad_pack_a_rows_avx512,
    ad_avx512_acol_by_eighths, ad_axpy_avx2, ad_dot_avx2,
    "avx512f",
};
#endif

// MARK: - Dispatch

static const ad_kernel_set *ad_detect(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return &ad_avx512_set;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &ad_avx2_set;
#endif
    return &ad_portable_set;
}

static const ad_kernel_set *ad_kernels(void) {
    // Chosen once; a race between first callers is benign, both store the same pointer.
    static const ad_kernel_set *chosen = NULL;
    const ad_kernel_set *set = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (set == NULL) {
        set = ad_detect();
        __atomic_store_n(&chosen, set, __ATOMIC_RELEASE);
    }
    return set;
}

const char *ad_gemm_kernel(void) { return ad_kernels()->name; }

void ad_saxpy(long n, float a, const float *x, float *y) {
    if (n > 0) ad_kernels()->axpy(n, a, x, y);
}

float ad_sdot(long n, const float *x, const float *y) {
    return n > 0 ? ad_kernels()->dot(n, x, y) : 0.0f;
}

// MARK: - Workspace

// Packing buffers are per thread and grow only, so repeated calls allocate nothing.
#if !defined(_WIN32)
static pthread_key_t ad_workspace_key;
static pthread_once_t ad_workspace_once = PTHREAD_ONCE_INIT;
static void ad_workspace_make_key(void) { pthread_key_create(&ad_workspace_key, free); }
static _Thread_local float *ad_workspace_buffer = NULL;
static _Thread_local size_t ad_workspace_capacity = 0;

static float *ad_workspace(size_t count, int *owned) {
    *owned = 0;
    if (count <= ad_workspace_capacity) return ad_workspace_buffer;
    pthread_once(&ad_workspace_once, ad_workspace_make_key);
    size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
    float *fresh = aligned_alloc(64, bytes);
    if (fresh == NULL) return NULL;
    free(ad_workspace_buffer);
    ad_workspace_buffer = fresh;
    ad_workspace_capacity = bytes / sizeof(float);
    pthread_setspecific(ad_workspace_key, fresh);
    return fresh;
}
static void ad_workspace_release(float *buffer, int owned) { (void)buffer, (void)owned; }
#else
static float *ad_workspace(size_t count, int *owned) {
    *owned = 1;
    return _aligned_malloc(count * sizeof(float) + 64, 64);
}
static void ad_workspace_release(float *buffer, int owned) {
    if (owned) _aligned_free(buffer);
}
#endif

// MARK: - Packing

// Packs op(B)[pc ..< pc+kc, jc ..< jc+nc] into NR-wide micro-panels, zero-padding the last one.
static void ad_pack_b(int transB, const float *B, long ldb, long pc, long jc, long kc, long nc,
                      float *bp) {
    for (long j0 = 0; j0 < nc; j0 += AD_NR) {
        long nr = nc - j0 < AD_NR ? nc - j0 : AD_NR;
        float *dst = bp + j0 * kc;
        if (!transB) {
            const float *src = B + pc * ldb + jc + j0;
            if (nr == AD_NR) {
                for (long k = 0; k < kc; k++) memcpy(dst + k * AD_NR, src + k * ldb, AD_NR * sizeof(float));
            } else {
                for (long k = 0; k < kc; k++) {
                    long j = 0;
                    for (; j < nr; j++) dst[k * AD_NR + j] = src[k * ldb + j];
                    for (; j < AD_NR; j++) dst[k * AD_NR + j] = 0.0f;
                }
            }
        } else {
            // op(B)(k, j) = B[j * ldb + k]
            const float *src = B + (jc + j0) * ldb + pc;
            long j = 0;
            for (; j < nr; j++) {
                const float *col = src + j * ldb;
                for (long k = 0; k < kc; k++) dst[k * AD_NR + j] = col[k];
            }
            for (; j < AD_NR; j++) {
                for (long k = 0; k < kc; k++) dst[k * AD_NR + j] = 0.0f;
            }
        }
    }
}

// Packs op(A)[ic ..< ic+mr, pc ..< pc+kc] (mr <= MR) into one MR-high micro-panel, zero-padded.
static void ad_pack_a_panel(int transA, const float *A, long lda, long ic, long pc, long mr, long kc,
                            float *ap, long MR) {
    if (!transA) {
        long i = 0;
        for (; i < mr; i++) {
            const float *row = A + (ic + i) * lda + pc;
            for (long k = 0; k < kc; k++) ap[k * MR + i] = row[k];
        }
        for (; i < MR; i++) {
            for (long k = 0; k < kc; k++) ap[k * MR + i] = 0.0f;
        }
    } else {
        // op(A)(i, k) = A[k * lda + i]
        for (long k = 0; k < kc; k++) {
            const float *src = A + (pc + k) * lda + ic;
            long i = 0;
            for (; i < mr; i++) ap[k * MR + i] = src[i];
            for (; i < MR; i++) ap[k * MR + i] = 0.0f;
        }
    }
}

// MARK: - Driver

static void ad_scale(long M, long N, float beta, float *C, long ldc) {
    for (long i = 0; i < M; i++) {
        float *row = C + i * ldc;
        if (beta == 0.0f) {
            for (long j = 0; j < N; j++) row[j] = 0.0f;
        } else if (beta != 1.0f) {
            for (long j = 0; j < N; j++) row[j] *= beta;
        }
    }
}

static void ad_sgemm_with(const ad_kernel_set *ks, int transA, int transB, long M, long N, long K,
                          float alpha, const float *A, long lda, const float *B, long ldb, float beta,
                          float *C, long ldc) {
    const long MR = ks->mr, MC = ks->mc;
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        ad_scale(M, N, beta, C, ldc);
        return;
    }

    // Balanced blocks of the shared dimension: K = 300 runs as 150 + 150, not 256 + 44.
    long kblocks = (K + AD_KC - 1) / AD_KC;
    long kc_max = (K + kblocks - 1) / kblocks;
    long nc_max = N < AD_NC ? N : AD_NC;
    long nc_pad = (nc_max + AD_NR - 1) / AD_NR * AD_NR;
    long mc_max = M < MC ? M : MC;
    long mc_pad = (mc_max + MR - 1) / MR * MR;

    int owned;
    float *work = ad_workspace((size_t)(kc_max * nc_pad + kc_max * mc_pad), &owned);
    if (work == NULL) abort();
    float *bpack = work;
    float *apack = work + kc_max * nc_pad;
    float tile[AD_TILE_MAX] __attribute__((aligned(64)));

    for (long jc = 0; jc < N; jc += AD_NC) {
        long nc = N - jc < AD_NC ? N - jc : AD_NC;
        int pack_a = nc >= AD_PACK_A_MIN_N;
        for (long pc = 0; pc < K; pc += kc_max) {
            long kc = K - pc < kc_max ? K - pc : kc_max;
            float beta_k = pc == 0 ? beta : 1.0f;
            ad_pack_b(transB, B, ldb, pc, jc, kc, nc, bpack);

            for (long ic = 0; ic < M; ic += MC) {
                long mc = M - ic < MC ? M - ic : MC;
                long full = mc / MR * MR;
                if (pack_a) {
                    for (long ir = 0; ir < mc; ir += MR) {
                        long mr = mc - ir < MR ? mc - ir : MR;
                        if (!transA && mr == MR && ks->pack_a_rows != NULL) {
                            ks->pack_a_rows(kc, A + (ic + ir) * lda + pc, lda, apack + ir * kc);
                        } else {
                            ad_pack_a_panel(transA, A, lda, ic + ir, pc, mr, kc, apack + ir * kc, MR);
                        }
                    }
                } else if (full < mc) {
                    // Only the ragged last panel is packed (zero-padded); full ones are read in place.
                    ad_pack_a_panel(transA, A, lda, ic + full, pc, mc - full, kc, apack + full * kc, MR);
                }

                for (long jr = 0; jr < nc; jr += AD_NR) {
                    long nr = nc - jr < AD_NR ? nc - jr : AD_NR;
                    const float *bp = bpack + jr * kc;
                    for (long ir = 0; ir < mc; ir += MR) {
                        long mr = mc - ir < MR ? mc - ir : MR;
                        ad_ukernel kernel = ks->acol;
                        const float *ap;
                        long sa;
                        if (pack_a || mr < MR) {
                            ap = apack + ir * kc;
                            sa = MR;
                            if (mr < MR && ks->acol_by_eighths != NULL) kernel = ks->acol_by_eighths[(mr + 7) / 8];
                        } else if (transA) {
                            ap = A + pc * lda + ic + ir;
                            sa = lda;
                        } else {
                            ap = A + (ic + ir) * lda + pc;
                            sa = lda;
                            kernel = ks->arow;
                        }
                        float *cp = C + (ic + ir) * ldc + jc + jr;
                        if (mr == MR && nr == AD_NR) {
                            kernel(kc, ap, sa, bp, cp, ldc, alpha, beta_k);
                        } else {
                            kernel(kc, ap, sa, bp, tile, AD_NR, 1.0f, 0.0f);
                            for (long i = 0; i < mr; i++) {
                                float *ci = cp + i * ldc;
                                const float *ti = tile + i * AD_NR;
                                if (beta_k == 0.0f) {
                                    for (long j = 0; j < nr; j++) ci[j] = alpha * ti[j];
                                } else {
                                    for (long j = 0; j < nr; j++) ci[j] = alpha * ti[j] + beta_k * ci[j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    ad_workspace_release(work, owned);
}

void ad_sgemm(int transA, int transB, long M, long N, long K, float alpha, const float *A, long lda,
              const float *B, long ldb, float beta, float *C, long ldc) {
    ad_sgemm_with(ad_kernels(), transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

int ad_sgemm_using(int kernel, int transA, int transB, long M, long N, long K, float alpha, const float *A,
                   long lda, const float *B, long ldb, float beta, float *C, long ldc) {
    const ad_kernel_set *ks = NULL;
    switch (kernel) {
    case AD_GEMM_KERNEL_AUTOMATIC: ks = ad_kernels(); break;
    case AD_GEMM_KERNEL_PORTABLE: ks = &ad_portable_set; break;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case AD_GEMM_KERNEL_AVX2_FMA:
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ks = &ad_avx2_set;
        break;
    case AD_GEMM_KERNEL_AVX512F:
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            ks = &ad_avx512_set;
        break;
#endif
    default: break;
    }
    if (ks == NULL) return -1;
    ad_sgemm_with(ks, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return 0;
}
