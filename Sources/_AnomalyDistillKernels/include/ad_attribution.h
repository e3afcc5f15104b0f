#ifndef AD_ATTRIBUTION_H
#define AD_ATTRIBUTION_H

#ifdef __cplusplus
extern "C" {
#endif

/// A ReLU (or leaky ReLU) network with one or two hidden stages and one linear output, with a baseline row, for
/// exact integrated gradients (`ad_relu_path_contributions`). Weights are input-major, as the library's folded
/// stages hold them: `w1[i * h1 + j]` from input i to first-stage unit j, `w2[j * h2 + k]` from first-stage unit j
/// to second-stage unit k (and the same as `w2_by_output[k * h1 + j]`), `w_out[k]` from the last hidden unit k to
/// the output. With one hidden stage, `h2` is 0 and `w_out` has h1 values.
typedef struct {
    long inputs, h1, h2;
    const float *w1;
    const float *w2;
    const float *w2_by_output;
    const float *bias2;
    const float *w_out;
    const float *baseline;     ///< the baseline row (inputs values)
    const float *baseline_pre; ///< the first stage's pre-activations at the baseline (h1 values)
    float negative1, negative2; ///< each hidden stage's slope below zero (0 for ReLU)
} ad_relu_path;

/// Floats and longs of workspace one caller needs for `ad_relu_path_contributions` (reused from row to row).
long ad_relu_path_workspace_floats(const ad_relu_path *path);
long ad_relu_path_workspace_longs(const ad_relu_path *path);

/// The integrated gradients of the network's output along the straight path from the baseline to row `x`,
/// exactly (up to float rounding): the first stage's units switch at known points of the path, the second's at
/// most once between two of them, and on every piece the gradient is constant. Writes one contribution per input;
/// they sum to F(x) − F(baseline).
void ad_relu_path_contributions(const ad_relu_path *path, const float *x, float *contributions, float *workspace,
                                long *units);

/// The same without vector instructions (what machines without AVX2 and FMA run; exposed so tests compare the two).
void ad_relu_path_contributions_portable(const ad_relu_path *path, const float *x, float *contributions,
                                         float *workspace, long *units);

#ifdef __cplusplus
}
#endif

#endif
