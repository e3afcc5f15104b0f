// Small dense networks, one row or a block of rows at a time (see ad_mlp.h).
//
// A layer with several outputs is computed a row at a time, in groups of output blocks (8 lanes each) with
// several partial sums per block, so that eight independent FMA chains are in flight; the activation is applied
// to the row's sums afterwards. A layer with one output is a dot product vectorised over the inputs, with a
// fixed horizontal sum. Every row sees exactly the same operations in a batch as alone.
#include "ad_mlp.h"

#include <math.h>
#include <stddef.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define AD_MLP_BLOCK 4

long ad_mlp_scratch_floats(long widest) {
    long padded = (widest + 7) / 8 * 8;
    return 2 * AD_MLP_BLOCK * padded + 8;
}

static inline float ad_activate(float v, int activation, float slope) {
    switch (activation) {
    case AD_ACTIVATION_RELU: return v > 0 ? v : 0;
    case AD_ACTIVATION_LEAKY_RELU: return v > 0 ? v : v * slope;
    case AD_ACTIVATION_TANH: return tanhf(v);
    case AD_ACTIVATION_SIGMOID: return 1.0f / (1.0f + expf(-v));
    default: return v;
    }
}

// MARK: - Portable

static void ad_layer_portable(const ad_dense_layer *L, const float *in, long in_stride, long rows, float *out,
                              long out_stride) {
    for (long r = 0; r < rows; r++) {
        const float *a = in + r * in_stride;
        float *y = out + r * out_stride;
        if (L->outputs == 1) {
            float s0 = 0, s1 = 0;
            long k = 0;
            for (; k + 1 < L->inputs; k += 2) { s0 += a[k] * L->weight[k]; s1 += a[k + 1] * L->weight[k + 1]; }
            if (k < L->inputs) s0 += a[k] * L->weight[k];
            y[0] = ad_activate(L->bias[0] + (s0 + s1), L->activation, L->slope);
            continue;
        }
        for (long o = 0; o < L->stride; o++) {
            float s0 = L->bias[o], s1 = 0;
            long k = 0;
            for (; k + 1 < L->inputs; k += 2) {
                s0 += a[k] * L->weight[k * L->stride + o];
                s1 += a[k + 1] * L->weight[(k + 1) * L->stride + o];
            }
            if (k < L->inputs) s0 += a[k] * L->weight[k * L->stride + o];
            y[o] = o < L->outputs ? ad_activate(s0 + s1, L->activation, L->slope) : 0;
        }
    }
}

// MARK: - AVX2 + FMA

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define AD_MLP_AVX2 __attribute__((target("avx2,fma")))


// Horizontal sum of 8 lanes in a fixed order.
AD_MLP_AVX2 static inline float ad_hsum8(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// A one-output layer on one row: vectorised over the inputs, four accumulators, a scalar tail, a fixed
// order of sums.
AD_MLP_AVX2 static inline float ad_dot_row_avx2(const ad_dense_layer *L, const float *a) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    long k = 0, n = L->inputs;
    for (; k + 32 <= n; k += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(L->weight + k), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(L->weight + k + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 16), _mm256_loadu_ps(L->weight + k + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 24), _mm256_loadu_ps(L->weight + k + 24), s3);
    }
    for (; k + 8 <= n; k += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(L->weight + k), s0);
    float tail = 0;
    for (; k < n; k++) tail = fmaf(a[k], L->weight[k], tail);
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    return ad_activate(L->bias[0] + (ad_hsum8(s) + tail), L->activation, L->slope);
}

// Output blocks (8 lanes each, from block o0) of one row with several partial sums per block (input k goes to
// partial k mod P), so that 8 independent chains keep both FMA units busy instead of waiting on one chain.
// Written out with named registers: arrays of accumulators were spilled to the stack by the compiler.
#define AD_W(k, b) _mm256_loadu_ps(w + (k) * S + 8 * (b))
#define AD_X(k) _mm256_broadcast_ss(a + (k))
#define AD_OUT(b, sum) _mm256_storeu_ps(y + o0 + 8 * (b), (sum))

// Four blocks, two partials (even and odd inputs).
AD_MLP_AVX2 static inline void ad_row_blocks4(const ad_dense_layer *L, const float *a, float *y, long o0) {
    const long K = L->inputs, S = L->stride;
    const float *w = L->weight + o0;
    __m256 e0 = _mm256_loadu_ps(L->bias + o0), e1 = _mm256_loadu_ps(L->bias + o0 + 8);
    __m256 e2 = _mm256_loadu_ps(L->bias + o0 + 16), e3 = _mm256_loadu_ps(L->bias + o0 + 24);
    __m256 d0 = _mm256_setzero_ps(), d1 = d0, d2 = d0, d3 = d0;
    long k = 0;
    for (; k + 2 <= K; k += 2) {
        __m256 x = AD_X(k), z = AD_X(k + 1);
        e0 = _mm256_fmadd_ps(x, AD_W(k, 0), e0); e1 = _mm256_fmadd_ps(x, AD_W(k, 1), e1);
        e2 = _mm256_fmadd_ps(x, AD_W(k, 2), e2); e3 = _mm256_fmadd_ps(x, AD_W(k, 3), e3);
        d0 = _mm256_fmadd_ps(z, AD_W(k + 1, 0), d0); d1 = _mm256_fmadd_ps(z, AD_W(k + 1, 1), d1);
        d2 = _mm256_fmadd_ps(z, AD_W(k + 1, 2), d2); d3 = _mm256_fmadd_ps(z, AD_W(k + 1, 3), d3);
    }
    if (k < K) {
        __m256 x = AD_X(k);
        e0 = _mm256_fmadd_ps(x, AD_W(k, 0), e0); e1 = _mm256_fmadd_ps(x, AD_W(k, 1), e1);
        e2 = _mm256_fmadd_ps(x, AD_W(k, 2), e2); e3 = _mm256_fmadd_ps(x, AD_W(k, 3), e3);
    }
    AD_OUT(0, _mm256_add_ps(e0, d0)); AD_OUT(1, _mm256_add_ps(e1, d1));
    AD_OUT(2, _mm256_add_ps(e2, d2)); AD_OUT(3, _mm256_add_ps(e3, d3));
}

// Two blocks, four partials.
AD_MLP_AVX2 static inline void ad_row_blocks2(const ad_dense_layer *L, const float *a, float *y, long o0) {
    const long K = L->inputs, S = L->stride;
    const float *w = L->weight + o0;
    __m256 p0 = _mm256_loadu_ps(L->bias + o0), q0 = _mm256_loadu_ps(L->bias + o0 + 8);
    __m256 p1 = _mm256_setzero_ps(), q1 = p1, p2 = p1, q2 = p1, p3 = p1, q3 = p1;
    long k = 0;
    for (; k + 4 <= K; k += 4) {
        __m256 x0 = AD_X(k), x1 = AD_X(k + 1), x2 = AD_X(k + 2), x3 = AD_X(k + 3);
        p0 = _mm256_fmadd_ps(x0, AD_W(k, 0), p0); q0 = _mm256_fmadd_ps(x0, AD_W(k, 1), q0);
        p1 = _mm256_fmadd_ps(x1, AD_W(k + 1, 0), p1); q1 = _mm256_fmadd_ps(x1, AD_W(k + 1, 1), q1);
        p2 = _mm256_fmadd_ps(x2, AD_W(k + 2, 0), p2); q2 = _mm256_fmadd_ps(x2, AD_W(k + 2, 1), q2);
        p3 = _mm256_fmadd_ps(x3, AD_W(k + 3, 0), p3); q3 = _mm256_fmadd_ps(x3, AD_W(k + 3, 1), q3);
    }
    for (; k < K; k++) {
        __m256 x = AD_X(k);
        p0 = _mm256_fmadd_ps(x, AD_W(k, 0), p0); q0 = _mm256_fmadd_ps(x, AD_W(k, 1), q0);
    }
    AD_OUT(0, _mm256_add_ps(_mm256_add_ps(p0, p1), _mm256_add_ps(p2, p3)));
    AD_OUT(1, _mm256_add_ps(_mm256_add_ps(q0, q1), _mm256_add_ps(q2, q3)));
}

// One block, four partials.
AD_MLP_AVX2 static inline void ad_row_blocks1(const ad_dense_layer *L, const float *a, float *y, long o0) {
    const long K = L->inputs, S = L->stride;
    const float *w = L->weight + o0;
    __m256 p0 = _mm256_loadu_ps(L->bias + o0), p1 = _mm256_setzero_ps(), p2 = p1, p3 = p1;
    long k = 0;
    for (; k + 4 <= K; k += 4) {
        p0 = _mm256_fmadd_ps(AD_X(k), AD_W(k, 0), p0); p1 = _mm256_fmadd_ps(AD_X(k + 1), AD_W(k + 1, 0), p1);
        p2 = _mm256_fmadd_ps(AD_X(k + 2), AD_W(k + 2, 0), p2); p3 = _mm256_fmadd_ps(AD_X(k + 3), AD_W(k + 3, 0), p3);
    }
    for (; k < K; k++) p0 = _mm256_fmadd_ps(AD_X(k), AD_W(k, 0), p0);
    AD_OUT(0, _mm256_add_ps(_mm256_add_ps(p0, p1), _mm256_add_ps(p2, p3)));
}

// The activation over one row's outputs, after the sums (kept out of the block functions, so that no call
// sits in their register-heavy code).
AD_MLP_AVX2 static void ad_activate_row_avx2(const ad_dense_layer *L, float *y) {
    if (L->activation == AD_ACTIVATION_IDENTITY) return;
    if (L->activation == AD_ACTIVATION_RELU) {
        __m256 zero = _mm256_setzero_ps();
        for (long o = 0; o < L->stride; o += 8) _mm256_storeu_ps(y + o, _mm256_max_ps(_mm256_loadu_ps(y + o), zero));
        return;
    }
    for (long o = 0; o < L->stride; o++) y[o] = ad_activate(y[o], L->activation, L->slope);
}

AD_MLP_AVX2 static void ad_layer_avx2(const ad_dense_layer *L, const float *in, long in_stride, long rows,
                                      float *out, long out_stride) {
    for (long r = 0; r < rows; r++) {
        const float *a = in + r * in_stride;
        float *y = out + r * out_stride;
        if (L->outputs == 1) { y[0] = ad_dot_row_avx2(L, a); continue; }
        long blocks = L->stride / 8, o0 = 0;
        for (; blocks >= 4; blocks -= 4, o0 += 32) ad_row_blocks4(L, a, y, o0);
        if (blocks >= 2) { ad_row_blocks2(L, a, y, o0); blocks -= 2; o0 += 16; }
        if (blocks == 1) ad_row_blocks1(L, a, y, o0);
        ad_activate_row_avx2(L, y);
    }
}
#endif

// MARK: - Dispatch

typedef void (*ad_layer_fn)(const ad_dense_layer *, const float *, long, long, float *, long);

static ad_layer_fn ad_mlp_layer(void) {
    static ad_layer_fn chosen = NULL;
    if (!chosen) {
        ad_layer_fn f = ad_layer_portable;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f = ad_layer_avx2;
#endif
        chosen = f;
    }
    return chosen;
}

const char *ad_mlp_kernel(void) { return ad_mlp_layer() == ad_layer_portable ? "portable" : "avx2-fma"; }

void ad_mlp_forward(const ad_dense_layer *layers, int count, const float *x, long x_stride, long rows,
                    float *out, long out_stride, float *scratch) {
    ad_layer_fn layer = ad_mlp_layer();
    long widest = 8;
    for (int i = 0; i < count; i++) if (layers[i].stride > widest) widest = layers[i].stride;
    widest = (widest + 7) / 8 * 8;
    float *buffers[2] = {scratch, scratch + AD_MLP_BLOCK * widest};
    for (long start = 0; start < rows; start += AD_MLP_BLOCK) {
        long block = rows - start < AD_MLP_BLOCK ? rows - start : AD_MLP_BLOCK;
        const float *in = x + start * x_stride;
        long in_stride = x_stride;
        for (int i = 0; i < count; i++) {
            if (i == count - 1) {
                if (layers[i].outputs == 1) {
                    layer(&layers[i], in, in_stride, block, out + start * out_stride, out_stride);
                } else {
                    float *t = buffers[i % 2];
                    layer(&layers[i], in, in_stride, block, t, widest);
                    for (long r = 0; r < block; r++)
                        for (long o = 0; o < layers[i].outputs; o++)
                            out[(start + r) * out_stride + o] = t[r * widest + o];
                }
            } else {
                float *t = buffers[i % 2];
                layer(&layers[i], in, in_stride, block, t, widest);
                in = t;
                in_stride = widest;
            }
        }
    }
}
