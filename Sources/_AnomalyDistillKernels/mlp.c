// Small dense networks, one row or a block of rows at a time (see ad_mlp.h).
//
// A layer with several outputs is computed in output blocks of 8 lanes, each with two partial sums (see the
// AVX2 section); a row alone keeps four blocks in flight, rows in a batch go two at a time so one weight load
// serves both. A layer with one output is a dot product vectorised over the inputs, with a fixed horizontal
// sum. Every row sees exactly the same operations in a batch as alone.
#include "ad_mlp.h"

#include <math.h>
#include <stddef.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define AD_MLP_BLOCK 8

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

// Every output block (8 lanes) of every row is computed the same way, alone or beside other rows: two partial
// sums, `e` from the bias over the even inputs and `d` from zero over the odd inputs (an odd count's last input
// goes to `e`), each a chain of FMAs in input order, then `activation(e + d)`. The single-row functions keep
// four blocks (eight chains) in flight; the batch functions two rows × two blocks, so each weight vector loaded
// serves two rows and the FMA units, not the loads, set the pace. The bits are the same either way.
// Written out with named registers: arrays of accumulators were spilled to the stack by the compiler.
#define AD_W(k, b) _mm256_loadu_ps(w + (k) * S + 8 * (b))
#define AD_X(p, k) _mm256_broadcast_ss((p) + (k))

// ReLU and leaky ReLU applied in registers (others: ad_activate_tail afterwards, outside the FMA loops).
AD_MLP_AVX2 static inline __m256 ad_act8(const ad_dense_layer *L, __m256 v) {
    if (L->activation == AD_ACTIVATION_RELU) return _mm256_max_ps(v, _mm256_setzero_ps());
    if (L->activation == AD_ACTIVATION_LEAKY_RELU) {
        __m256 positive = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ);
        return _mm256_blendv_ps(_mm256_mul_ps(v, _mm256_set1_ps(L->slope)), v, positive);
    }
    return v;
}

#define AD_OUT(y, b, e, d) _mm256_storeu_ps((y) + o0 + 8 * (b), ad_act8(L, _mm256_add_ps((e), (d))))

// One row, four blocks.
AD_MLP_AVX2 static inline void ad_row_blocks4(const ad_dense_layer *L, const float *a, float *y, long o0) {
    const long K = L->inputs, S = L->stride;
    const float *w = L->weight + o0;
    __m256 e0 = _mm256_loadu_ps(L->bias + o0), e1 = _mm256_loadu_ps(L->bias + o0 + 8);
    __m256 e2 = _mm256_loadu_ps(L->bias + o0 + 16), e3 = _mm256_loadu_ps(L->bias + o0 + 24);
    __m256 d0 = _mm256_setzero_ps(), d1 = d0, d2 = d0, d3 = d0;
    long k = 0;
    for (; k + 2 <= K; k += 2) {
        __m256 x = AD_X(a, k), z = AD_X(a, k + 1);
        e0 = _mm256_fmadd_ps(x, AD_W(k, 0), e0); e1 = _mm256_fmadd_ps(x, AD_W(k, 1), e1);
        e2 = _mm256_fmadd_ps(x, AD_W(k, 2), e2); e3 = _mm256_fmadd_ps(x, AD_W(k, 3), e3);
        d0 = _mm256_fmadd_ps(z, AD_W(k + 1, 0), d0); d1 = _mm256_fmadd_ps(z, AD_W(k + 1, 1), d1);
        d2 = _mm256_fmadd_ps(z, AD_W(k + 1, 2), d2); d3 = _mm256_fmadd_ps(z, AD_W(k + 1, 3), d3);
    }
    if (k < K) {
        __m256 x = AD_X(a, k);
        e0 = _mm256_fmadd_ps(x, AD_W(k, 0), e0); e1 = _mm256_fmadd_ps(x, AD_W(k, 1), e1);
        e2 = _mm256_fmadd_ps(x, AD_W(k, 2), e2); e3 = _mm256_fmadd_ps(x, AD_W(k, 3), e3);
    }
    AD_OUT(y, 0, e0, d0); AD_OUT(y, 1, e1, d1); AD_OUT(y, 2, e2, d2); AD_OUT(y, 3, e3, d3);
}

// One row, two blocks.
AD_MLP_AVX2 static inline void ad_row_blocks2(const ad_dense_layer *L, const float *a, float *y, long o0) {
    const long K = L->inputs, S = L->stride;
    const float *w = L->weight + o0;
    __m256 e0 = _mm256_loadu_ps(L->bias + o0), e1 = _mm256_loadu_ps(L->bias + o0 + 8);
    __m256 d0 = _mm256_setzero_ps(), d1 = d0;
    long k = 0;
    for (; k + 2 <= K; k += 2) {
        __m256 x = AD_X(a, k), z = AD_X(a, k + 1);
        e0 = _mm256_fmadd_ps(x, AD_W(k, 0), e0); e1 = _mm256_fmadd_ps(x, AD_W(k, 1), e1);
        d0 = _mm256_fmadd_ps(z, AD_W(k + 1, 0), d0); d1 = _mm256_fmadd_ps(z, AD_W(k + 1, 1), d1);
    }
    if (k < K) {
        __m256 x = AD_X(a, k);
        e0 = _mm256_fmadd_ps(x, AD_W(k, 0), e0); e1 = _mm256_fmadd_ps(x, AD_W(k, 1), e1);
    }
    AD_OUT(y, 0, e0, d0); AD_OUT(y, 1, e1, d1);
}

// One row, one block.
AD_MLP_AVX2 static inline void ad_row_blocks1(const ad_dense_layer *L, const float *a, float *y, long o0) {
    const long K = L->inputs, S = L->stride;
    const float *w = L->weight + o0;
    __m256 e0 = _mm256_loadu_ps(L->bias + o0), d0 = _mm256_setzero_ps();
    long k = 0;
    for (; k + 2 <= K; k += 2) {
        e0 = _mm256_fmadd_ps(AD_X(a, k), AD_W(k, 0), e0);
        d0 = _mm256_fmadd_ps(AD_X(a, k + 1), AD_W(k + 1, 0), d0);
    }
    if (k < K) e0 = _mm256_fmadd_ps(AD_X(a, k), AD_W(k, 0), e0);
    AD_OUT(y, 0, e0, d0);
}

// Two rows (a, b), two blocks: each weight vector is loaded once for both rows.
AD_MLP_AVX2 static inline void ad_rows2_blocks2(const ad_dense_layer *L, const float *a, const float *b, float *ya,
                                                float *yb, long o0) {
    const long K = L->inputs, S = L->stride;
    const float *w = L->weight + o0;
    const __m256 bias0 = _mm256_loadu_ps(L->bias + o0), bias1 = _mm256_loadu_ps(L->bias + o0 + 8);
    __m256 ea0 = bias0, ea1 = bias1, eb0 = bias0, eb1 = bias1;
    __m256 da0 = _mm256_setzero_ps(), da1 = da0, db0 = da0, db1 = da0;
    long k = 0;
    for (; k + 2 <= K; k += 2) {
        const __m256 w00 = AD_W(k, 0), w01 = AD_W(k, 1), w10 = AD_W(k + 1, 0), w11 = AD_W(k + 1, 1);
        __m256 x = AD_X(a, k);
        ea0 = _mm256_fmadd_ps(x, w00, ea0); ea1 = _mm256_fmadd_ps(x, w01, ea1);
        x = AD_X(b, k);
        eb0 = _mm256_fmadd_ps(x, w00, eb0); eb1 = _mm256_fmadd_ps(x, w01, eb1);
        x = AD_X(a, k + 1);
        da0 = _mm256_fmadd_ps(x, w10, da0); da1 = _mm256_fmadd_ps(x, w11, da1);
        x = AD_X(b, k + 1);
        db0 = _mm256_fmadd_ps(x, w10, db0); db1 = _mm256_fmadd_ps(x, w11, db1);
    }
    if (k < K) {
        const __m256 w00 = AD_W(k, 0), w01 = AD_W(k, 1);
        __m256 x = AD_X(a, k);
        ea0 = _mm256_fmadd_ps(x, w00, ea0); ea1 = _mm256_fmadd_ps(x, w01, ea1);
        x = AD_X(b, k);
        eb0 = _mm256_fmadd_ps(x, w00, eb0); eb1 = _mm256_fmadd_ps(x, w01, eb1);
    }
    AD_OUT(ya, 0, ea0, da0); AD_OUT(ya, 1, ea1, da1);
    AD_OUT(yb, 0, eb0, db0); AD_OUT(yb, 1, eb1, db1);
}

// Two rows, one block.
AD_MLP_AVX2 static inline void ad_rows2_blocks1(const ad_dense_layer *L, const float *a, const float *b, float *ya,
                                                float *yb, long o0) {
    const long K = L->inputs, S = L->stride;
    const float *w = L->weight + o0;
    __m256 ea0 = _mm256_loadu_ps(L->bias + o0), eb0 = ea0;
    __m256 da0 = _mm256_setzero_ps(), db0 = da0;
    long k = 0;
    for (; k + 2 <= K; k += 2) {
        const __m256 w00 = AD_W(k, 0), w10 = AD_W(k + 1, 0);
        ea0 = _mm256_fmadd_ps(AD_X(a, k), w00, ea0); eb0 = _mm256_fmadd_ps(AD_X(b, k), w00, eb0);
        da0 = _mm256_fmadd_ps(AD_X(a, k + 1), w10, da0); db0 = _mm256_fmadd_ps(AD_X(b, k + 1), w10, db0);
    }
    if (k < K) {
        const __m256 w00 = AD_W(k, 0);
        ea0 = _mm256_fmadd_ps(AD_X(a, k), w00, ea0); eb0 = _mm256_fmadd_ps(AD_X(b, k), w00, eb0);
    }
    AD_OUT(ya, 0, ea0, da0); AD_OUT(yb, 0, eb0, db0);
}

// Activations not applied in registers (tanh, sigmoid), over one row's outputs after the sums.
static void ad_activate_tail(const ad_dense_layer *L, float *y) {
    if (L->activation != AD_ACTIVATION_TANH && L->activation != AD_ACTIVATION_SIGMOID) return;
    for (long o = 0; o < L->stride; o++) y[o] = ad_activate(y[o], L->activation, L->slope);
}

AD_MLP_AVX2 static void ad_layer_avx2(const ad_dense_layer *L, const float *in, long in_stride, long rows,
                                      float *out, long out_stride) {
    if (L->outputs == 1) {
        for (long r = 0; r < rows; r++) out[r * out_stride] = ad_dot_row_avx2(L, in + r * in_stride);
        return;
    }
    long r = 0;
    for (; r + 2 <= rows; r += 2) {
        const float *a = in + r * in_stride, *b = a + in_stride;
        float *ya = out + r * out_stride, *yb = ya + out_stride;
        long blocks = L->stride / 8, o0 = 0;
        for (; blocks >= 2; blocks -= 2, o0 += 16) ad_rows2_blocks2(L, a, b, ya, yb, o0);
        if (blocks == 1) ad_rows2_blocks1(L, a, b, ya, yb, o0);
        ad_activate_tail(L, ya);
        ad_activate_tail(L, yb);
    }
    if (r < rows) {
        const float *a = in + r * in_stride;
        float *y = out + r * out_stride;
        long blocks = L->stride / 8, o0 = 0;
        for (; blocks >= 4; blocks -= 4, o0 += 32) ad_row_blocks4(L, a, y, o0);
        if (blocks >= 2) { ad_row_blocks2(L, a, y, o0); blocks -= 2; o0 += 16; }
        if (blocks == 1) ad_row_blocks1(L, a, y, o0);
        ad_activate_tail(L, y);
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
    if (rows == 1 && layers[count - 1].outputs == 1) {
        // One row (the single-row path): layer by layer through the two buffers, the last layer into `out`.
        const float *in = x;
        for (int i = 0; i < count - 1; i++) {
            layer(&layers[i], in, 0, 1, buffers[i % 2], 0);
            in = buffers[i % 2];
        }
        layer(&layers[count - 1], in, 0, 1, out, 0);
        return;
    }
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

// MARK: - Raw rows to scores

long ad_mlp_input_floats(long input_width) { return AD_MLP_INPUT_ROWS * (input_width > 0 ? input_width : 1); }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
// Contiguous numeric columns, eight at a time: NaN lanes take the median, then the centre is subtracted (the same
// arithmetic as the scalar loop, lane by lane).
AD_MLP_AVX2 static long ad_prepare_numeric_avx2(const ad_input_plan *plan, const float *numeric, float *input) {
    long k = 0;
    for (; k + 8 <= plan->numeric_count; k += 8) {
        __m256 x = _mm256_loadu_ps(numeric + k);
        __m256 missing = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
        x = _mm256_blendv_ps(x, _mm256_loadu_ps(plan->median + k), missing);
        _mm256_storeu_ps(input + k, _mm256_sub_ps(x, _mm256_loadu_ps(plan->center + k)));
    }
    return k;
}
#endif

// A condition the compiler should not turn into a branch (clang otherwise emits one even for arithmetic masks).
#if defined(__has_builtin)
#if __has_builtin(__builtin_unpredictable)
#define AD_UNPREDICTABLE(condition) __builtin_unpredictable(condition)
#endif
#endif
#ifndef AD_UNPREDICTABLE
#define AD_UNPREDICTABLE(condition) (condition)
#endif

// Column k's quantile map at x (not NaN), without vector instructions: the same knot and the same fused
// multiply-add as QuantileMap.apply in Swift (libm's fmaf rounds once, exactly). The search halves a window of
// segments with conditional moves, not branches: the knots a value falls between are as unpredictable as the data,
// and a mispredicted branch per step cost 3x the whole row.
static inline float ad_quantile(const ad_input_plan *plan, long k, float x) {
    const long n = plan->knot_count[k], start = plan->knot_start[k];
    if (n == 0) return x;
    const float *v = plan->knot_value + start, *l = plan->knot_level + start;
    if (!(x > v[0])) return l[0];
    if (!(x < v[n - 1])) return l[n - 1];
    // The largest j with v[j] <= x among the segments 0 ..< n - 1 (v[0] < x < v[n - 1]).
    long low = 0, length = n - 1;
    while (length > 1) {
        long half = length / 2;
        low = AD_UNPREDICTABLE(v[low + half] <= x) ? low + half : low;
        length -= half;
    }
    return fmaf(x - v[low], plan->knot_slope[start + low], l[low]);
}

static void ad_prepare_quantile(const ad_input_plan *plan, const float *numeric, float *input) {
    for (long k = 0; k < plan->numeric_count; k++) {
        float x = numeric[k];
        input[plan->numeric_offset[k]] = ad_quantile(plan, k, x != x ? plan->median[k] : x) - plan->center[k];
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
AD_MLP_AVX2 static inline float ad_fma_instruction(float a, float b, float c) {
    return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

// The same knot as the search finds, from the column's table: the block heads at or below x, then the knots of
// that block at or below x (both prefixes of true lanes: the knots increase, the padding is +inf). No branch on the
// value: x is first clamped to [v[0], v[n − 1]], where the fma gives the end levels exactly (x − v[j] = 0; the slope
// slot after the last knot holds 0), since columns with many values at their minimum made the tests unpredictable.
AD_MLP_AVX2 static inline float ad_quantile_fma(const ad_input_plan *plan, long k, float x) {
    const long n = plan->knot_count[k], start = plan->knot_start[k];
    if (n == 0) return x;
    const float *v = plan->knot_value + start, *l = plan->knot_level + start;
    x = _mm_cvtss_f32(_mm_min_ss(_mm_max_ss(_mm_set_ss(x), _mm_set_ss(v[0])), _mm_set_ss(v[n - 1])));
    const float *table = plan->knot_table + k * AD_KNOT_TABLE;
    const __m256 xs = _mm256_set1_ps(x);
    long block = __builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(table), xs, _CMP_LE_OQ))) - 1;
    const float *knots = table + 8 + 8 * block;
    long low = 8 * block + __builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(knots), xs, _CMP_LE_OQ))) - 1;
    return ad_fma_instruction(x - v[low], plan->knot_slope[start + low], l[low]);
}

AD_MLP_AVX2 static void ad_prepare_quantile_fma(const ad_input_plan *plan, const float *numeric, float *input) {
    for (long k = 0; k < plan->numeric_count; k++) {
        // NaN → median with a blend, not a branch (missing values are as unpredictable as the rest).
        __m128 x = _mm_set_ss(numeric[k]);
        x = _mm_blendv_ps(x, _mm_set_ss(plan->median[k]), _mm_cmpunord_ss(x, x));
        input[plan->numeric_offset[k]] = ad_quantile_fma(plan, k, _mm_cvtss_f32(x)) - plan->center[k];
    }
}
#endif

static inline void ad_prepare_row(const ad_input_plan *plan, const float *numeric, const int *categories,
                                  float *input) {
    const long n = plan->numeric_count;
    if (plan->knot_count) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
        if (ad_mlp_layer() != ad_layer_portable) ad_prepare_quantile_fma(plan, numeric, input);
        else
#endif
        ad_prepare_quantile(plan, numeric, input);
    } else if (plan->contiguous) {
        long k = 0;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
        if (ad_mlp_layer() != ad_layer_portable) k = ad_prepare_numeric_avx2(plan, numeric, input);
#endif
        for (; k < n; k++) {
            float x = numeric[k];
            input[k] = (x != x ? plan->median[k] : x) - plan->center[k];
        }
    } else {
        for (long k = 0; k < n; k++) {
            float x = numeric[k];
            input[plan->numeric_offset[k]] = (x != x ? plan->median[k] : x) - plan->center[k];
        }
    }
    for (long k = 0; k < plan->categorical_count; k++) {
        float *start = input + plan->categorical_offset[k];
        for (long j = 0; j < plan->categorical_width[k]; j++) start[j] = 0;
        int slot = categories[k];
        if (slot >= 0 && slot < plan->categorical_width[k]) start[slot] = 1;
    }
}

void ad_mlp_score(const ad_input_plan *plan, const ad_dense_layer *layers, int count, const float *numeric,
                  const int *categories, long rows, float *out, float *input, float *scratch) {
    const long width = plan->input_width, nn = plan->numeric_count, nc = plan->categorical_count;
    for (long start = 0; start < rows; start += AD_MLP_INPUT_ROWS) {
        long block = rows - start < AD_MLP_INPUT_ROWS ? rows - start : AD_MLP_INPUT_ROWS;
        for (long r = 0; r < block; r++)
            ad_prepare_row(plan, numeric ? numeric + (start + r) * nn : NULL,
                           categories ? categories + (start + r) * nc : NULL, input + r * width);
        ad_mlp_forward(layers, count, input, width, block, out + start, 1, scratch);
    }
}
