// Exact integrated gradients of small ReLU networks (see ad_attribution.h and ReLUPathIntegral.swift).
//
// Along the path b + αΔ the first stage's pre-activations are affine in α, so its units switch at the points
// −z₁(b)ⱼ / (W₁ᵀΔ)ⱼ. Between two such points the second stage's pre-activations are affine too, and each of its
// units switches at most once. On every piece the gradient is W₁ D₁ W₂ D₂ w₃; W₁ is common to all pieces, so only
// the h₁-vector Σ length · D₁ u (u = W₂ D₂ w₃, updated by rank-one steps as second-stage units switch) is
// accumulated, and multiplied by W₁ once at the end.
#include "ad_attribution.h"

long ad_relu_path_workspace_floats(const ad_relu_path *p) {
    // delta, slope1, gate1, accumulated, u, event points; value2, slope2, gate2, gates, cuts
    return p->inputs + 5 * p->h1 + 1 + 4 * p->h2 + p->h2 + 2;
}

long ad_relu_path_workspace_longs(const ad_relu_path *p) { return p->h1 + 1; }

// Where each of the walk's arrays lies in the caller's workspace (ad_relu_path_workspace_floats floats).
typedef struct {
    float *delta, *slope1, *gate1, *acc, *u, *points, *value2, *slope2, *gate2, *gates, *cuts;
} ad_path_workspace;

static inline ad_path_workspace ad_path_lay_out(const ad_relu_path *p, float *workspace) {
    ad_path_workspace w;
    w.delta = workspace;
    w.slope1 = w.delta + p->inputs;
    w.gate1 = w.slope1 + p->h1;
    w.acc = w.gate1 + p->h1;
    w.u = w.acc + p->h1;
    w.points = w.u + p->h1;
    w.value2 = w.points + p->h1 + 1;
    w.slope2 = w.value2 + p->h2;
    w.gate2 = w.slope2 + p->h2;
    w.gates = w.gate2 + p->h2;
    w.cuts = w.gates + p->h2;
    return w;
}

// A first-stage switching point t of unit j, inserted in order among the `*events` found so far (insertion sort:
// a few dozen points).
static inline void ad_insert_event(float *points, long *units, long *events, float t, long j) {
    long e = (*events)++;
    while (e > 0 && points[e - 1] > t) { points[e] = points[e - 1]; units[e] = units[e - 1]; e--; }
    points[e] = t;
    units[e] = j;
}

// A second-stage switching point t inserted in order among cuts[1 ..< *count] (cuts[0] is the piece's start).
static inline void ad_insert_cut(float *cuts, long *count, float t) {
    long c = (*count)++;
    while (c > 1 && cuts[c - 1] > t) { cuts[c] = cuts[c - 1]; c--; }
    cuts[c] = t;
}

void ad_relu_path_contributions_portable(const ad_relu_path *p, const float *x, float *contributions,
                                         float *workspace, long *units) {
    const long d = p->inputs, h1 = p->h1, h2 = p->h2;
    const ad_path_workspace ws = ad_path_lay_out(p, workspace);
    float *delta = ws.delta, *slope1 = ws.slope1, *gate1 = ws.gate1, *acc = ws.acc, *u = ws.u, *points = ws.points;
    float *value2 = ws.value2, *slope2 = ws.slope2, *gate2 = ws.gate2, *gates = ws.gates, *cuts = ws.cuts;
    const float *pre = p->baseline_pre;

    for (long i = 0; i < d; i++) delta[i] = x[i] - p->baseline[i];
    // dz₁ = W₁ᵀ Δ.
    for (long j = 0; j < h1; j++) slope1[j] = 0;
    for (long i = 0; i < d; i++) {
        const float s = delta[i], *w = p->w1 + i * h1;
        if (s != 0) for (long j = 0; j < h1; j++) slope1[j] += s * w[j];
    }
    // First-stage switching points in (0, 1), in order (insertion sort: a few dozen), and the state after α = 0.
    long events = 0;
    for (long j = 0; j < h1; j++) {
        const float a = pre[j], c = slope1[j];
        gate1[j] = (a > 0 || (a == 0 && c > 0)) ? 1 : p->negative1;
        acc[j] = 0;
        u[j] = 0;
        if (c != 0) {
            const float t = -a / c;
            if (t > 0 && t < 1) ad_insert_event(points, units, &events, t, j);
        }
    }
    points[events] = 1;
    units[events] = -1;
    events++;

    if (h2 == 0) {
        // One hidden stage: u = w_out, constant.
        float alpha = 0;
        for (long e = 0; e < events; e++) {
            const float length = points[e] - alpha;
            if (length > 0) for (long j = 0; j < h1; j++) acc[j] += length * gate1[j] * p->w_out[j];
            if (units[e] >= 0) gate1[units[e]] = gate1[units[e]] == 1 ? p->negative1 : 1;
            alpha = points[e];
        }
    } else {
        // z₂(α) = value2 + α · slope2 on the current first-stage piece: z₂ = W₂ᵀ (D₁ z₁).
        for (long k = 0; k < h2; k++) {
            value2[k] = p->bias2[k];
            slope2[k] = 0;
            gate2[k] = -1; // not yet set
        }
        for (long j = 0; j < h1; j++) {
            if (gate1[j] == 0) continue;
            const float a = gate1[j] * pre[j], c = gate1[j] * slope1[j], *w = p->w2 + j * h2;
            for (long k = 0; k < h2; k++) {
                value2[k] += a * w[k];
                slope2[k] += c * w[k];
            }
        }
        float alpha = 0;
        for (long e = 0; e < events; e++) {
            const float end = points[e];
            // Second-stage switches inside (alpha, end), in order.
            long count = 0;
            cuts[count++] = alpha;
            for (long k = 0; k < h2; k++) {
                const float start_value = value2[k] + alpha * slope2[k], end_value = value2[k] + end * slope2[k];
                if ((start_value > 0) != (end_value > 0)) {
                    const float t = -value2[k] / slope2[k];
                    if (t > alpha && t < end) ad_insert_cut(cuts, &count, t);
                }
            }
            cuts[count++] = end;
            for (long q = 0; q + 1 < count; q++) {
                const float low = cuts[q], high = cuts[q + 1], length = high - low;
                if (!(length > 0)) continue;
                const float middle = (low + high) / 2;
                // The gates at the piece's middle, then the few that changed.
                for (long k = 0; k < h2; k++) gates[k] = value2[k] + middle * slope2[k] > 0 ? 1 : p->negative2;
                for (long k = 0; k < h2; k++) {
                    const float g = gates[k];
                    if (g != gate2[k]) {
                        const float change = gate2[k] < 0 ? g : g - gate2[k];
                        gate2[k] = g;
                        if (change != 0) {
                            const float scale = change * p->w_out[k], *w = p->w2_by_output + k * h1;
                            for (long j = 0; j < h1; j++) u[j] += scale * w[j];
                        }
                    }
                }
                for (long j = 0; j < h1; j++) acc[j] += length * gate1[j] * u[j];
            }
            // A first-stage unit switches: z₂'s affine coefficients change by its weights.
            if (units[e] >= 0) {
                const long j = units[e];
                const float old = gate1[j], next = old == 1 ? p->negative1 : 1, change = next - old;
                gate1[j] = next;
                const float a = pre[j] * change, c = slope1[j] * change, *w = p->w2 + j * h2;
                for (long k = 0; k < h2; k++) {
                    value2[k] += a * w[k];
                    slope2[k] += c * w[k];
                }
            }
            alpha = end;
        }
    }
    // Contributions: Δ ⊙ (W₁ · accumulated).
    for (long i = 0; i < d; i++) {
        const float *w = p->w1 + i * h1;
        float sum = 0;
        for (long j = 0; j < h1; j++) sum += w[j] * acc[j];
        contributions[i] = delta[i] * sum;
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AD_AVX2 __attribute__((target("avx2,fma")))

// The same walk in eight lanes, for widths that are multiples of 8 (ReLUPathIntegral pads its stages with units
// that never switch and carry no weight). Units are visited in the same order as above.
AD_AVX2 static void ad_relu_path_avx2(const ad_relu_path *p, const float *x, float *contributions, float *workspace,
                                      long *units) {
    const long d = p->inputs, h1 = p->h1, h2 = p->h2, v1 = h1 / 8, v2 = h2 / 8;
    const ad_path_workspace ws = ad_path_lay_out(p, workspace);
    float *delta = ws.delta, *slope1 = ws.slope1, *gate1 = ws.gate1, *acc = ws.acc, *u = ws.u, *points = ws.points;
    float *value2 = ws.value2, *slope2 = ws.slope2, *gate2 = ws.gate2, *gates = ws.gates, *cuts = ws.cuts;
    const float *pre = p->baseline_pre;
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1);

    for (long i = 0; i < d; i++) delta[i] = x[i] - p->baseline[i];
    for (long v = 0; v < v1; v++) _mm256_storeu_ps(slope1 + 8 * v, zero);
    for (long i = 0; i < d; i++) {
        if (delta[i] == 0) continue;
        const __m256 s = _mm256_set1_ps(delta[i]);
        const float *w = p->w1 + i * h1;
        for (long v = 0; v < v1; v++)
            _mm256_storeu_ps(slope1 + 8 * v, _mm256_fmadd_ps(s, _mm256_loadu_ps(w + 8 * v), _mm256_loadu_ps(slope1 + 8 * v)));
    }
    // Gates after α = 0 and the switching points t = −a / c in (0, 1), inserted in order.
    long events = 0;
    const __m256 negative1 = _mm256_set1_ps(p->negative1);
    for (long v = 0; v < v1; v++) {
        const __m256 a = _mm256_loadu_ps(pre + 8 * v), c = _mm256_loadu_ps(slope1 + 8 * v);
        const __m256 on = _mm256_or_ps(_mm256_cmp_ps(a, zero, _CMP_GT_OQ),
                                       _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_EQ_OQ), _mm256_cmp_ps(c, zero, _CMP_GT_OQ)));
        _mm256_storeu_ps(gate1 + 8 * v, _mm256_blendv_ps(negative1, one, on));
        _mm256_storeu_ps(acc + 8 * v, zero);
        _mm256_storeu_ps(u + 8 * v, zero);
        // t = −a / c for the lanes with c ≠ 0 (the others divide by 1 and are not read), kept where 0 < t < 1.
        const __m256 moving_lanes = _mm256_cmp_ps(c, zero, _CMP_NEQ_OQ);
        const __m256 t8 = _mm256_div_ps(_mm256_sub_ps(zero, a), _mm256_blendv_ps(one, c, moving_lanes));
        const __m256 inside = _mm256_and_ps(_mm256_cmp_ps(t8, zero, _CMP_GT_OQ), _mm256_cmp_ps(t8, one, _CMP_LT_OQ));
        unsigned moving = (unsigned)_mm256_movemask_ps(_mm256_and_ps(moving_lanes, inside));
        float ts[8];
        _mm256_storeu_ps(ts, t8);
        while (moving) {
            const long lane = __builtin_ctz(moving), j = 8 * v + lane;
            moving &= moving - 1;
            ad_insert_event(points, units, &events, ts[lane], j);
        }
    }
    points[events] = 1;
    units[events] = -1;
    events++;

    if (h2 == 0) {
        float alpha = 0;
        for (long e = 0; e < events; e++) {
            const __m256 length = _mm256_set1_ps(points[e] - alpha);
            if (points[e] - alpha > 0)
                for (long v = 0; v < v1; v++)
                    _mm256_storeu_ps(acc + 8 * v, _mm256_fmadd_ps(_mm256_mul_ps(length, _mm256_loadu_ps(gate1 + 8 * v)),
                                                                  _mm256_loadu_ps(p->w_out + 8 * v), _mm256_loadu_ps(acc + 8 * v)));
            if (units[e] >= 0) gate1[units[e]] = gate1[units[e]] == 1 ? p->negative1 : 1;
            alpha = points[e];
        }
    } else {
        const __m256 negative2 = _mm256_set1_ps(p->negative2);
        for (long v = 0; v < v2; v++) {
            _mm256_storeu_ps(value2 + 8 * v, _mm256_loadu_ps(p->bias2 + 8 * v));
            _mm256_storeu_ps(slope2 + 8 * v, zero);
            _mm256_storeu_ps(gate2 + 8 * v, _mm256_set1_ps(-1)); // not yet set
        }
        for (long j = 0; j < h1; j++) {
            if (gate1[j] == 0) continue;
            const __m256 a = _mm256_set1_ps(gate1[j] * pre[j]), c = _mm256_set1_ps(gate1[j] * slope1[j]);
            const float *w = p->w2 + j * h2;
            for (long v = 0; v < v2; v++) {
                const __m256 weight = _mm256_loadu_ps(w + 8 * v);
                _mm256_storeu_ps(value2 + 8 * v, _mm256_fmadd_ps(a, weight, _mm256_loadu_ps(value2 + 8 * v)));
                _mm256_storeu_ps(slope2 + 8 * v, _mm256_fmadd_ps(c, weight, _mm256_loadu_ps(slope2 + 8 * v)));
            }
        }
        float alpha = 0;
        for (long e = 0; e < events; e++) {
            const float end = points[e];
            long count = 0;
            cuts[count++] = alpha;
            const __m256 start_alpha = _mm256_set1_ps(alpha), end_alpha = _mm256_set1_ps(end);
            for (long v = 0; v < v2; v++) {
                const __m256 value = _mm256_loadu_ps(value2 + 8 * v), slope = _mm256_loadu_ps(slope2 + 8 * v);
                const __m256 at_start = _mm256_cmp_ps(_mm256_fmadd_ps(start_alpha, slope, value), zero, _CMP_GT_OQ);
                const __m256 at_end = _mm256_cmp_ps(_mm256_fmadd_ps(end_alpha, slope, value), zero, _CMP_GT_OQ);
                unsigned crossing = (unsigned)_mm256_movemask_ps(_mm256_xor_ps(at_start, at_end));
                while (crossing) {
                    const long k = 8 * v + __builtin_ctz(crossing);
                    crossing &= crossing - 1;
                    const float t = -value2[k] / slope2[k];
                    if (t > alpha && t < end) ad_insert_cut(cuts, &count, t);
                }
            }
            cuts[count++] = end;
            for (long q = 0; q + 1 < count; q++) {
                const float low = cuts[q], high = cuts[q + 1], length = high - low;
                if (!(length > 0)) continue;
                const __m256 middle = _mm256_set1_ps((low + high) / 2);
                for (long v = 0; v < v2; v++) {
                    const __m256 g = _mm256_blendv_ps(negative2, one, _mm256_cmp_ps(
                        _mm256_fmadd_ps(middle, _mm256_loadu_ps(slope2 + 8 * v), _mm256_loadu_ps(value2 + 8 * v)), zero, _CMP_GT_OQ));
                    unsigned changed = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(g, _mm256_loadu_ps(gate2 + 8 * v), _CMP_NEQ_OQ));
                    if (!changed) continue;
                    // Gates are stored whole, after the lanes that changed are read: a vector load right after a
                    // scalar store to its lanes would wait for the store (no forwarding).
                    _mm256_storeu_ps(gates + 8 * v, g);
                    while (changed) {
                        const long k = 8 * v + __builtin_ctz(changed);
                        changed &= changed - 1;
                        const float next = gates[k], change = gate2[k] < 0 ? next : next - gate2[k];
                        const float scale = change * p->w_out[k];
                        if (scale != 0) {
                            const __m256 s = _mm256_set1_ps(scale);
                            const float *w = p->w2_by_output + k * h1;
                            for (long r = 0; r < v1; r++)
                                _mm256_storeu_ps(u + 8 * r, _mm256_fmadd_ps(s, _mm256_loadu_ps(w + 8 * r), _mm256_loadu_ps(u + 8 * r)));
                        }
                    }
                    _mm256_storeu_ps(gate2 + 8 * v, g);
                }
                const __m256 span = _mm256_set1_ps(length);
                for (long r = 0; r < v1; r++)
                    _mm256_storeu_ps(acc + 8 * r, _mm256_fmadd_ps(_mm256_mul_ps(span, _mm256_loadu_ps(gate1 + 8 * r)),
                                                                  _mm256_loadu_ps(u + 8 * r), _mm256_loadu_ps(acc + 8 * r)));
            }
            if (units[e] >= 0) {
                const long j = units[e];
                const float old = gate1[j], next = old == 1 ? p->negative1 : 1, change = next - old;
                gate1[j] = next;
                const __m256 a = _mm256_set1_ps(pre[j] * change), c = _mm256_set1_ps(slope1[j] * change);
                const float *w = p->w2 + j * h2;
                for (long v = 0; v < v2; v++) {
                    const __m256 weight = _mm256_loadu_ps(w + 8 * v);
                    _mm256_storeu_ps(value2 + 8 * v, _mm256_fmadd_ps(a, weight, _mm256_loadu_ps(value2 + 8 * v)));
                    _mm256_storeu_ps(slope2 + 8 * v, _mm256_fmadd_ps(c, weight, _mm256_loadu_ps(slope2 + 8 * v)));
                }
            }
            alpha = end;
        }
    }
    for (long i = 0; i < d; i++) {
        const float *w = p->w1 + i * h1;
        __m256 sum = _mm256_mul_ps(_mm256_loadu_ps(w), _mm256_loadu_ps(acc));
        for (long v = 1; v < v1; v++) sum = _mm256_fmadd_ps(_mm256_loadu_ps(w + 8 * v), _mm256_loadu_ps(acc + 8 * v), sum);
        __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
        half = _mm_add_ps(half, _mm_movehl_ps(half, half));
        half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
        contributions[i] = delta[i] * _mm_cvtss_f32(half);
    }
}
#endif


void ad_relu_path_contributions(const ad_relu_path *p, const float *x, float *contributions, float *workspace,
                                long *units) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    static int chosen = -1;
    if (chosen < 0) {
        __builtin_cpu_init();
        chosen = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    if (chosen && p->h1 % 8 == 0 && p->h2 % 8 == 0 && p->h1 > 0) {
        ad_relu_path_avx2(p, x, contributions, workspace, units);
        return;
    }
#endif
    ad_relu_path_contributions_portable(p, x, contributions, workspace, units);
}
