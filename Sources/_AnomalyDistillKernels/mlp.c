// Small dense networks, one row or a block of rows at a time (see ad_mlp.h).
//
// A layer with several outputs is computed output block by output block (8 lanes): two accumulators per
// row take the even and the odd inputs (two dependency chains instead of one), then add. A layer with one
// output is a dot product vectorised over the inputs, with a fixed horizontal sum. Blocks of up to four rows
// share each weight load; every row sees exactly the operations it would see alone.
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

AD_MLP_AVX2 static inline __m256 ad_activate8(__m256 v, int activation, float slope) {
    if (activation == AD_ACTIVATION_IDENTITY) return v;
    if (activation == AD_ACTIVATION_RELU) return _mm256_max_ps(v, _mm256_setzero_ps());
    float lanes[8] __attribute__((aligned(32)));
    _mm256_store_ps(lanes, v);
    for (int i = 0; i < 8; i++) lanes[i] = ad_activate(lanes[i], activation, slope);
    return _mm256_load_ps(lanes);
}

// Horizontal sum of 8 lanes in a fixed order.
AD_MLP_AVX2 static inline float ad_hsum8(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// A one-output layer on one row: vectorised over the inputs, two accumulators, a scalar tail.
AD_MLP_AVX2 static inline float ad_dot_row_avx2(const ad_dense_layer *L, const float *a) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    long k = 0, n = L->inputs;
    for (; k + 16 <= n; k += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(L->weight + k), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(L->weight + k + 8), s1);
    }
    if (k + 8 <= n) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(L->weight + k), s0);
        k += 8;
    }
    float tail = 0;
    for (; k < n; k++) tail = fmaf(a[k], L->weight[k], tail);
    return ad_activate(L->bias[0] + (ad_hsum8(_mm256_add_ps(s0, s1)) + tail), L->activation, L->slope);
}

// R rows (1..AD_MLP_BLOCK) of a layer with several outputs.
#define AD_LAYER_ROWS(R)                                                                                       \
    AD_MLP_AVX2 static void ad_layer_rows##R(const ad_dense_layer *L, const float *in, long in_stride,         \
                                             float *out, long out_stride) {                                    \
        const long K = L->inputs, S = L->stride;                                                               \
        for (long o = 0; o < S; o += 8) {                                                                      \
            __m256 even[R], odd[R];                                                                            \
            __m256 b = _mm256_loadu_ps(L->bias + o);                                                           \
            for (int r = 0; r < R; r++) { even[r] = b; odd[r] = _mm256_setzero_ps(); }                         \
            const float *w = L->weight + o;                                                                    \
            long k = 0;                                                                                        \
            for (; k + 1 < K; k += 2) {                                                                        \
                __m256 w0 = _mm256_loadu_ps(w + k * S), w1 = _mm256_loadu_ps(w + (k + 1) * S);                 \
                for (int r = 0; r < R; r++) {                                                                  \
                    even[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(in + r * in_stride + k), w0, even[r]);        \
                    odd[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(in + r * in_stride + k + 1), w1, odd[r]);      \
                }                                                                                              \
            }                                                                                                  \
            if (k < K) {                                                                                       \
                __m256 w0 = _mm256_loadu_ps(w + k * S);                                                        \
                for (int r = 0; r < R; r++)                                                                    \
                    even[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(in + r * in_stride + k), w0, even[r]);        \
            }                                                                                                  \
            for (int r = 0; r < R; r++)                                                                        \
                _mm256_storeu_ps(out + r * out_stride + o,                                                     \
                                 ad_activate8(_mm256_add_ps(even[r], odd[r]), L->activation, L->slope));       \
        }                                                                                                      \
    }
AD_LAYER_ROWS(1)
AD_LAYER_ROWS(2)
AD_LAYER_ROWS(3)
AD_LAYER_ROWS(4)

AD_MLP_AVX2 static void ad_layer_avx2(const ad_dense_layer *L, const float *in, long in_stride, long rows,
                                      float *out, long out_stride) {
    if (L->outputs == 1) {
        for (long r = 0; r < rows; r++) out[r * out_stride] = ad_dot_row_avx2(L, in + r * in_stride);
        return;
    }
    switch (rows) {
    case 1: ad_layer_rows1(L, in, in_stride, out, out_stride); break;
    case 2: ad_layer_rows2(L, in, in_stride, out, out_stride); break;
    case 3: ad_layer_rows3(L, in, in_stride, out, out_stride); break;
    default: ad_layer_rows4(L, in, in_stride, out, out_stride); break;
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
