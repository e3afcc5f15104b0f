/// Inference of small dense networks (multilayer perceptrons), one row or a few rows at a time, chosen at
/// run time by CPU features. Built for the scoring path: no allocation, no lock, the weights laid out once.
#ifndef AD_MLP_H
#define AD_MLP_H

#ifdef __cplusplus
extern "C" {
#endif

/// Activations applied after a dense layer.
enum {
    AD_ACTIVATION_IDENTITY = 0,
    AD_ACTIVATION_RELU = 1,
    AD_ACTIVATION_LEAKY_RELU = 2, ///< slope in `ad_dense_layer.slope`
    AD_ACTIVATION_TANH = 3,
    AD_ACTIVATION_SIGMOID = 4,
};

/// One dense layer, `y = activation(b + x · W)`, in the layout the kernel reads.
///
/// When `outputs > 1`, `stride` is `outputs` rounded up to a multiple of 8 and `weight` holds `inputs` rows of
/// `stride` floats (row k: the weights from input k to every output, zero in the padding); `bias` has `stride`
/// floats (zero in the padding). When `outputs == 1`, `stride` is 1 and `weight` is the `inputs` weights,
/// contiguous. Both must stay valid while the layer is used.
typedef struct {
    long inputs;
    long outputs;
    long stride;
    const float *weight;
    const float *bias;
    int activation;
    float slope;
} ad_dense_layer;

/// Floats of scratch memory `ad_mlp_forward` needs for layers whose widest `stride` is `widest`.
long ad_mlp_scratch_floats(long widest);

/// Runs `count` layers over `rows` rows of `x` (row stride `x_stride`, `layers[0].inputs` values each) and
/// writes the last layer's `outputs` values of row r to `out + r * out_stride`.
///
/// Each row is computed with the same operations in the same order whatever `rows` is and wherever the row
/// sits in the batch, so scoring a row alone and in a batch gives bitwise the same result (on one machine).
/// `scratch` holds `ad_mlp_scratch_floats(widest)` floats, 32-byte aligned.
void ad_mlp_forward(const ad_dense_layer *layers, int count, const float *x, long x_stride, long rows,
                    float *out, long out_stride, float *scratch);

/// How a raw row becomes a network's input: numeric column k goes to input `numeric_offset[k]` as
/// `value − center[k]` (a missing value, NaN, takes `median[k]` first; with quantile maps, `q(value) − center[k]`); categorical column k is one-hot over the
/// `categorical_width[k]` inputs from `categorical_offset[k]` (a slot below zero, missing, leaves them all zero).
/// Every pointer must stay valid while the plan is used; arrays of a count of zero may be NULL.
typedef struct {
    long numeric_count;
    const long *numeric_offset;
    const float *median;
    const float *center;
    long categorical_count;
    const long *categorical_offset;
    const long *categorical_width;
    long input_width;
    int contiguous; ///< 1 when numeric_offset[k] == k for every k (the loop then runs over contiguous memory)
    /// Quantile maps, or all NULL when no column has one. Numeric column k (after imputation) first becomes
    /// `fmaf(x − v[j], s[j], l[j])` for the knot j with v[j] ≤ x < v[j + 1] (l[0] at or below v[0], l[n − 1] at or
    /// above v[n − 1]), where v, l and s start at `knot_start[k]` in `knot_value`, `knot_level` and `knot_slope`
    /// and n = `knot_count[k]`; a column with n = 0 is left as it is.
    const long *knot_start;
    const long *knot_count;
    const float *knot_value;
    const float *knot_level;
    const float *knot_slope;
    /// With quantile maps, `AD_KNOT_TABLE` floats per numeric column (column k's at `k * AD_KNOT_TABLE`): the
    /// knots v[0], v[8], …, v[56], then v[0] … v[63], +inf where a column has fewer (at most 64 knots): the AVX2 path
    /// finds a value's knot with two 8-wide compares instead of a six-step search.
    const float *knot_table;
} ad_input_plan;

/// Floats per column of `ad_input_plan.knot_table`, and the most knots a quantile map may have.
#define AD_KNOT_TABLE 72
#define AD_MAX_KNOTS 64

/// Rows whose inputs `ad_mlp_score` prepares at a time, and the floats of input memory it needs.
#define AD_MLP_INPUT_ROWS 64
long ad_mlp_input_floats(long input_width);

/// Scores `rows` raw rows end to end: prepares each row's input as `plan` says (into `input`, which holds
/// `ad_mlp_input_floats(plan->input_width)` floats) and runs `count` layers whose last has one output, writing row
/// r's score to `out[r]`. Row r's raw values are `numeric + r * plan->numeric_count` and
/// `categories + r * plan->categorical_count`. A row's score is bitwise the same whatever `rows` is.
void ad_mlp_score(const ad_input_plan *plan, const ad_dense_layer *layers, int count, const float *numeric,
                  const int *categories, long rows, float *out, float *input, float *scratch);

/// The kernel set chosen for this CPU: "avx2-fma" or "portable".
const char *ad_mlp_kernel(void);

#ifdef __cplusplus
}
#endif

#endif
